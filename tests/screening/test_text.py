from __future__ import annotations

import base64
import io
import zipfile

import docx
import pypdf
import pytest
import weasyprint
from lxml import etree
from PIL import Image, ImageDraw

from hirebench.screening import text
from hirebench.screening.text import ResumeFileError, extract_text

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
RESUME_HTML = """
<html><body style="font-family: 'Noto Sans CJK SC', sans-serif">
<h1>张伟 Zhang Wei</h1>
<p>电话 138-0000-0000 · zhang.wei@example.com</p>
<h2>工作经历 Experience</h2>
<p>2019-03 至今 北京某科技有限公司 高级数据工程师 Senior Data Engineer</p>
<p>负责 Python 与 Spark 数据管道的设计与维护。</p>
<h2>期望薪资</h2>
<p>１８-２２Ｋ</p>
</body></html>
"""


@pytest.fixture(scope="module")
def resume_pdf() -> bytes:
    return weasyprint.HTML(string=RESUME_HTML).write_pdf()


def _png() -> bytes:
    image = Image.new("RGB", (400, 300), "white")
    ImageDraw.Draw(image).rectangle((40, 40, 360, 260), fill="navy")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("李娜 Li Na")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "期望薪资"
    table.cell(0, 1).text = "１８-２２Ｋ"
    table.cell(1, 0).text = "技能"
    table.cell(1, 1).text = "Python\nSQL"
    document.add_paragraph("教育背景 清华大学 计算机科学 本科")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _encrypt(pdf: bytes, user_password: str) -> bytes:
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(pdf))
    writer.encrypt(user_password, "owner-secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _error(filename: str, data: bytes, **kwargs: int) -> ResumeFileError:
    with pytest.raises(ResumeFileError) as caught:
        extract_text(filename, data, **kwargs)
    assert caught.value.filename == filename
    assert filename in str(caught.value)
    return caught.value


def test_pdf_with_chinese_and_english(resume_pdf: bytes) -> None:
    result = extract_text("张伟简历.pdf", resume_pdf)
    assert "张伟 Zhang Wei" in result
    assert "Senior Data Engineer" in result
    assert "负责 Python 与 Spark 数据管道的设计与维护。" in result
    assert "18-22K" in result.splitlines()
    assert "１８" not in result


def test_pdf_reads_at_most_max_pages() -> None:
    pages = "".join(
        f'<p style="page-break-after: always">page {n} marker-{n}</p>' for n in range(25)
    )
    pdf = weasyprint.HTML(string=f"<html><body>{pages}</body></html>").write_pdf()
    result = extract_text("long.pdf", pdf)
    assert f"marker-{text.MAX_PDF_PAGES - 1}" in result
    assert f"marker-{text.MAX_PDF_PAGES}" not in result


def test_docx_paragraphs_and_table_in_order() -> None:
    result = extract_text("李娜.docx", _docx())
    assert result.splitlines() == [
        "李娜 Li Na",
        "期望薪资 18-22K",  # a label and its value in one row stay on one line
        "技能",
        "Python",
        "SQL",
        "教育背景 清华大学 计算机科学 本科",
    ]


def test_docx_header_is_included() -> None:
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "王芳 138-1111-2222"
    document.add_paragraph("工作经历 数据标注 3 年")
    buffer = io.BytesIO()
    document.save(buffer)
    assert extract_text("wang.docx", buffer.getvalue()).splitlines() == [
        "王芳 138-1111-2222",
        "工作经历 数据标注 3 年",
    ]


def test_docx_text_box_is_read_once() -> None:
    # Word saves a text box twice: as DrawingML and as a VML copy under mc:Fallback.
    document = docx.Document()
    paragraph = document.add_paragraph("before")
    box = "<w:txbxContent><w:p><w:r><w:t>姓名 张三</w:t></w:r></w:p></w:txbxContent>"
    paragraph._p.append(
        etree.fromstring(
            f'<w:r xmlns:w="{W}" xmlns:mc="{MC}"><mc:AlternateContent>'
            f"<mc:Choice><w:drawing>{box}</w:drawing></mc:Choice>"
            f"<mc:Fallback><w:pict>{box}</w:pict></mc:Fallback>"
            "</mc:AlternateContent></w:r>"
        )
    )
    document.add_paragraph("after")
    buffer = io.BytesIO()
    document.save(buffer)
    assert extract_text("box.docx", buffer.getvalue()).splitlines() == [
        "before",
        "姓名 张三",
        "after",
    ]


RESUME_TEXT = "陈静 Chen Jing\r\n期望薪资：１８-２２Ｋ\r\n\r\n\r\n\r\n技能：  Python\u3000 SQL  \n"
EXPECTED_TEXT = "陈静 Chen Jing\n期望薪资:18-22K\n\n技能: Python SQL"


@pytest.mark.parametrize(
    "data",
    [
        RESUME_TEXT.encode("utf-8"),
        RESUME_TEXT.encode("utf-8-sig"),
        RESUME_TEXT.encode("utf-16"),  # with a byte-order mark, as Notepad's "Unicode"
        RESUME_TEXT.encode("gb18030"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-bom", "gb18030"],
)
def test_txt_encodings(data: bytes) -> None:
    assert extract_text("chen.txt", data) == EXPECTED_TEXT


def test_normalisation_keeps_lines_and_drops_control_characters() -> None:
    data = "  Ｐｙｔｈｏｎ\t\t３ 年 \x0c第二页\u200b\rend\n".encode()
    assert extract_text("a.TXT", data) == "Python 3 年\n第二页\nend"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # LaTeX-made PDFs give U+00AD for every hyphen, the dash of date ranges included.
        ("Analyst Oct. 2021\u00adFeb. 2023", "Analyst Oct. 2021-Feb. 2023"),
        ("2019.07\u00ad2020.01 open\u00adsource", "2019.07-2020.01 open-source"),
        # CJK radicals some PDF fonts emit for the ideograph they look like.
        ("擅\u2ed3Python,部\u2ed4经理", "擅长Python,部门经理"),
        ("\u2ee2\u2ec4\u2ed8\u2edd\u2ec5", "马西青食见"),
        ("\u2f08\u2f54", "人水"),  # Kangxi radicals: NFKC folds these already
    ],
)
def test_normalisation_repairs_pdf_characters(raw: str, expected: str) -> None:
    assert extract_text("a.txt", raw.encode()) == expected


def test_private_use_bullets_in_utf8_text_are_bullets() -> None:
    # Icon fonts put bullets in the private-use area; a clean UTF-8 file with many of them
    # is still text.
    lines = ["\uf06c 姓名:周某某", "\uf06c电话:13800000000", "\uf0b6", "\uf06c 技能:Python"]
    assert extract_text("icons.txt", "\n".join(lines).encode()) == (
        "• 姓名:周某某\n• 电话:13800000000\n•\n• 技能:Python"
    )


def test_private_use_characters_from_gb18030_still_mean_binary() -> None:
    # Byte pairs GB18030 has no character for decode into the private-use area.
    data = "简历".encode("gb18030") + b"\xaa\xa1" * 40
    assert data.decode("gb18030").endswith("\ue000" * 40)
    assert _error("resume.txt", data).code == "corrupt"


def test_empty() -> None:
    assert _error("blank.pdf", b"").code == "empty"


def test_txt_with_no_text_is_empty() -> None:
    assert _error("blank.txt", b" \r\n\t\n").code == "empty"


def test_too_large(resume_pdf: bytes) -> None:
    error = _error("big.pdf", resume_pdf, max_bytes=1000)
    assert error.code == "too_large"
    assert "1000 bytes" in str(error)


@pytest.mark.parametrize("filename", ["resume.doc", "resume.exe", "resume"])
def test_unsupported_extensions(filename: str) -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600) if filename.endswith(".doc") else b"MZ"
    assert _error(filename, data).code == "unsupported_type"


def test_unsupported_extension_on_a_pdf_says_what_it_is(resume_pdf: bytes) -> None:
    error = _error("resume.pdf.bak", resume_pdf)
    assert error.code == "unsupported_type"
    assert "contains a PDF" in str(error)
    assert ".pdf" in str(error)


def test_pdf_named_docx(resume_pdf: bytes) -> None:
    error = _error("resume.docx", resume_pdf)
    assert error.code == "wrong_extension"
    assert "contains a PDF" in str(error)


def test_docx_named_pdf() -> None:
    error = _error("resume.pdf", _docx())
    assert error.code == "wrong_extension"
    assert "contains a Word document" in str(error)


def test_png_named_txt() -> None:
    error = _error("resume.txt", _png())
    assert error.code == "wrong_extension"
    assert "PNG" in str(error)


def test_text_named_pdf() -> None:
    error = _error("resume.pdf", "张三 Python".encode())
    assert error.code == "wrong_extension"
    assert "contains a text file" in str(error)


def test_unrecognisable_binary_named_txt_is_corrupt() -> None:
    assert _error("resume.txt", bytes(range(256)) * 8).code == "corrupt"


@pytest.mark.parametrize("user_password", ["secret", ""])
def test_encrypted_pdf(resume_pdf: bytes, user_password: str) -> None:
    error = _error("locked.pdf", _encrypt(resume_pdf, user_password))
    assert error.code == "encrypted"
    assert "password-protected, export it without a password" in str(error)


def test_encrypted_docx() -> None:
    # Word stores a password-protected DOCX as an OLE container with an EncryptedPackage stream.
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "EncryptedPackage".encode("utf-16-le")
    assert _error("locked.docx", data).code == "encrypted"


def test_truncated_pdf(resume_pdf: bytes) -> None:
    error = _error("cut.pdf", resume_pdf[: len(resume_pdf) // 2])
    assert error.code == "corrupt"
    assert "could not be read as a PDF: " in str(error)


def test_image_only_pdf() -> None:
    source = "data:image/png;base64," + base64.b64encode(_png()).decode()
    pdf = weasyprint.HTML(string=f'<html><body><img src="{source}"></body></html>').write_pdf()
    error = _error("scan.pdf", pdf)
    assert error.code == "no_text_layer"
    advice = "no text layer: this PDF is scanned images; export it with text or upload a DOCX"
    assert advice in str(error)


def test_truncated_docx() -> None:
    data = _docx()
    error = _error("cut.docx", data[: len(data) // 2])
    assert error.code == "corrupt"
    assert "could not be read as a Word document" in str(error)


def test_docx_without_its_main_part() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/styles.xml", "<styles/>")
    assert _error("hollow.docx", buffer.getvalue()).code == "corrupt"


def test_plain_zip_named_docx() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("resume.pdf", "not really")
    error = _error("resume.docx", buffer.getvalue())
    assert error.code == "wrong_extension"
    assert "ZIP archive" in str(error)


def test_docx_that_inflates_too_far(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text, "MAX_DOCUMENT_XML_BYTES", 2000)
    document = docx.Document()
    document.add_paragraph("简历 " * 2000)
    buffer = io.BytesIO()
    document.save(buffer)
    assert _error("bomb.docx", buffer.getvalue()).code == "too_large"


def test_docx_with_bzip2_entries_is_refused() -> None:
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_docx())) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
    assert _error("odd.docx", buffer.getvalue()).code == "corrupt"


def test_messages_show_only_the_base_name(resume_pdf: bytes) -> None:
    with pytest.raises(ResumeFileError) as caught:
        extract_text("C:\\Users\\hr\\批次\\resume.docx", resume_pdf)
    assert caught.value.filename == "resume.docx"
    assert "Users" not in str(caught.value)


def test_a_long_name_keeps_its_extension_for_the_type_check(resume_pdf: bytes) -> None:
    text = extract_text("简历" * 150 + ".pdf", resume_pdf)
    assert text  # read as the PDF it is, not refused as an unknown type
    caught = _error_of("x" * 300 + ".pdf", b"")
    assert caught.code == "empty" and caught.filename == "x" * 196 + ".pdf"


def test_invisible_characters_are_removed_from_names(resume_pdf: bytes) -> None:
    caught = _error_of("cv\u202efdp.exe\x00", resume_pdf)
    assert caught.code == "unsupported_type"
    assert caught.filename == "cvfdp.exe"
    assert "\u202e" not in str(caught) and "\x00" not in str(caught)


def _error_of(filename: str, data: bytes) -> ResumeFileError:
    with pytest.raises(ResumeFileError) as caught:
        extract_text(filename, data)
    return caught.value


def test_a_batch_goes_on(resume_pdf: bytes) -> None:
    batch = {
        "ok.pdf": resume_pdf,
        "cut.pdf": resume_pdf[:500],
        "ok.docx": _docx(),
        "junk.docx": b"PK\x03\x04junk",
        "photo.txt": _png(),
        "ok.txt": "张三 Python".encode("gb18030"),
    }
    outcomes: dict[str, str] = {}
    for filename, data in batch.items():
        try:
            extract_text(filename, data)
            outcomes[filename] = "ok"
        except ResumeFileError as exc:
            outcomes[filename] = exc.code
    assert outcomes == {
        "ok.pdf": "ok",
        "cut.pdf": "corrupt",
        "ok.docx": "ok",
        "junk.docx": "corrupt",
        "photo.txt": "wrong_extension",
        "ok.txt": "ok",
    }
