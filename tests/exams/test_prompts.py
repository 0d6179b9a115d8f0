"""Prompts on review pages: the candidate's Markdown, with long code blocks folded away."""

from __future__ import annotations

from flask import Flask

from hirebench.exams.prompts import COLLAPSE_LINES, render_prompt, render_prompt_for_review


def test_long_code_blocks_are_collapsed_short_ones_are_not(app: Flask) -> None:
    rows = "\n".join(f"{n},<b>x</b>" for n in range(COLLAPSE_LINES + 5))
    text = f"# Task\n\nRead **the file**:\n\n```csv\n{rows}\n```\n\n```\nshort()\n```\n"
    with app.test_request_context():
        html = str(render_prompt_for_review(text))
    assert "<h4>Task</h4>" in html and "<strong>the file</strong>" in html
    assert html.count("<details") == 1
    summary = f'<details class="data-block"><summary>Show {COLLAPSE_LINES + 5} lines</summary>'
    assert summary + '<pre><code class="language-csv">0,&lt;b&gt;x&lt;/b&gt;' in html
    assert "<pre><code>short()\n</code></pre>" in html
    assert "<b>" not in html  # still escaped inside the fold
    # The candidate's own rendering is unchanged: nothing folded there.
    assert "<details" not in str(render_prompt(text))


def test_the_fold_is_labelled_in_the_readers_language(app: Flask) -> None:
    text = "```\n" + "row\n" * (COLLAPSE_LINES + 1) + "```\n"
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        zh = str(render_prompt_for_review(text))
    with app.test_request_context():
        en = str(render_prompt_for_review(text))
    assert f"Show {COLLAPSE_LINES + 1} lines" in en
    assert "<details" in zh and zh.count("row") == en.count("row")
