"""Turning a resume file (PDF, DOCX or TXT) into plain text.

HR imports resumes in batches of hundreds, so every file either yields text or raises
ResumeFileError with a code for programs and a message naming the file; nothing else escapes
for bad input and the batch goes on. As with portfolio uploads, the kind of a file comes from
its bytes and the extension only has to agree."""

from __future__ import annotations

import codecs
import io
import itertools
import re
import struct
import unicodedata
import zipfile
from typing import Any, Literal

import docx
import filetype
from docx.opc.constants import RELATIONSHIP_TYPE
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from pypdf import PdfReader

from hirebench.files import (
    SAFE_ZIP_METHODS,
    ZIP_ERRORS,
    base_name,
    extension,
    human_size,
    inflate,
    is_pdf,
    size_problem,
)
from hirebench.services.errors import ServiceError

ResumeFileCode = Literal[
    "empty",
    "too_large",
    "wrong_extension",
    "unsupported_type",
    "encrypted",
    "corrupt",
    "no_text_layer",
]
Kind = Literal["pdf", "docx", "txt"]

MAX_RESUME_BYTES = 10 * 1024 * 1024
ACCEPTED = (".pdf", ".docx", ".txt")
MAX_PDF_PAGES = 20  # a resume is one or two pages; the rest of a 500-page PDF is not worth it
MIN_TEXT_CHARS = 20  # fewer non-space characters than this is a page number, not a resume
# python-docx inflates every part of the package into memory, so both the main part and the
# whole package are capped before it runs.
MAX_DOCUMENT_XML_BYTES = 20 * 1024 * 1024
MAX_DOCX_UNPACKED_BYTES = 100 * 1024 * 1024

_EXTENSION_KINDS: dict[str, Kind] = {".pdf": "pdf", ".docx": "docx", ".txt": "txt"}
_KIND_NAMES: dict[Kind, LazyString] = {
    "pdf": _l("a PDF"),
    "docx": _l("a Word document (DOCX)"),
    "txt": _l("a text file"),
}
_NOT_READABLE: dict[Kind, LazyString] = {
    "pdf": _l("it does not start with a PDF header"),
    "docx": _l("it is not a Word document"),
    "txt": _l("it is not text in UTF-8, UTF-16 or GB18030"),
}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Office files, and password-protected new ones
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_MAX_NAME_CHARS = 200
# Characters that real text has few of and decoded binary has many: C0/C1 controls other than
# whitespace, and the private-use area, where GB18030 puts byte pairs it has no character for.
_BINARY_CHARS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ue000-\uf8ff]")
# The same without the private-use area: text that decoded cleanly as UTF-8 or UTF-16 has
# its private-use characters on purpose (icon-font bullets), not from binary byte pairs.
_BINARY_CHARS_UNICODE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")
_INVISIBLE = {"Cc", "Cf", "Cs"}
# Icon fonts put bullets, phone and mail symbols in the private-use area; they mark the start
# of an item, so they become a bullet the parser knows, set off by spaces.
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]+")
_BULLET = " • "
# Characters NFKC leaves alone that would otherwise be lost or misread, mapped before it runs:
# - U+00AD SOFT HYPHEN is what LaTeX-made PDFs give for every "-", date ranges included
#   ("Sep. 2023\u00adMar. 2024"); as a format character it would be deleted with them.
# - CJK Radicals Supplement forms that PDF fonts emit in place of the ideograph they look like
#   ("擅⻓" for 擅长); only those that stand for one whole character, not components like ⻈.
_RADICALS = (
    "⺠民 ⻄西 ⻅见 ⻆角 ⻉贝 ⻋车 ⻓长 ⻔门 ⻘青 ⻙韦 ⻚页 ⻛风 ⻜飞 "
    "⻝食 ⻢马 ⻣骨 ⻤鬼 ⻥鱼 ⻦鸟 ⻧卤 ⻨麦 ⻩黄 ⻪黾 ⻬齐 ⻮齿 ⻰龙"
)
_BEFORE_NFKC = str.maketrans({"\u00ad": "-"} | {pair[0]: pair[1] for pair in _RADICALS.split()})

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_TEXT_BOX = _W + "txbxContent"
# Word writes each text box twice: a DrawingML one and a VML copy under mc:Fallback for old
# readers; reading both would double the text. Properties hold tab stops, not tabs.
_SKIPPED = {_TEXT_BOX, _FALLBACK, _W + "pPr", _W + "rPr"}


class ResumeFileError(ServiceError):
    """A resume file that yields no text; `code` is for programs, the message for HR."""

    def __init__(self, filename: str, code: ResumeFileCode, message: str | LazyString) -> None:
        super().__init__(str(message))
        self.filename = filename
        self.code: ResumeFileCode = code


def extract_text(filename: str, data: bytes, *, max_bytes: int = MAX_RESUME_BYTES) -> str:
    """The text of a resume, normalised, with its line breaks; or ResumeFileError saying why."""
    name = display_name(filename)
    size_refused = size_problem(data, max_bytes)
    if size_refused == "empty":
        raise ResumeFileError(
            name, "empty", _l("%(name)s is empty. Check the file and import it again.", name=name)
        )
    if size_refused == "too_large":
        raise ResumeFileError(
            name,
            "too_large",
            # Not its size: a caller may pass only the first max_bytes + 1 bytes (the CLI does,
            # so that one huge file cannot exhaust memory).
            _l(
                "%(name)s is larger than %(limit)s, the most a resume may be.",
                name=name,
                limit=human_size(max_bytes),
            ),
        )
    suffix = "." + extension(name) if extension(name) else ""
    kind, what = _sniff(data)
    if suffix not in ACCEPTED:
        raise _unsupported(name, suffix, kind)
    claimed = _EXTENSION_KINDS[suffix]
    # A password-protected DOCX is not a zip at all but an old-style Office container.
    if kind is None and claimed == "docx" and data.startswith(_OLE) and _ENCRYPTED_PACKAGE in data:
        raise _encrypted(name)
    if kind != claimed:
        if kind is None and what is None:
            raise _corrupt(name, claimed, _NOT_READABLE[claimed])
        raise _wrong_extension(name, claimed, kind, what)

    if kind == "pdf":
        text = _normalise(_pdf_text(name, data))
        if sum(not ch.isspace() for ch in text) < MIN_TEXT_CHARS:
            raise ResumeFileError(name, "no_text_layer", _NAME_ONLY_MESSAGES["no_text_layer"](name))
        return text
    text = _normalise(_docx_text(name, data) if kind == "docx" else _decode_text(data) or "")
    if not text:
        raise ResumeFileError(name, "empty", _no_text(name))
    return text


def _no_text_layer(name: str) -> LazyString:
    return _l(
        "%(name)s has no text layer: this PDF is scanned images; export it with text or "
        "upload a DOCX.",
        name=name,
    )


def _no_text(name: str) -> LazyString:
    return _l("%(name)s contains no text. Check the file and import it again.", name=name)


def _encrypted_message(name: str) -> LazyString:
    return _l(
        "%(name)s is password-protected, export it without a password and import it again.",
        name=name,
    )


# The errors whose message needs nothing but the file name: a stored resume error with one of
# these codes is shown in the reader's language rather than the importer's (error_message).
_NAME_ONLY_MESSAGES = {
    "no_text_layer": _no_text_layer,
    "encrypted": _encrypted_message,
}


def error_message(code: str, filename: str, stored: str) -> str:
    """A stored resume error in the current language where its code allows it; otherwise the
    stored text (its details, such as a parser's reason, were only ever in one language)."""
    build = _NAME_ONLY_MESSAGES.get(code)
    return str(build(display_name(filename))) if build is not None else stored


def display_name(filename: str) -> str:
    """The bare file name to store and show: cleaned as portfolio names are (hirebench.files),
    shortened in its stem so the extension the type check reads survives."""
    # Imports from zips and old browsers can carry a whole path; only the last part names it.
    return base_name(filename, _MAX_NAME_CHARS) or "(unnamed)"


def _sniff(data: bytes) -> tuple[Kind | None, str | LazyString | None]:
    """What the bytes are: an accepted kind, or else a description of them when known."""
    if is_pdf(data):
        return "pdf", None
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    # RTF is text too, but its markup is not a resume's text.
    if data.startswith(b"{\\rtf"):
        return None, _l("an RTF document")
    if _decode_text(data) is not None:
        return "txt", None
    # Only now: some of filetype's signatures are two letters ("BM", "MZ") that text can start
    # with, so a readable text file must never be named by them.
    guess = filetype.guess(data)
    if guess is None:
        return None, None
    if guess.mime.startswith("image/"):
        return None, _l("an image (%(format)s)", format=guess.extension.upper())
    return None, _l("a file of type %(format)s", format=guess.extension.upper())


def _sniff_zip(data: bytes) -> tuple[Kind | None, str | LazyString | None]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except ZIP_ERRORS:
        # A truncated zip loses its central directory, but its first local header survives;
        # Word writes the content-types part first.
        (length,) = struct.unpack_from("<H", data, 26) if len(data) >= 30 else (0,)
        first = data[30 : 30 + length]
        if first == b"[Content_Types].xml" or first.startswith(b"word/"):
            return "docx", None
        return None, None  # too damaged to say what it was meant to be
    if "word/document.xml" in names or any(n.startswith("word/") for n in names):
        return "docx", None
    if any(n.startswith("xl/") for n in names):
        return None, _l("an Excel workbook")
    if any(n.startswith("ppt/") for n in names):
        return None, _l("a PowerPoint presentation")
    return None, _l("a ZIP archive")


def _decode_text(data: bytes) -> str | None:
    """`data` as text, or None when it is not text in any encoding resumes come in."""
    if data.startswith(codecs.BOM_UTF8):
        encodings = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    else:
        # GB18030 is what Chinese Windows saves "ANSI" text as; it is tried last because it
        # accepts far more byte sequences than UTF-8 does.
        encodings = ["utf-8", "gb18030"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # Binary data sometimes decodes cleanly, but not into text. GB18030 is the encoding
        # that maps unassigned byte pairs into the private-use area.
        binary = _BINARY_CHARS if encoding == "gb18030" else _BINARY_CHARS_UNICODE
        bad = len(binary.findall(text))
        return text if bad <= len(text) // 200 else None
    return None


def _pdf_text(name: str, data: bytes) -> str:
    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    except Exception as exc:  # pypdf raises many types on damaged files
        raise _corrupt(name, "pdf", _reason(exc)) from exc
    if encrypted:
        # Even one that opens with an empty password: its permissions may forbid copying text,
        # and HR should get files they can open without asking.
        raise _encrypted(name)
    try:
        pages = itertools.islice(reader.pages, MAX_PDF_PAGES)
        return "\n".join(page.extract_text() for page in pages)
    except Exception as exc:
        raise _corrupt(name, "pdf", _reason(exc)) from exc


def _docx_text(name: str, data: bytes) -> str:
    _check_docx_archive(name, data)
    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        # Contact details often sit in the page header; the first/even/default headers of a
        # section usually repeat each other.
        seen: set[str] = set()
        for rel in document.part.rels.values():
            if rel.reltype == RELATIONSHIP_TYPE.HEADER and not rel.is_external:
                header: list[str] = []
                _blocks(rel.target_part.element, header)
                text = "\n".join(header)
                if text.strip() and text not in seen:
                    seen.add(text)
                    lines.append(text)
        _blocks(document.element.body, lines)
    except Exception as exc:  # python-docx and lxml raise many types
        raise _corrupt(name, "docx", _reason(exc)) from exc
    return "\n".join(lines)


def _check_docx_archive(name: str, data: bytes) -> None:
    """Refuse a DOCX that would inflate to far more than it holds, before python-docx runs."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            for info in infos:
                if info.compress_type not in SAFE_ZIP_METHODS:
                    raise _corrupt(name, "docx", _l("it uses an unusual compression method"))
            # zipfile never returns more than an entry's declared size, so the declared sizes
            # bound what python-docx can inflate.
            if sum(info.file_size for info in infos) > MAX_DOCX_UNPACKED_BYTES:
                raise _too_large_unpacked(name, MAX_DOCX_UNPACKED_BYTES)
            main = archive.getinfo("word/document.xml")
            if main.file_size > MAX_DOCUMENT_XML_BYTES:
                raise _too_large_unpacked(name, MAX_DOCUMENT_XML_BYTES)
            # Inflating it in chunks catches damage (bad data, wrong checksum) without holding it.
            count = 0
            for chunk in inflate(archive, main, MAX_DOCUMENT_XML_BYTES):
                count += len(chunk)
                if count > MAX_DOCUMENT_XML_BYTES:
                    raise _too_large_unpacked(name, MAX_DOCUMENT_XML_BYTES)
    except ResumeFileError:
        raise
    except KeyError as exc:
        raise _corrupt(name, "docx", _l("it has no main document part")) from exc
    except ZIP_ERRORS as exc:
        raise _corrupt(name, "docx", _reason(exc)) from exc


def _blocks(element: Any, out: list[str]) -> None:
    """Append the lines of the paragraphs and tables under `element`, in document order."""
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):  # XML comments and processing instructions
            continue
        if tag == _W + "p":
            out.append(_paragraph_text(child))
            for box in _text_boxes(child):
                _blocks(box, out)
        elif tag == _W + "tbl":
            _table(child, out)
        elif tag not in _SKIPPED:
            # Content controls, custom XML and the like wrap ordinary paragraphs and tables.
            _blocks(child, out)


def _table(table: Any, out: list[str]) -> None:
    for row in table.iterchildren(_W + "tr"):
        cells: list[list[str]] = []
        for cell in row.iterchildren(_W + "tc"):
            lines: list[str] = []
            _blocks(cell, lines)
            cells.append([line for line in "\n".join(lines).split("\n") if line.strip()])
        # A label and its value ("期望薪资 | 18-22K") sit in neighbouring cells; one line keeps
        # them together for the parser, as a PDF of the same table would.
        if all(len(lines) <= 1 for lines in cells):
            out.append("\t".join(lines[0] for lines in cells if lines))
        else:
            out.extend(line for lines in cells for line in lines)


def _paragraph_text(paragraph: Any) -> str:
    parts: list[str] = []
    _run_text(paragraph, parts)
    return "".join(parts)


def _run_text(element: Any, parts: list[str]) -> None:
    for child in element:
        tag = child.tag
        if tag == _W + "t":
            parts.append(child.text or "")
        elif tag in (_W + "tab", _W + "ptab"):
            parts.append("\t")
        elif tag in (_W + "br", _W + "cr"):
            parts.append("\n")
        elif tag == _W + "noBreakHyphen":
            parts.append("-")
        elif isinstance(tag, str) and tag not in _SKIPPED:
            # Runs inside hyperlinks, fields, insertions and smart tags; deleted text is
            # w:delText and field codes are w:instrText, so neither is picked up.
            _run_text(child, parts)


def _text_boxes(paragraph: Any) -> list[Any]:
    """The text boxes anchored in `paragraph` itself, not their VML copies or nested boxes."""
    boxes = []
    for box in paragraph.iter(_TEXT_BOX):
        parent = box.getparent()
        while parent is not paragraph and parent.tag not in (_TEXT_BOX, _FALLBACK):
            parent = parent.getparent()
        if parent is paragraph:
            boxes.append(box)
    return boxes


def _normalise(text: str) -> str:
    text = _PRIVATE_USE.sub(_BULLET, text.translate(_BEFORE_NFKC))
    # NFKC turns full-width letters and digits ("１８Ｋ") and ideographic spaces into ASCII.
    text = unicodedata.normalize("NFKC", text)
    lines = []
    # splitlines also splits on \r, \v, \f and the Unicode line separators.
    for raw in text.splitlines():
        line = _SPACES.sub(" ", raw)
        if not line.isprintable():  # rare, and the per-character check is slow on big files
            line = "".join(ch for ch in line if unicodedata.category(ch) not in _INVISIBLE)
        lines.append(line.strip())
    # Blank lines separate sections, but one says as much as ten.
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _reason(exc: BaseException) -> str:
    reason = str(exc).strip().splitlines()
    return reason[0][:200] if reason else type(exc).__name__


def _unsupported(name: str, extension: str, kind: Kind | None) -> ResumeFileError:
    if kind is not None:
        message = _l(
            "%(name)s contains %(actual)s but its name ends in “%(extension)s”. Rename it to "
            "end in .%(kind)s and import it again.",
            name=name,
            actual=str(_KIND_NAMES[kind]),
            extension=extension,
            kind=kind,
        )
    else:
        message = _l(
            "%(name)s is not a .pdf, .docx or .txt file. Import resumes as PDF, DOCX or TXT "
            "(Word can save an old .doc file as DOCX or PDF).",
            name=name,
        )
    return ResumeFileError(name, "unsupported_type", message)


def _wrong_extension(
    name: str, claimed: Kind, kind: Kind | None, what: str | LazyString | None
) -> ResumeFileError:
    actual = str(_KIND_NAMES[kind]) if kind is not None else str(what)
    if kind is not None:
        advice = _l("Rename it to end in .%(kind)s and import it again.", kind=kind)
    else:
        advice = _l("Import the resume as a PDF, DOCX or TXT file.")
    return ResumeFileError(
        name,
        "wrong_extension",
        _l(
            "%(name)s is named like %(claimed)s but contains %(actual)s. %(advice)s",
            name=name,
            claimed=str(_KIND_NAMES[claimed]),
            actual=actual,
            advice=str(advice),
        ),
    )


def _encrypted(name: str) -> ResumeFileError:
    return ResumeFileError(name, "encrypted", _encrypted_message(name))


def _corrupt(name: str, kind: Kind, reason: str | LazyString) -> ResumeFileError:
    return ResumeFileError(
        name,
        "corrupt",
        _l(
            "%(name)s could not be read as %(kind)s: %(reason)s. Check that it opens on your "
            "computer, then import it again.",
            name=name,
            kind=str(_KIND_NAMES[kind]),
            reason=str(reason),
        ),
    )


def _too_large_unpacked(name: str, limit: int) -> ResumeFileError:
    return ResumeFileError(
        name,
        "too_large",
        _l(
            "%(name)s unpacks to more than %(limit)s, far more than a resume needs. Save it "
            "again from Word, or export it as PDF.",
            name=name,
            limit=human_size(limit),
        ),
    )
