from __future__ import annotations

import hashlib
import io
import json
import stat
import struct
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import get_args

import nbformat
import pytest
from PIL import Image

from hirebench.portfolios import uploads
from hirebench.portfolios.uploads import (
    FileStore,
    UploadError,
    UploadLimits,
    ZipEntry,
    check_upload,
)

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _image(fmt: str, size: tuple[int, int] = (20, 10), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, fmt)
    return buffer.getvalue()


def _notebook(**changes: object) -> bytes:
    """A valid notebook's JSON, with top-level keys replaced to break it when asked."""
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# Churn model"), nbformat.v4.new_code_cell("1 + 1")]
    )
    return json.dumps({**json.loads(nbformat.writes(notebook)), **changes}).encode()


def _zip(*entries: tuple[str | zipfile.ZipInfo, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def _patch_central_directory(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    """Overwrite a field of the first central directory record, as a hostile zipper could."""
    patched = bytearray(data)
    struct.pack_into(fmt, patched, patched.index(b"PK\x01\x02") + offset, value)
    return bytes(patched)


def _rejected(filename: str, data: bytes, limits: UploadLimits | None = None) -> UploadError:
    with pytest.raises(UploadError) as caught:
        check_upload(filename, data, limits or UploadLimits())
    return caught.value


# Accepted kinds


def test_pdf_is_accepted_with_its_digest() -> None:
    checked = check_upload("report.pdf", PDF)
    assert (checked.kind, checked.media_type, checked.display_name) == (
        "pdf",
        "application/pdf",
        "report.pdf",
    )
    assert checked.size == len(PDF)
    assert checked.sha256 == hashlib.sha256(PDF).hexdigest()
    assert checked.data == PDF
    assert checked.entries == ()


@pytest.mark.parametrize(
    ("fmt", "filename", "media_type"),
    [
        ("PNG", "chart.png", "image/png"),
        ("JPEG", "photo.jpg", "image/jpeg"),
        ("JPEG", "photo.JPEG", "image/jpeg"),
        ("GIF", "anim.gif", "image/gif"),
        ("WEBP", "shot.webp", "image/webp"),
        # Same kind under another image extension: the bytes decide the media type.
        ("JPEG", "saved-as.png", "image/jpeg"),
    ],
)
def test_images_are_accepted(fmt: str, filename: str, media_type: str) -> None:
    checked = check_upload(filename, _image(fmt, mode="P" if fmt == "GIF" else "RGB"))
    assert (checked.kind, checked.media_type) == ("image", media_type)


def test_notebook_is_accepted() -> None:
    checked = check_upload("analysis.ipynb", _notebook())
    assert (checked.kind, checked.media_type) == ("notebook", "application/x-ipynb+json")


def test_notebook_without_cell_ids_is_accepted_quietly() -> None:
    raw = json.loads(_notebook())
    raw["nbformat_minor"] = 4
    for cell in raw["cells"]:
        del cell["id"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_upload("old.ipynb", json.dumps(raw).encode()).kind == "notebook"


def test_notebook_with_duplicate_cell_ids_is_accepted_quietly() -> None:
    raw = json.loads(_notebook())
    for cell in raw["cells"]:
        cell["id"] = "same"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_upload("pasted.ipynb", json.dumps(raw).encode()).kind == "notebook"


def test_notebook_with_byte_order_mark_is_accepted() -> None:
    assert check_upload("bom.ipynb", b"\xef\xbb\xbf" + _notebook()).kind == "notebook"


def test_csv_is_accepted() -> None:
    checked = check_upload("data.csv", "name,score\n李雷,90\n".encode())
    assert (checked.kind, checked.media_type) == ("csv", "text/csv")


def test_csv_starting_like_a_bitmap_signature_is_still_csv() -> None:
    # filetype takes any file starting with "BM" for a bitmap.
    assert check_upload("bmi.csv", b"BMI,age\n22.5,31\n").kind == "csv"


@pytest.mark.parametrize("filename", ["README.md", "notes.markdown"])
def test_markdown_is_accepted(filename: str) -> None:
    checked = check_upload(filename, b"# Project\n\nSome *notes*.\n")
    assert (checked.kind, checked.media_type) == ("markdown", "text/markdown")


def test_html_named_markdown_is_markdown() -> None:
    # It is only ever rendered with raw HTML off, so it shows as text (see test_render).
    assert check_upload("page.md", b"<html><script>alert(1)</script></html>").kind == "markdown"


def test_zip_is_accepted_with_its_file_entries() -> None:
    data = _zip(("project/", b""), ("project/README.md", "# hi"), ("project/data.csv", "a,b\n"))
    checked = check_upload("project.zip", data)
    assert (checked.kind, checked.media_type) == ("zip", "application/zip")
    assert [(e.name, e.size) for e in checked.entries] == [
        ("project/README.md", 4),
        ("project/data.csv", 4),
    ]
    assert all(isinstance(e, ZipEntry) and e.compressed_size > 0 for e in checked.entries)


# Names


@pytest.mark.parametrize(
    ("filename", "display_name"),
    [
        ("项目报告 v2.pdf", "项目报告 v2.pdf"),
        ("  spaced.pdf  ", "spaced.pdf"),
        ("docs/report.pdf", "report.pdf"),
        ("docs\\report.pdf", "report.pdf"),
        ("re\tport\n.pdf", "report.pdf"),
        ("cafe\u0301.pdf", "café.pdf"),  # composed, so the same name always looks the same
    ],
)
def test_display_name_is_a_clean_basename(filename: str, display_name: str) -> None:
    assert check_upload(filename, PDF).display_name == display_name


def test_long_name_is_trimmed_keeping_the_extension() -> None:
    checked = check_upload("a" * 300 + ".pdf", PDF, UploadLimits(max_name_chars=50))
    assert checked.display_name == "a" * 46 + ".pdf"


@pytest.mark.parametrize(
    "filename",
    [
        "../../etc/passwd",
        "..\\..\\x.pdf",
        "docs/../report.pdf",
        "/etc/report.pdf",
        "\\\\server\\share\\report.pdf",
        "C:\\Users\\li\\report.pdf",
        "report\x00.pdf",
        "\u202e",
        "..",
        "",
    ],
)
def test_unsafe_names_are_refused_not_cleaned(filename: str) -> None:
    error = _rejected(filename, PDF)
    assert error.code == "bad_name"
    assert "Rename the file" in str(error)


def test_bad_name_message_shows_the_name() -> None:
    error = _rejected("../../secret.pdf", PDF)
    assert error.filename == "../../secret.pdf"
    assert "../../secret.pdf" in str(error)
    assert ".." in str(error)


def test_bidi_override_cannot_disguise_the_extension() -> None:
    # Displayed as "invoiceexe.pdf" by a bidi-aware renderer, but really ends in .exe.
    error = _rejected("invoice\u202efdp.exe", PDF)
    assert error.code == "forbidden_type"
    assert error.filename == "invoicefdp.exe"


# Sizes


def test_empty_file() -> None:
    error = _rejected("report.pdf", b"")
    assert (error.code, error.filename) == ("empty", "report.pdf")
    assert "report.pdf is empty" in str(error)


@pytest.mark.parametrize("filename", ["blank.md", "blank.csv"])
def test_blank_text_is_empty(filename: str) -> None:
    assert _rejected(filename, b"\xef\xbb\xbf \n\n").code == "empty"


def test_too_large() -> None:
    error = _rejected("report.pdf", PDF + b"x" * 2048, UploadLimits(max_file_bytes=1024))
    assert error.code == "too_large"
    assert "report.pdf" in str(error) and "1 KB" in str(error)


def test_default_limit_is_twenty_megabytes() -> None:
    assert UploadLimits().max_file_bytes == 20 * 1024 * 1024
    error = _rejected("big.pdf", PDF + b" " * (20 * 1024 * 1024))
    assert error.code == "too_large"
    assert "20 MB" in str(error)


# Types


def test_png_named_pdf_is_a_mismatch() -> None:
    error = _rejected("report.pdf", _image("PNG"))
    assert error.code == "type_mismatch"
    assert "report.pdf" in str(error)
    assert "a PDF" in str(error) and "an image" in str(error)


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("photo.png", PDF),
        ("report.pdf", _zip(("a.txt", "x"))),
        ("notes.md", _notebook()),
        ("data.csv", _notebook()),
        ("archive.zip", PDF),
    ],
)
def test_extension_naming_another_accepted_kind_is_a_mismatch(filename: str, data: bytes) -> None:
    error = _rejected(filename, data)
    assert error.code == "type_mismatch"
    assert filename in str(error)


@pytest.mark.parametrize(
    ("filename", "data", "detected"),
    [
        ("logo.svg", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "SVG"),
        ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "SVG"),
        ("page.html", b"<!DOCTYPE html><html><body>hi</body></html>", "HTML"),
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 64, "x-msdownload"),
        ("run.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "x-executable"),
        ("photo.heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "heic"),
        ("notes.txt", b"just some notes", "text file"),
        ("data.json", b'{"a": 1}', "JSON"),
        ("blob.bin", bytes(range(256)), "unknown type"),
    ],
)
def test_forbidden_types_name_what_was_found(filename: str, data: bytes, detected: str) -> None:
    error = _rejected(filename, data)
    assert error.code == "forbidden_type"
    assert filename in str(error)
    assert detected in str(error)


def test_accepted_content_without_an_accepted_extension() -> None:
    error = _rejected("chart", _image("PNG"))
    assert error.code == "forbidden_type"
    assert ".png" in str(error)
    error = _rejected("analysis.json", _notebook())
    assert error.code == "forbidden_type"
    assert ".ipynb" in str(error)


def test_office_documents_are_forbidden() -> None:
    docx = _zip(("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w:document/>"))
    error = _rejected("cv.zip", docx)
    assert error.code == "forbidden_type"
    assert "wordprocessingml" in str(error)


# Corrupt files


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("report.pdf", b"%PDF1.4 no dash\n"),
        ("report.pdf", b"\xef\xbb\xbf%PDF-1.4\n"),
        ("chart.png", _image("PNG")[:60]),
        ("photo.jpg", _image("JPEG", size=(200, 200))[:300]),
        ("data.csv", "café,1\n".encode("latin-1")),
        ("data.csv", b"a," + b"x" * 200_000 + b"\n"),  # beyond csv's field size limit
        ("archive.zip", b"PK\x03\x04" + b"\x00" * 64),
    ],
)
def test_corrupt_files(filename: str, data: bytes) -> None:
    error = _rejected(filename, data)
    assert error.code == "corrupt"
    assert filename in str(error)


def test_png_with_damaged_chunk_is_corrupt() -> None:
    data = bytearray(_image("PNG"))
    data[-20] ^= 0xFF  # inside the image data, so its CRC no longer matches
    assert _rejected("chart.png", bytes(data)).code == "corrupt"


def test_non_utf8_text_says_how_to_fix_it() -> None:
    assert "UTF-8" in str(_rejected("notes.md", "naïve".encode("latin-1")))


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"cells": 1}', "not in the Jupyter notebook format"),
        (b'{"nbformat": 99, "nbformat_minor": 0}', "Unsupported nbformat version 99"),
        (_notebook(metadata=[]), "not in the Jupyter notebook format"),
        (
            _notebook(cells=[{"cell_type": "markdown", "id": "a", "metadata": {}, "source": 5}]),
            "not valid under any of the given schemas",
        ),
        (_notebook(cells=[{"cell_type": "code"}]), "missing an expected key"),
        (
            # JSON's "\ud83d" escape (half an emoji) decodes to a str no page can encode.
            _notebook(
                cells=[{"cell_type": "markdown", "id": "a", "metadata": {}, "source": "x"}]
            ).replace(b'"source": "x"', b'"source": "gradient \\ud83d descent"'),
            "not valid Unicode",
        ),
    ],
)
def test_invalid_notebook_is_corrupt_with_the_reason(data: bytes, reason: str) -> None:
    error = _rejected("analysis.ipynb", data)
    assert error.code == "corrupt"
    assert "analysis.ipynb" in str(error) and "notebook" in str(error)
    assert reason in str(error)


def test_too_many_csv_columns() -> None:
    data = (",".join(f"c{i}" for i in range(11)) + "\n").encode()
    error = _rejected("wide.csv", data, UploadLimits(max_csv_columns=10))
    assert error.code == "too_large"
    assert "11 columns" in str(error)


# Image bombs


def test_image_over_the_pixel_cap_is_too_large() -> None:
    # 60 megapixels of one-bit pixels compress to a few kilobytes.
    error = _rejected("huge.png", _image("PNG", size=(10_000, 6_000), mode="1"))
    assert error.code == "too_large"
    assert "50 megapixels" in str(error)


def test_image_header_claiming_gigapixels_is_too_large() -> None:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")
    assert _rejected("bomb.png", data).code == "too_large"


# Archives


def test_zip_bomb_by_ratio() -> None:
    data = _zip(("zeros.bin", b"\0" * 50_000_000))
    assert len(data) < 100_000
    error = _rejected("bomb.zip", data)
    assert error.code == "zip_bomb"
    assert "bomb.zip" in str(error)


def test_zip_over_the_declared_total_is_a_bomb() -> None:
    data = _zip(("a.txt", b"a" * 5000), ("b.txt", b"b" * 5000))
    assert check_upload("ok.zip", data).entries
    assert _rejected("big.zip", data, UploadLimits(max_zip_uncompressed_bytes=8000)).code == (
        "zip_bomb"
    )


def test_entry_larger_than_its_header_says_is_caught_while_decompressing() -> None:
    data = _zip(("zeros.bin", b"\0" * 300_000))
    lying = _patch_central_directory(data, 24, "<I", 1000)  # the uncompressed size field
    error = _rejected("liar.zip", lying)
    assert error.code == "zip_bomb"


def test_stream_cap_stops_a_lying_archive_early(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _zip(("zeros.bin", b"\0" * 2_000_000))
    lying = _patch_central_directory(data, 24, "<I", 10)
    reads: list[int] = []
    original = zipfile.ZipExtFile.read

    def counting_read(self: zipfile.ZipExtFile, n: int = -1) -> bytes:
        chunk = original(self, n)
        reads.append(len(chunk))
        return chunk

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    assert _rejected("liar.zip", lying).code == "zip_bomb"
    assert sum(reads) <= 64 * 1024  # one chunk, not two megabytes


def test_entry_smaller_than_its_header_says_is_corrupt() -> None:
    data = _zip(("notes.txt", b"hello " * 100))
    inflated = _patch_central_directory(data, 24, "<I", 601)
    assert _rejected("short.zip", inflated).code == "corrupt"


def test_damaged_entry_data_is_corrupt() -> None:
    data = bytearray(_zip(("notes.txt", b"hello " * 100)))
    data[40] ^= 0xFF  # inside the compressed data of the first entry
    assert _rejected("damaged.zip", bytes(data)).code == "corrupt"


@pytest.mark.parametrize(
    "entry", ["../evil.txt", "/etc/passwd", "C:\\evil", "docs\\..\\..\\evil.txt", "a/../../b"]
)
def test_zip_traversal(entry: str) -> None:
    error = _rejected("project.zip", _zip(("ok.txt", "fine"), (entry, "x")))
    assert error.code == "zip_traversal"
    assert "project.zip" in str(error) and entry in str(error)


def test_zip_symlink() -> None:
    link = zipfile.ZipInfo("data")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    error = _rejected("project.zip", _zip((link, "/etc/passwd")))
    assert error.code == "zip_symlink"
    assert "project.zip" in str(error) and "data" in str(error)


def test_zip_encrypted() -> None:
    # zipfile clears the flags when writing, so set the encrypted bit the way a zipper would.
    data = _patch_central_directory(_zip(("secret.txt", "x")), 8, "<H", 0x1)
    error = _rejected("project.zip", data)
    assert error.code == "zip_encrypted"
    assert "secret.txt" in str(error)


@pytest.mark.parametrize("entry", ["inner.zip", "logs.tar.gz", "old.7z", "DATA.RAR"])
def test_zip_nested_by_name(entry: str) -> None:
    error = _rejected("project.zip", _zip((entry, "not really an archive")))
    assert error.code == "zip_nested"
    assert entry in str(error)


def test_zip_nested_by_content() -> None:
    inner = _zip(("a.txt", "x"))
    error = _rejected("project.zip", _zip(("innocent.dat", inner)))
    assert error.code == "zip_nested"
    assert "innocent.dat" in str(error)


@pytest.mark.parametrize(
    ("compression", "method"), [(zipfile.ZIP_BZIP2, "bzip2"), (zipfile.ZIP_LZMA, "LZMA")]
)
def test_zip_compression_other_than_deflate_is_refused(compression: int, method: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        archive.writestr("notes.md", "# notes")
    error = _rejected("project.zip", buffer.getvalue())
    assert error.code == "forbidden_type"
    assert method in str(error) and "notes.md" in str(error)


def test_stored_entries_are_accepted() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("notes.md", "# notes")
    assert check_upload("project.zip", buffer.getvalue()).entries[0].size == 7


def test_zip_too_many_entries() -> None:
    data = _zip(*((f"f{i}.txt", "x") for i in range(6)))
    error = _rejected("many.zip", data, UploadLimits(max_zip_entries=5))
    assert error.code == "zip_too_many_entries"
    assert "many.zip" in str(error) and "6" in str(error)


def test_small_repetitive_files_are_not_bombs() -> None:
    # Far above the ratio cap, but a few kilobytes are no threat.
    assert check_upload("blank.zip", _zip(("blank.csv", "0," * 20_000))).kind == "zip"


# Messages


def test_codes_cover_the_documented_set() -> None:
    assert set(get_args(uploads.UploadCode)) == {
        "empty",
        "too_large",
        "forbidden_type",
        "type_mismatch",
        "bad_name",
        "corrupt",
        "zip_bomb",
        "zip_traversal",
        "zip_symlink",
        "zip_too_many_entries",
        "zip_encrypted",
        "zip_nested",
    }


def test_error_is_a_service_error_with_a_plain_message() -> None:
    from hirebench.services.errors import ServiceError

    error = _rejected("report.pdf", b"")
    assert isinstance(error, ServiceError)
    assert type(str(error)) is str
    assert error.args == (str(error),)


# Storage


def test_store_saves_under_random_private_names(tmp_path: Path) -> None:
    root = tmp_path / "uploads"
    store = FileStore(root)
    first, second = store.save(b"one"), store.save(b"two")
    assert first != second
    for name in (first, second):
        assert len(name) == 32 and int(name, 16) >= 0 and name == name.lower()
        assert stat.S_IMODE(store.path(name).stat().st_mode) == 0o600
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert (store.read(first), store.read(second)) == (b"one", b"two")
    assert sorted(p.name for p in root.iterdir()) == sorted([first, second])


def test_store_delete_is_idempotent(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    name = store.save(b"x")
    store.delete(name)
    store.delete(name)
    assert not store.path(name).exists()


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "../" + "a" * 29,
        "A" * 32,
        "a" * 31,
        "a" * 33,
        "a" * 32 + "\n",
        "/" + "a" * 31,
        "g" * 32,
        "",
    ],
)
def test_store_refuses_names_it_did_not_make(tmp_path: Path, name: str) -> None:
    store = FileStore(tmp_path)
    for call in (store.path, store.read, store.delete):
        with pytest.raises(ValueError):
            call(name)


def test_store_save_leaves_nothing_behind_when_it_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileStore(tmp_path)

    def failing_replace(src: str, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(uploads.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        store.save(b"data")
    assert list(tmp_path.iterdir()) == []


def test_store_save_writes_through_a_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileStore(tmp_path)
    moves: list[tuple[str, str]] = []
    real_replace = uploads.os.replace

    def recording_replace(src: str, dst: Path) -> None:
        # The final name must not exist until the content is complete.
        assert not Path(dst).exists()
        assert Path(src).read_bytes() == b"data"
        moves.append((Path(src).parent.name, Path(dst).parent.name))
        real_replace(src, dst)

    monkeypatch.setattr(uploads.os, "replace", recording_replace)
    name = store.save(b"data")
    assert moves == [(tmp_path.name, tmp_path.name)]
    assert store.read(name) == b"data"
