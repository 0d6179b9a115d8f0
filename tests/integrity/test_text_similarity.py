"""Free text (hirebench/integrity/text.py and compare(kind="text")): Chinese without a word
segmenter, English, annotation rules as tables."""

from __future__ import annotations

from hirebench.integrity import compare, from_rules, from_text, rules_text
from hirebench.integrity.text import normalise_text, shingle_size, shingles

# Written for these tests: answers to "why do we deduplicate training data?"
ZH_HONEST = [
    "去重可以防止模型反复看到同一条样本，从而过度记忆这些内容，评测时也更公平。",
    "测试题如果在训练语料里出现过，模型只是背出了答案，指标就失去意义。",
    "重复的数据浪费算力，而且会让模型偏向那些被大量复制的网页模板。",
    "我们用哈希找出完全相同的文本，再用相似度找近似重复，最后人工抽查。",
    "数据里有很多转载文章，不去重的话模型会认为这些观点更重要。",
    "去重之后数据分布更均衡，小众领域的内容不会被热门内容淹没。",
]
ZH_SOURCE = (
    "如果训练集和测试集有重复，分数会虚高，所以要先做去重，保证评估可信。"
    "另外重复样本会让模型死记硬背。"
)
ZH_COPY = (
    "另外重复的样本会让模型死记硬背。"
    "如果训练集与测试集存在重复，分数就会虚高，所以要先进行去重，保证评估可信。"
)


def test_nfkc_case_and_punctuation_are_not_evidence() -> None:
    assert normalise_text("Ｈｅｌｌｏ，  World！\n１２３").text == "helloworld123"
    assert normalise_text("模型：过拟合。").text == "模型过拟合"
    chars = normalise_text("ab\n\ncd")
    assert chars.lines == [1, 1, 3, 3]
    assert chars.offsets == [0, 1, 4, 5]


def test_shingle_size_follows_the_cohort_script() -> None:
    assert shingle_size([normalise_text(t) for t in ZH_HONEST]) == 3
    assert shingle_size([normalise_text("plain english words")]) == 5
    assert shingles("abcd", 3) == ["abc", "bcd"]
    assert shingles("ab", 3) == ["ab"]


def test_a_reordered_chinese_copy_with_synonyms_is_flagged_and_honest_answers_are_not() -> None:
    subs = [from_text(f"h{i}", t.encode()) for i, t in enumerate(ZH_HONEST)]
    subs += [from_text("source", ZH_SOURCE.encode()), from_text("copy", ZH_COPY.encode())]
    result = compare(subs, kind="text")
    flagged = {frozenset((p.a, p.b)) for p in result.pairs if p.flagged}
    assert flagged == {frozenset(("source", "copy"))}
    pair = result.pair("source", "copy")
    assert pair is not None and pair.fragments
    texts = {s.id: s.text for s in subs}  # type: ignore[union-attr]
    # each fragment's characters really match, punctuation and inserted words aside
    for fragment in pair.fragments:
        assert fragment.a_chars is not None and fragment.b_chars is not None
        a_text = texts[pair.a][slice(*fragment.a_chars)]
        b_text = texts[pair.b][slice(*fragment.b_chars)]
        assert normalise_text(a_text).text[:3] == normalise_text(b_text).text[:3]
    assert result.parameters["shingle"] == 3


def test_english_copy_with_words_inserted() -> None:
    honest = [
        "Regularisation adds a penalty for large weights so the model prefers simple fits.",
        "I would collect more data, because variance falls as the sample grows.",
        "Early stopping ends training when the validation loss stops improving.",
        "Dropout switches off random units so that no unit can rely on another.",
        "Cross-validation shows whether the gap between train and test scores is real.",
    ]
    source = "Pruning removes branches of a decision tree that only explain noise in the sample."
    copy = (
        "Basically, pruning removes the branches of a decision tree that only explain "
        "the noise in the sample."
    )
    subs = [from_text(f"h{i}", t.encode()) for i, t in enumerate(honest)]
    subs += [from_text("source", source.encode()), from_text("copy", copy.encode())]
    result = compare(subs, kind="text")
    assert [frozenset((p.a, p.b)) for p in result.pairs if p.flagged] == [
        frozenset(("source", "copy"))
    ]
    assert result.parameters["shingle"] == 5


def test_rule_tables_compare_as_normalised_conditions() -> None:
    rows = [
        {"condition": "Speaker ≥ 2 AND overlap", "label": "CROSSTALK"},
        {"condition": "silence > 3s", "label": "pause"},
    ]
    restyled = [["ｓｉｌｅｎｃｅ   >   3s", "Pause"], ["speaker >= 2 and overlap", "crosstalk"]]
    assert rules_text(rows) == rules_text(restyled)
    assert rules_text(rows).splitlines() == [
        "silence > 3s | pause",
        "speaker >= 2 and overlap | crosstalk",
    ]
    assert from_rules("x", []).reason == "empty submission: no rules"  # type: ignore[union-attr]


def test_the_prompt_given_to_everyone_is_subtracted() -> None:
    prompt = "Explain in your own words why a held-out test set must never be used for tuning."
    answers = [
        prompt + " Because tuning on it leaks information.",
        prompt + " It would make the reported score optimistic.",
        "Completely different: we keep it sealed until the final report.",
    ]
    subs = [from_text(f"a{i}", t.encode()) for i, t in enumerate(answers)]
    without = compare(subs, kind="text")
    with_template = compare(subs, kind="text", template=prompt)
    assert without.pair("a0", "a1").flagged  # type: ignore[union-attr]
    assert not with_template.pair("a0", "a1").flagged  # type: ignore[union-attr]
    assert with_template.pair("a0", "a1").score < 0.1  # type: ignore[union-attr]
