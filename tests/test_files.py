"""Uploaded files: one cleaning rule for the names, and the size and archive checks, for
portfolio files and resumes alike."""

from __future__ import annotations

import io
import zipfile

import pytest

from hirebench.files import (
    base_name,
    extension,
    fit,
    human_size,
    inflate,
    shown_name,
    size_problem,
    visible,
)


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


@pytest.mark.parametrize(
    ("size", "shown"),
    [(300, "300 bytes"), (512 * 1024, "512 KB"), (1536, "1.5 KB"), (20 * 1024 * 1024, "20 MB")],
)
def test_sizes_read_as_people_say_them(size: int, shown: str) -> None:
    assert human_size(size) == shown


def test_extension_and_size_checks() -> None:
    assert (extension("CV.PDF"), extension("notes"), extension("a.tar.gz")) == ("pdf", "", "gz")
    assert size_problem(b"", 10) == "empty"
    assert size_problem(b"x" * 11, 10) == "too_large"
    assert size_problem(b"x" * 10, 10) is None


def test_inflate_reads_past_a_header_that_understates_the_size() -> None:
    # A forged local header claims 10 bytes; the real entry is 5,000. Reading through the
    # budget shows the truth, as the zip-bomb checks of both upload paths need.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.txt", b"a" * 5_000)
    with zipfile.ZipFile(buffer) as archive:
        info = archive.getinfo("big.txt")
        info.file_size = 10
        read = sum(len(chunk) for chunk in inflate(archive, info, budget=100_000))
    assert read == 5_000
