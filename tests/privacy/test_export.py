"""The candidate's copy is complete: every table that references the candidate, found from the
model metadata by an implementation of its own here (all rows loaded, foreign keys followed
in Python), appears in copy.json with every one of its rows; their files are in the ZIP with
the listed SHA-256; secrets and other people's identities are withheld; the JSON follows
docs/privacy-export.schema.json; the PDF summary is in their language."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

import jsonschema
import pypdf
import sqlalchemy as sa

from hirebench.extensions import db
from hirebench.models import User
from hirebench.paths import PROJECT_ROOT
from hirebench.privacy import export
from tests.privacy.conftest import RICH, enrich, user

SCHEMA = json.loads((PROJECT_ROOT / "docs" / "privacy-export.schema.json").read_text())


def tables_reaching_users() -> set[str]:
    """From the metadata alone: the tables with a chain of foreign keys to users."""
    reach = {"users"}
    changed = True
    while changed:
        changed = False
        for table in db.metadata.sorted_tables:
            if table.name not in reach and any(
                fk.column.table.name in reach for fk in table.foreign_keys
            ):
                reach.add(table.name)
                changed = True
    return reach


def rows_about(user_id: int) -> dict[str, set[tuple[Any, ...]]]:
    """Every row whose foreign keys lead to the user, by brute force over all rows, plus
    the grading jobs of their answers (a parent that holds their code)."""
    everything = {
        t.name: [dict(r) for r in db.session.execute(sa.select(t)).mappings()]
        for t in db.metadata.sorted_tables
    }
    pk = {t.name: [c.name for c in t.primary_key.columns] for t in db.metadata.sorted_tables}
    owned: dict[str, set[Any]] = {"users": {user_id}}  # table -> referenced values (ids)
    found: dict[str, set[tuple[Any, ...]]] = {"users": {(user_id,)}}
    changed = True
    while changed:
        changed = False
        for table in db.metadata.sorted_tables:
            if table.name == "users":
                continue
            for row in everything[table.name]:
                key = tuple(row[c] for c in pk[table.name])
                if key in found.get(table.name, set()):
                    continue
                if any(
                    row[fk.parent.name] is not None
                    and row[fk.parent.name] in owned.get(fk.column.table.name, set())
                    for fk in table.foreign_keys
                ):
                    found.setdefault(table.name, set()).add(key)
                    owned.setdefault(table.name, set()).add(row.get("id", key))
                    changed = True
        for answer in everything["answers"]:
            job = answer["grading_job_id"]
            mine = (answer["id"],) in found.get("answers", set())
            if mine and job is not None and (job,) not in found.setdefault("grading_jobs", set()):
                found["grading_jobs"].add((job,))
                owned.setdefault("grading_jobs", set()).add(job)
                changed = True
    return found


def test_the_copy_holds_every_row_of_every_table_about_the_candidate(ctx: Any) -> None:
    candidate = user(RICH)
    enrich(candidate)
    expected = rows_about(candidate.id)
    assert set(expected) <= tables_reaching_users()
    # The demo and enrich() reach most of the schema; a table added later is checked the same.
    assert len(expected) >= 28, sorted(expected)
    document, files = export.build_copy(candidate)
    jsonschema.validate(document, SCHEMA)
    for table, keys in expected.items():
        assert table in document["tables"], f"{table} is missing from the copy"
        pk = [c.name for c in db.metadata.tables[table].primary_key.columns]
        exported = {tuple(r[c] for c in pk) for r in document["tables"][table]}
        assert keys <= exported, (table, keys - exported)
    paths = {f.path for f in files}
    assert any(p.startswith("files/portfolios/") for p in paths)
    assert any(p.startswith("files/onboarding/") for p in paths)
    assert any(p.startswith("files/offer_versions/") and p.endswith(".pdf") for p in paths)


def test_secrets_and_other_peoples_identities_are_withheld(ctx: Any) -> None:
    candidate = user(RICH)
    enrich(candidate)
    document, _files = export.build_copy(candidate)
    me = document["tables"]["users"][0]
    assert me["email"] == RICH and me["password_hash"] is None and me["session_token"] is None
    assert all(r["token_hash"] is None for r in document["tables"]["invitations"])
    withheld = {(w["table"], w["column"]) for w in document["withheld"]}
    assert ("reviews", "reviewer_id") in withheld
    assert all(r["reviewer_id"] is None for r in document["tables"]["reviews"])
    text = json.dumps(document, ensure_ascii=False)
    for staff in ("reviewer@demo.local", "reviewer2@demo.local", "hr@demo.local"):
        assert staff not in text
    # Their own audit entries keep their own address; the staff's are withheld.
    audit = document["tables"]["audit_events"]
    assert {r["actor_email"] for r in audit} <= {RICH, None}


def test_the_zip_holds_json_files_and_a_pdf_in_their_language(ctx: Any) -> None:
    candidate = user(RICH)
    candidate.locale = "zh_Hans"
    db.session.commit()
    data, counts = export.copy_zip(candidate)
    archive = zipfile.ZipFile(io.BytesIO(data))
    document = json.loads(archive.read("copy.json"))
    jsonschema.validate(document, SCHEMA)
    assert counts["files"] == len(document["files"]) >= 4
    for listed in document["files"]:
        content = archive.read(listed["path"])
        assert hashlib.sha256(content).hexdigest() == listed["sha256"]
        assert len(content) == listed["size"]
    summary = pypdf.PdfReader(io.BytesIO(archive.read("summary.pdf")))
    pdf_text = "".join(p.extract_text() for p in summary.pages)
    assert "个人信息副本摘要" in pdf_text and candidate.name in pdf_text
    candidate.locale = "en"
    english = zipfile.ZipFile(io.BytesIO(export.copy_zip(candidate)[0])).read("summary.pdf")
    assert "Summary of your personal data" in "".join(
        p.extract_text() for p in pypdf.PdfReader(io.BytesIO(english)).pages
    )


def test_a_staff_member_is_not_a_subject_of_someone_elses_copy(ctx: Any) -> None:
    """Another candidate's copy holds none of the rich candidate's rows."""
    other = user("candidate2@demo.local")
    document, _files = export.build_copy(other)
    assert RICH not in json.dumps(document, ensure_ascii=False)
    assert isinstance(db.session.get(User, other.id), User)
