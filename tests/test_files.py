"""File names from uploads: one cleaning rule for portfolio files and resumes."""

from __future__ import annotations

import pytest

from hirebench.files import base_name, fit, shown_name, visible


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("cv\u202efdp.exe", "cvfdp.exe"),  # shown as "cvexe.pdf" by a bidi-aware renderer
        ("re\x00sume.pdf", "resume.pdf"),
        ("a\u200bb\u2028c.txt", "abc.txt"),
        ("Cafe\u0301.pdf", "Café.pdf"),  # NFC: one code point, as other systems store it
        ("  spaced.pdf \n", "spaced.pdf"),
    ],
)
def test_invisible_characters_are_removed(sent: str, kept: str) -> None:
    assert visible(sent) == kept
    assert base_name(sent, 200) == kept


def test_only_the_last_part_of_a_path_names_the_file() -> None:
    assert base_name("C:\\Users\\hr\\批次\\简历.pdf", 200) == "简历.pdf"
    assert base_name("resumes/2026/\u202ecv.docx", 200) == "cv.docx"
    assert base_name("folder/", 200) == ""


def test_a_long_name_is_shortened_in_its_stem() -> None:
    name = "x" * 300 + ".docx"
    assert fit(name, 200) == "x" * 195 + ".docx"
    assert base_name(name, 200) == "x" * 195 + ".docx"
    assert shown_name("\u202e" + name, 200).endswith(".docx")
    assert fit("short.pdf", 200) == "short.pdf"


def test_a_dot_far_from_the_end_is_not_an_extension() -> None:
    name = "notes." + "a sentence that goes on " * 10
    assert fit(name, 50) == name[:50].rstrip(" .")
