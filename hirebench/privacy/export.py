"""The candidate's copy (GDPR Article 15, PIPL Article 45): one ZIP with copy.json (schema in
docs/privacy-export.schema.json), the files they uploaded or were sent, and summary.pdf in
their language.

Withheld, and listed as withheld in the copy: secrets (password, session and token hashes,
which would help an attacker and say nothing about the person), other people's identities
(the reviewer of a blind review, the other candidate of a similarity pair and their text, the
staff behind an audit entry), which GDPR Article 15(4) and PIPL Article 45 let us keep back."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template

from hirebench.models import User
from hirebench.models.base import utcnow
from hirebench.privacy import linked as linked_mod
from hirebench.privacy.linked import Linked, RowKey
from hirebench.scorecards.exports import FONT_FAMILY, pdf_from_html

SCHEMA_ID = "hirebench-privacy-export/1"

#: (table, column): why it is left out of every copy.
SECRETS: dict[tuple[str, str], str] = {
    ("users", "password_hash"): "secret",
    ("users", "session_token"): "secret",
    ("attempts", "session_token"): "secret",
    ("invitations", "token_hash"): "secret",
    ("api_tokens", "token_hash"): "secret",
    ("webhook_endpoints", "secret"): "secret",
    # The other candidate's text, side by side with this one's.
    ("similarity_pairs", "fragments"): "other_person",
}
#: Text columns that name whoever acted; kept only when that was the person themself.
ACTOR_TEXT: dict[tuple[str, str], str] = {
    ("audit_events", "actor_email"): "actor_id",
    ("privacy_requests", "actor_email"): "actor_id",
}
#: Files on disk: (table, column holding the stored name) -> (folder under UPLOAD_ROOT, column
#: holding the name the person gave it).
STORED_FILES: dict[tuple[str, str], tuple[str, str]] = {
    ("portfolio_files", "storage_name"): ("portfolios", "display_name"),
    ("onboarding_tasks", "file_path"): ("onboarding", "file_name"),
}
_STORED_NAME = re.compile(r"[0-9a-f]{32}")
_UNSAFE = re.compile(r"[^\w.\- ]+")


@dataclass(frozen=True)
class CopyFile:
    path: str  # inside the ZIP
    table: str
    row: str
    column: str
    data: bytes


def stored_path(folder: str, name: str) -> Path | None:
    """Where an upload lives, or None for a name that is not one of ours."""
    if not _STORED_NAME.fullmatch(name or ""):
        return None
    return Path(current_app.config["UPLOAD_ROOT"]) / folder / name


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _key_text(key: RowKey) -> str:
    return "-".join(str(part) for part in key)


def _safe(name: str) -> str:
    return _UNSAFE.sub("_", name).strip(" .")[:120] or "file"


def _row_out(
    table: sa.Table, key: RowKey, row: Mapping[str, Any], subject: int, files: list[CopyFile]
) -> tuple[dict[str, Any], set[tuple[str, str, str]]]:
    out: dict[str, Any] = {}
    withheld: set[tuple[str, str, str]] = set()
    people = {c.name for c in linked_mod.user_columns(table)}
    for column in table.columns:
        name, value = column.name, row[column.name]
        reason = SECRETS.get((table.name, name))
        if reason is None and name in people and value not in (None, subject):
            reason = "other_person"
        actor = ACTOR_TEXT.get((table.name, name))
        if reason is None and actor is not None and row[actor] != subject:
            reason = "other_person"
        if reason is not None:
            withheld.add((table.name, name, reason))
            out[name] = None
        elif isinstance(value, bytes):
            path = f"files/{table.name}/{_key_text(key)}-{name}.bin"
            if value[:5] == b"%PDF-":
                path = path[:-4] + ".pdf"
            files.append(CopyFile(path, table.name, _key_text(key), name, value))
            out[name] = {"file": path}
        else:
            out[name] = _plain(value)
    return out, withheld


def _stored_files(linked: Linked) -> list[CopyFile]:
    found = []
    for (table, column), (folder, shown) in STORED_FILES.items():
        for key, row in linked.rows.get(table, {}).items():
            path = stored_path(folder, row[column])
            if path is None or not path.is_file():
                continue
            name = f"files/{folder}/{_key_text(key)}-{_safe(row[shown] or row[column])}"
            found.append(CopyFile(name, table, _key_text(key), column, path.read_bytes()))
    return found


def build_copy(user: User) -> tuple[dict[str, Any], list[CopyFile]]:
    """The JSON document and the files of `user`'s copy."""
    linked = linked_mod.linked_rows(user.id)
    files: list[CopyFile] = []
    withheld: set[tuple[str, str, str]] = set()
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in linked_mod.tables():
        rows = linked.rows.get(table.name)
        if not rows:
            continue
        tables[table.name] = []
        for key in sorted(rows, key=repr):
            out, hidden = _row_out(table, key, rows[key], user.id, files)
            tables[table.name].append(out)
            withheld |= hidden
    files += _stored_files(linked)
    document = {
        "schema": SCHEMA_ID,
        "generated_at": utcnow().isoformat(),
        "subject": {"id": user.id, "email": user.email, "name": user.name, "locale": user.locale},
        "tables": tables,
        "files": [
            {
                "path": f.path,
                "table": f.table,
                "row": f.row,
                "column": f.column,
                "size": len(f.data),
                "sha256": hashlib.sha256(f.data).hexdigest(),
            }
            for f in files
        ],
        "withheld": [{"table": t, "column": c, "reason": r} for t, c, r in sorted(withheld)],
    }
    return document, files


def language_of(user: User) -> str:
    return "zh" if (user.locale or "").lower().startswith("zh") else "en"


# The summary leads with the person's language and does not depend on the message catalogue.
PDF_LABELS: dict[str, tuple[str, str]] = {
    "title": ("个人信息副本摘要", "Summary of your personal data"),
    "intro": (
        "这是 hirebench 保存的关于您的全部数据的摘要。"
        "完整内容见同一压缩包中的 copy.json 和 files/ 文件夹。",
        "This summarises everything hirebench holds about you. The full content is in copy.json "
        "and the files/ folder of the same ZIP.",
    ),
    "generated": ("生成时间", "Generated"),
    "name": ("姓名", "Name"),
    "email": ("邮箱", "Email"),
    "kinds": ("数据类别", "Kinds of data"),
    "table": ("数据表", "Table"),
    "rows": ("条数", "Rows"),
    "files": ("文件", "Files"),
    "withheld": ("未提供的内容及原因", "Withheld, and why"),
    "secret": ("安全凭据（密码和令牌的哈希值）", "security secrets (password and token hashes)"),
    "other_person": ("他人的身份或内容", "another person's identity or text"),
    "none": ("无", "none"),
}


def summary_pdf(document: Mapping[str, Any], language: str) -> bytes:
    labels = {k: (zh if language == "zh" else en) for k, (zh, en) in PDF_LABELS.items()}
    html = render_template(
        "privacy/summary_pdf.html",
        L=labels,
        html_lang="zh-Hans" if language == "zh" else "en",
        document=document,
        counts=[(name, len(rows)) for name, rows in document["tables"].items()],
        font_family=FONT_FAMILY,
    )
    return pdf_from_html(html)


def copy_zip(user: User) -> tuple[bytes, dict[str, int]]:
    """The ZIP, and how many rows of each table and files it holds (for the request log)."""
    document, files = build_copy(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("copy.json", json.dumps(document, ensure_ascii=False, indent=2))
        archive.writestr("summary.pdf", summary_pdf(document, language_of(user)))
        for f in files:
            archive.writestr(f.path, f.data)
    counts = {name: len(rows) for name, rows in document["tables"].items()}
    counts["files"] = len(files)
    return buffer.getvalue(), counts


def file_name(user: User) -> str:
    return f"hirebench-my-data-{user.id}-{utcnow():%Y%m%d}.zip"
