from __future__ import annotations

import base64
import io
import re
from collections.abc import Mapping

import nbformat
import pytest
from PIL import Image

from hirebench.portfolios.render import csv_preview, markdown_html, notebook_html


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def _notebook(*cells: nbformat.NotebookNode) -> bytes:
    return nbformat.writes(nbformat.v4.new_notebook(cells=list(cells))).encode()


def _with_outputs(*outputs: nbformat.NotebookNode, source: str = "run()") -> bytes:
    return _notebook(nbformat.v4.new_code_cell(source, outputs=list(outputs)))


def _display(data: Mapping[str, object]) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("display_data", data=data)


# Markdown


def test_markdown_renders_commonmark_and_tables() -> None:
    html = markdown_html(b"# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n*em*")
    assert "<h1>Title</h1>" in html
    assert "<table>" in html and "<td>1</td>" in html
    assert "<em>em</em>" in html


def test_markdown_raw_html_is_escaped() -> None:
    html = markdown_html(b"<script>alert(1)</script>\n\nhi <img src=x onerror=alert(1)>")
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.parametrize(
    "link",
    [
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](vbscript:msgbox(1))",
        "![x](data:text/html;base64,PHNjcmlwdD4=)",
        "<javascript:alert(1)>",
    ],
)
def test_markdown_unsafe_links_do_not_survive(link: str) -> None:
    html = markdown_html(link.encode())
    assert "href" not in html and "src" not in html
    assert not re.search(r"<(a|img)\b", html)


def test_long_markdown_is_cut_at_a_line_with_a_note() -> None:
    data = "".join(f"line {i}\n\n" for i in range(1000)).encode()
    html = markdown_html(data, max_chars=100)
    assert "<p>line 0</p>" in html and "line 20" not in html
    assert html.endswith('<p class="nb-note">The rest of this file is too long to preview.</p>')
    assert "nb-note" not in markdown_html(data)


def test_markdown_links_are_shown_as_text_with_their_address() -> None:
    # A preview must not point anywhere; the reader can still copy the address.
    html = markdown_html(b"[x](https://example.com) and [export](/hr/jobs/1/export.csv)")
    assert (
        '<span class="nb-link">x</span> <span class="nb-url">(https://example.com)</span>' in html
    )
    assert "(/hr/jobs/1/export.csv)" in html
    assert "<a" not in html and "href" not in html
    assert markdown_html(b"<https://example.com>").count("https://example.com") == 1


def test_markdown_images_are_shown_only_as_checked_data_uris() -> None:
    encoded = base64.b64encode(_png()).decode()
    html = markdown_html(f"![chart](data:image/png;base64,{encoded})".encode())
    assert f'<img class="nb-image" alt="chart" src="data:image/png;base64,{encoded}">' in html
    for source in (
        "/hr/jobs/1/export.csv",
        "https://evil.example/x.png",
        "data:image/png;base64,AAAA",
    ):
        html = markdown_html(f"![a <b>](<{source}>)".encode())
        assert "<img" not in html and "src=" not in html
        assert "Image not shown: a &lt;b&gt;" in html


# Notebooks


def test_notebook_cells_are_shown_in_order() -> None:
    html = notebook_html(
        _notebook(
            nbformat.v4.new_markdown_cell("## Plan"),
            nbformat.v4.new_code_cell("x = 1 < 2"),
            nbformat.v4.new_raw_cell("raw <b>text</b>"),
        )
    )
    assert html.index("<h2>Plan</h2>") < html.index('<pre class="nb-code">')
    assert '<pre class="nb-code">x = 1 &lt; 2</pre>' in html
    assert '<pre class="nb-raw">raw &lt;b&gt;text&lt;/b&gt;</pre>' in html


def test_notebook_markdown_cell_raw_html_is_escaped() -> None:
    html = notebook_html(_notebook(nbformat.v4.new_markdown_cell("<img src=x onerror=alert(1)>")))
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_notebook_markdown_cell_javascript_link_is_dropped() -> None:
    html = notebook_html(_notebook(nbformat.v4.new_markdown_cell("[x](javascript:alert(1))")))
    assert "href" not in html


def test_stream_output_is_escaped_without_ansi_codes() -> None:
    stream = nbformat.v4.new_output("stream", name="stdout", text="\x1b[31mred <b>\x1b[0m done\n")
    html = notebook_html(_with_outputs(stream))
    assert '<pre class="nb-output">red &lt;b&gt; done\n</pre>' in html
    assert "\x1b" not in html


def test_text_plain_output_is_escaped() -> None:
    html = notebook_html(_with_outputs(_display({"text/plain": "<script>x</script>"})))
    assert '<pre class="nb-output">&lt;script&gt;x&lt;/script&gt;</pre>' in html


def test_error_output_shows_the_traceback_without_ansi_codes() -> None:
    error = nbformat.v4.new_output(
        "error",
        ename="ValueError",
        evalue="bad <value>",
        traceback=[
            "\x1b[0;31mValueError\x1b[0m: bad <value>",
            "\x1b]8;;http://x\x07link\x1b]8;;\x07",
        ],
    )
    html = notebook_html(_with_outputs(error))
    assert '<pre class="nb-error">ValueError: bad &lt;value&gt;\nlink</pre>' in html


def test_error_output_without_traceback_shows_name_and_value() -> None:
    error = nbformat.v4.new_output("error", ename="KeyError", evalue="'a'", traceback=[])
    assert '<pre class="nb-error">KeyError: &#39;a&#39;</pre>' in notebook_html(
        _with_outputs(error)
    )


def test_html_output_is_sanitised() -> None:
    hostile = (
        "<b>bold</b><script>alert(1)</script>"
        '<img src="x" onerror="alert(2)">'
        '<div style="position:fixed" onclick="alert(3)">text</div>'
        '<iframe src="https://evil.example"></iframe>'
        '<a href="javascript:alert(4)">link</a>'
        "<table><tr><td>1</td></tr></table>"
    )
    html = notebook_html(_with_outputs(_display({"text/html": hostile, "text/plain": "df"})))
    assert '<div class="nb-html">' in html
    assert "<b>bold</b>" in html and "<td>1</td>" in html
    for gone in ("<script", "alert(", "onerror", "onclick", "style=", "<iframe", "javascript:"):
        assert gone not in html


def test_html_output_keeps_no_address_but_data_images() -> None:
    encoded = base64.b64encode(_png()).decode()
    hostile = (
        '<img src="/hr/jobs/1/export.csv"><img src="https://evil.example/a.png">'
        '<a href="/hr/jobs/1/export.csv">export</a><q cite="/hr/jobs/1/export.xlsx">q</q>'
        '<img src="data:image/svg+xml;base64,PHN2Zz4=">'
        f'<img alt="ok" src="data:image/png;base64,{encoded}">'
    )
    html = notebook_html(_with_outputs(_display({"text/html": hostile})))
    assert "/hr/jobs" not in html and "evil.example" not in html and "svg" not in html
    assert "href" not in html and "cite" not in html
    assert re.findall(r'src="([^"]*)"', html) == [f"data:image/png;base64,{encoded}"]
    assert ">export</a>" in html


def test_html_output_cannot_close_the_wrapper() -> None:
    html = notebook_html(_with_outputs(_display({"text/html": "</div></pre><b>x"})))
    assert html.count("<div") == html.count("</div>")


def test_png_output_becomes_a_data_image() -> None:
    encoded = base64.b64encode(_png()).decode()
    # Line breaks inside the base64, as some tools write it, do not matter.
    wrapped = "\n".join(encoded[i : i + 20] for i in range(0, len(encoded), 20))
    html = notebook_html(_with_outputs(_display({"image/png": wrapped})))
    assert f'<img class="nb-image" alt="" src="data:image/png;base64,{encoded}">' in html


def test_images_are_preferred_over_their_text_fallback() -> None:
    data = {"image/png": base64.b64encode(_png()).decode(), "text/plain": "<Figure>"}
    html = notebook_html(_with_outputs(_display(data)))
    assert "nb-image" in html and "Figure" not in html


@pytest.mark.parametrize(
    ("mime_type", "value"),
    [
        ("image/png", 'AAAA" onerror="alert(1)'),
        ("image/png", "not base64!"),
        ("image/png", base64.b64encode(b"<svg onload=alert(1)>").decode()),
        ("image/jpeg", base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()),
    ],
)
def test_bad_image_outputs_are_not_shown(mime_type: str, value: str) -> None:
    html = notebook_html(_with_outputs(_display({mime_type: value})))
    assert "<img" not in html
    assert f"Output of type {mime_type} is damaged and not shown." in html


@pytest.mark.parametrize(
    "data",
    [
        {"application/javascript": "alert(1)"},
        {"image/svg+xml": "<svg onload=alert(1)/>"},
        {"application/vnd.jupyter.widget-view+json": {"model_id": "x"}},
    ],
)
def test_other_outputs_are_noted_not_shown(data: dict[str, object]) -> None:
    html = notebook_html(_with_outputs(_display(data)))
    (mime_type,) = data
    assert html.endswith(f'<p class="nb-note">Output of type {mime_type} not shown.</p>')
    assert "alert" not in html and "<svg" not in html


def test_notebook_preview_is_capped() -> None:
    cells = [nbformat.v4.new_code_cell("x" * 1000) for _ in range(50)]
    html = notebook_html(_notebook(*cells), max_chars=5000)
    assert html.count('<pre class="nb-code">') == 4
    assert html.endswith(
        '<p class="nb-note">The rest of this notebook is too large to preview.</p>'
    )


def test_notebook_budget_counts_markdown_that_renders_to_nothing() -> None:
    # Link definitions produce no HTML but still take time to parse.
    definitions = "[a]: https://example.com\n" * 400
    cells = [nbformat.v4.new_markdown_cell(text) for text in (definitions, definitions, "after")]
    html = notebook_html(_notebook(*cells), max_chars=15_000)
    assert html.count('<div class="nb-markdown">') == 1
    assert "after" not in html
    assert html.endswith("too large to preview.</p>")


def test_notebook_is_never_executed() -> None:
    cell = nbformat.v4.new_code_cell("open('/tmp/hirebench-render-ran', 'w')")
    html = notebook_html(_notebook(cell))
    assert "nb-output" not in html


# CSV


def test_csv_preview_splits_header_and_rows() -> None:
    header, rows, truncated = csv_preview("名字,分数\n李雷,90\n韩梅梅,95\n".encode())
    assert header == ["名字", "分数"]
    assert rows == [["李雷", "90"], ["韩梅梅", "95"]]
    assert truncated is False


def test_csv_preview_is_plain_data() -> None:
    _header, rows, _truncated = csv_preview(b'a,b\n"<script>x</script>","=HYPERLINK(1)"\n')
    assert rows == [["<script>x</script>", "=HYPERLINK(1)"]]


def test_csv_preview_limits_rows() -> None:
    data = b"n\n" + b"".join(f"{i}\n".encode() for i in range(10))
    header, rows, truncated = csv_preview(data, max_rows=3)
    assert (header, rows, truncated) == (["n"], [["0"], ["1"], ["2"]], True)
    assert csv_preview(data, max_rows=10)[2] is False


def test_csv_preview_limits_columns_and_cells() -> None:
    header, rows, truncated = csv_preview(b"a,b,c\n1,2,3\n", max_cols=2)
    assert (header, rows, truncated) == (["a", "b"], [["1", "2"]], True)
    header, rows, truncated = csv_preview(b"a\n" + b"y" * 500 + b"\n")
    assert rows == [["y" * 199 + "…"]]
    assert truncated is True


def test_csv_preview_of_empty_data() -> None:
    assert csv_preview(b"") == ([], [], False)


def test_csv_preview_stops_at_unreadable_rows() -> None:
    data = b"a\n1\n" + b"x" * 200_000 + b"\n2\n"
    header, rows, truncated = csv_preview(data)
    assert (header, rows, truncated) == (["a"], [["1"]], True)
