"""Item analysis against numpy and scipy on a fixed answer sheet."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from hirebench.analytics.items import cronbach_alpha, item_analysis

# Twelve candidates, five 0/1 items; rows are candidates.
BINARY = np.array(
    [
        [1, 1, 1, 1, 0],
        [1, 1, 1, 0, 1],
        [1, 1, 0, 1, 0],
        [1, 0, 1, 1, 1],
        [1, 1, 0, 0, 0],
        [0, 1, 1, 0, 1],
        [1, 0, 0, 1, 0],
        [0, 0, 1, 0, 0],
        [1, 0, 0, 0, 1],
        [0, 1, 0, 0, 0],
        [0, 0, 0, 1, 0],
        [0, 0, 0, 0, 1],
    ],
    dtype=float,
)
# Partial-credit scores out of 4 for eight candidates, three items.
GRADED = np.array(
    [[4, 3, 4], [3, 3, 2], [2, 1, 2], [4, 4, 3], [1, 2, 0], [0, 1, 1], [3, 2, 4], [2, 2, 1]],
    dtype=float,
)


def long_frame(matrix: np.ndarray, max_score: float, first: int = 1) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"candidate": f"c{i}", "question": f"q{j + first}", "score": s, "max_score": max_score}
            for i, row in enumerate(matrix)
            for j, s in enumerate(row)
        ]
    )


def alpha_from_covariance(matrix: np.ndarray) -> float:
    """Cronbach's alpha written another way: k/(k-1) (1 - trace(C) / sum(C))."""
    cov = np.cov(matrix, rowvar=False)
    k = matrix.shape[1]
    return k / (k - 1) * (1 - np.trace(cov) / cov.sum())


def kr20(matrix: np.ndarray) -> float:
    """KR-20 with population variances, as Kuder and Richardson wrote it."""
    k = matrix.shape[1]
    p = matrix.mean(axis=0)
    return k / (k - 1) * (1 - (p * (1 - p)).sum() / matrix.sum(axis=1).var(ddof=0))


def test_alpha_matches_numpy_and_kr20() -> None:
    assert cronbach_alpha(GRADED) == pytest.approx(alpha_from_covariance(GRADED), abs=1e-12)
    assert cronbach_alpha(BINARY) == pytest.approx(alpha_from_covariance(BINARY), abs=1e-12)
    assert cronbach_alpha(BINARY) == pytest.approx(kr20(BINARY), abs=1e-12)
    report = item_analysis(long_frame(BINARY, 1))
    assert report["alpha"] == pytest.approx(kr20(BINARY), abs=1e-12)
    assert report["n"] == 12


def test_discrimination_is_the_corrected_point_biserial() -> None:
    report = item_analysis(long_frame(BINARY, 1))
    totals = BINARY.sum(axis=1)
    for j in range(BINARY.shape[1]):
        rest = totals - BINARY[:, j]
        expected = stats.pointbiserialr(BINARY[:, j], rest).statistic
        assert report["items"][f"q{j + 1}"]["discrimination"] == pytest.approx(expected)


def test_difficulty_and_discrimination_of_graded_items() -> None:
    report = item_analysis(long_frame(GRADED, 4))
    for j in range(3):
        item = report["items"][f"q{j + 1}"]
        assert item["difficulty"] == pytest.approx(GRADED[:, j].mean() / 4)
        rest = GRADED.sum(axis=1) - GRADED[:, j]
        assert item["discrimination"] == pytest.approx(np.corrcoef(GRADED[:, j], rest)[0, 1])
        assert item["n"] == 8 and item["missing"] == 0
        assert "options" not in item


def test_low_discrimination_and_constant_items_are_flagged() -> None:
    matrix = np.column_stack([GRADED, np.full(8, 2.0), [0, 4, 4, 0, 4, 0, 0, 4]])
    items = item_analysis(long_frame(matrix, 4))["items"]
    assert items["q1"]["flag"] is False  # discrimination well above 0.2
    assert items["q4"]["discrimination"] is None and items["q4"]["flag"] is True
    assert items["q5"]["discrimination"] < 0.2 and items["q5"]["flag"] is True


def test_missing_answers_count_as_zero() -> None:
    frame = long_frame(GRADED, 4)
    # c0 left q2 blank and has no row at all for q3.
    frame.loc[(frame.candidate == "c0") & (frame.question == "q2"), "score"] = np.nan
    frame = frame[~((frame.candidate == "c0") & (frame.question == "q3"))]
    report = item_analysis(frame)
    filled = GRADED.copy()
    filled[0, 1] = filled[0, 2] = 0
    assert report["items"]["q2"]["missing"] == 1 and report["items"]["q3"]["missing"] == 1
    assert report["items"]["q3"]["n"] == 8
    assert report["items"]["q3"]["difficulty"] == pytest.approx(filled[:, 2].mean() / 4)
    assert report["alpha"] == pytest.approx(alpha_from_covariance(filled))


PICKS = ["c", "a", "a", "c", "b", "a", "b", "a", "b", "a", "b", "a"]


def choice_frame() -> pd.DataFrame:
    """q1 is a choice question, key "a", added to items 2-5 of BINARY: the two who pick
    distractor "c" are among the strongest on the rest of the test, those who pick "b" among
    the weakest."""
    frame = long_frame(BINARY[:, 1:], 1, first=2)
    choices = pd.DataFrame(
        {
            "candidate": [f"c{i}" for i in range(12)],
            "question": "q1",
            "score": [1.0 if option == "a" else 0.0 for option in PICKS],
            "max_score": 1.0,
            "option": PICKS,
        }
    )
    rest = BINARY[:, 1:].sum(axis=1)
    assert rest[0] == rest[3] == rest.max()
    return pd.concat([frame, choices], ignore_index=True)


def test_option_shares_discrimination_and_flagged_distractor() -> None:
    report = item_analysis(choice_frame())
    options = report["items"]["q1"]["options"]
    assert list(options) == ["a", "b", "c"]
    assert options["a"]["share"] == pytest.approx(6 / 12)
    assert options["c"]["share"] == pytest.approx(2 / 12)
    assert options["a"]["correct"] and not options["b"]["correct"]
    rest = BINARY[:, 1:].sum(axis=1)
    chose_c = np.array([option == "c" for option in PICKS], dtype=float)
    assert options["c"]["discrimination"] == pytest.approx(stats.pointbiserialr(chose_c, rest)[0])
    assert options["c"]["flag"] is True  # strong candidates pick this wrong option
    assert options["b"]["flag"] is False  # weak candidates pick it: a working distractor
    assert options["a"]["flag"] is False  # the key is never a flagged distractor
    assert "options" not in report["items"]["q2"]


def test_an_answer_key_overrides_the_inferred_one() -> None:
    options = item_analysis(choice_frame(), key={"q1": {"c"}})["items"]["q1"]["options"]
    assert options["c"]["correct"] and options["c"]["flag"] is False
    assert not options["a"]["correct"]


def test_blank_options_are_no_choice_and_repeated_answers_are_refused() -> None:
    frame = choice_frame()
    frame.loc[(frame.question == "q1") & (frame.candidate == "c4"), "option"] = ""
    options = item_analysis(frame)["items"]["q1"]["options"]
    assert sum(o["share"] for o in options.values()) == pytest.approx(11 / 12)
    with pytest.raises(ValueError, match="same candidate and question"):
        item_analysis(pd.concat([frame, frame.tail(1)]))
