"""HR's resume screening page: upload, the ranked and explained list, the over-budget list and
its override, unreadable files, inviting a shortlist, and who may do any of it."""

from __future__ import annotations

import html as html_lib
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from hirebench.extensions import db
from hirebench.jobs.profile_file import load_profile_file
from hirebench.jobs.service import save_profile
from hirebench.models import AuditEvent, Invitation, Job, Resume, Role, User
from hirebench.services import invitations
from tests.conftest import AuthActions, csrf_from
from tests.screening import BAD, CORPUS, LINK_RE, OVER, PARTIAL, PROFILE, STRONG, WEAK

BUDGET = {"month": 22000, "year": 264000}  # exams/jobs/ai-trainer-ecommerce.yaml

NO_EMAIL = """Dan Nomail
Phone: 13800000005
Expected salary: 16k-18k/month

SKILLS
- Python: expert, 4 years
"""
SCRIPT = "<script>alert(1)</script>"


@dataclass
class World:
    hr: User
    job_id: int

    @property
    def url(self) -> str:
        return f"/hr/jobs/{self.job_id}/screening"


@pytest.fixture
def world(app: Flask, make_user: Callable[..., User]) -> World:
    hr = make_user(Role.hr, email="hana@example.com", name="Hana HR")
    with app.app_context():
        job_id = save_profile(load_profile_file(PROFILE)).job_id
    return World(hr, job_id)


@pytest.fixture
def hr_client(app: Flask, world: World) -> FlaskClient:
    return login(app, world.hr.email)


def login(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert AuthActions(client).login(email).status_code == 302
    return client


def token(client: FlaskClient, url: str = "/") -> str:
    return csrf_from(client.get(url, follow_redirects=True).get_data(as_text=True))


def upload(
    client: FlaskClient, world: World, files: list[tuple[str, bytes]], *, csrf: bool = True
) -> TestResponse:
    data: dict[str, Any] = {"files": [(io.BytesIO(body), name) for name, body in files]}
    if csrf:
        data["csrf_token"] = token(client, world.url)
    return client.post(world.url, data=data, content_type="multipart/form-data")


def txt(name: str, text: str) -> tuple[str, bytes]:
    return name, text.encode("utf-8")


def from_disk(path: Any) -> tuple[str, bytes]:
    return path.name, path.read_bytes()


def page(client: FlaskClient, world: World) -> str:
    response = client.get(world.url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def section(html: str, heading: str) -> str:
    """The part of the page under the <h2> with this heading, up to the section's end."""
    start = re.search(rf"<h2[^>]*>{re.escape(heading)}</h2>", html).start()  # type: ignore[union-attr]
    return html[start : html.index("</section>", start)]


def ranked(html: str) -> str:
    return section(html, "Ranked candidates")


def over_budget(html: str) -> str:
    return section(html, "Over budget (excluded)")


def unreadable(html: str) -> str:
    return section(html, "Files that could not be read")


def row_ids(part: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-resume="(\d+)"', part)]


def rows(app: Flask, job_id: int) -> dict[str, Resume]:
    with app.app_context():
        found = db.session.scalars(sa.select(Resume).where(Resume.job_id == job_id)).all()
        db.session.expunge_all()
    return {r.file_name: r for r in found}


def outbox(app: Flask) -> list[Any]:
    # The locmem backend creates the outbox with the first mail.
    return getattr(app.extensions["mailman"], "outbox", [])


def flashes(html: str) -> list[str]:
    return [html_lib.unescape(m) for m in re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', html)]


def invite_results(response: TestResponse) -> dict[int, tuple[str, str, str]]:
    """The result page's rows: resume id -> (status, file name, email or reason)."""
    found = re.findall(
        r'<tr data-resume="(\d+)" data-status="(\w+)">\s*<td>[^<]*</td>\s*<td>([^<]*)</td>'
        r"\s*<td>.*?</td>\s*<td>([^<]*)</td>",
        response.get_data(as_text=True),
        re.S,
    )
    return {
        int(i): (status, html_lib.unescape(name), html_lib.unescape(why))
        for i, status, name, why in found
    }


def resume_of(n: int) -> str:
    return STRONG.replace("Alice Strong", f"Person {n}").replace(
        "alice.strong@example.com", f"person{n}@example.com"
    )


BATCH = [
    txt("weak.txt", WEAK),
    txt("over.txt", OVER),
    txt("strong.txt", STRONG),
    txt("partial.txt", PARTIAL),
]


# ------------------------------------------------------------------------------ upload


def test_upload_ranks_explains_and_lists_the_rest(
    app: Flask, world: World, hr_client: FlaskClient
) -> None:
    assert "No resumes screened yet." in ranked(page(hr_client, world))
    files = [*BATCH, from_disk(BAD / "encrypted.pdf"), from_disk(BAD / "legacy.doc")]
    response = upload(hr_client, world, files)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(world.url)

    html = hr_client.get(world.url).get_data(as_text=True)
    assert "4 resumes screened; 2 could not be read (listed below)." in flashes(html)
    stored = rows(app, world.job_id)
    assert len(stored) == 6

    top = ranked(html)
    assert row_ids(top) == [stored[n].id for n in ("strong.txt", "partial.txt", "weak.txt")]
    for name, person in (("strong.txt", "Alice Strong"), ("weak.txt", "Bob Weak")):
        assert person in top
        # Each requirement is explained with its points (in the reader's language).
        for point in stored[name].match["points"]:
            skill = html_lib.escape(point["requirement"], quote=False)
            assert (
                f"{skill}: needs" in top
                and f"({point['points']:.1f} of {point['max_points']:.1f} points)" in top
            )
    assert "+ Python: needs proficient, found expert, 5 years (25.0 of 25.0 points)" in re.sub(
        r"\s+", " ", top
    )
    assert "100.0" in top
    assert 'name="resume"' in top  # the rows can be ticked for the shortlist

    excluded = over_budget(html)
    assert row_ids(excluded) == [stored["over.txt"].id]
    assert "张三" in excluded and "30000–35000 / month" in excluded
    assert "张三" not in top

    errors = unreadable(html)
    assert row_ids(errors) == [stored["encrypted.pdf"].id, stored["legacy.doc"].id]
    assert "encrypted.pdf" in errors and "password-protected" in errors
    assert "legacy.doc" in errors and ".pdf, .docx or .txt" in errors


def test_an_upload_without_files_is_refused(
    app: Flask, world: World, hr_client: FlaskClient
) -> None:
    response = hr_client.post(
        world.url,
        data={"csrf_token": token(hr_client, world.url)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Choose one or more resume files." in response.get_data(as_text=True)
    assert rows(app, world.job_id) == {}


def test_an_all_good_upload_flashes_success(world: World, hr_client: FlaskClient) -> None:
    upload(hr_client, world, [txt("strong.txt", STRONG)])
    html = page(hr_client, world)
    assert '<p class="flash flash-success"' in html
    assert "1 resumes screened; 0 could not be read (listed below)." in flashes(html)
    assert "Nobody is over budget." in over_budget(html)
    assert "None." in unreadable(html)


def test_an_unreadable_copy_of_a_screened_resume_is_named_and_the_resume_kept(
    app: Flask, world: World, hr_client: FlaskClient
) -> None:
    upload(hr_client, world, [txt("strong.txt", STRONG)])
    before = rows(app, world.job_id)["strong.txt"]

    name, data = txt("strong.txt", STRONG)
    upload(hr_client, world, [("strong copy.doc", data)])
    shown = flashes(page(hr_client, world))
    assert (
        "Not read: strong copy.doc. Each is the same file as a resume already screened, "
        "which was kept as it was." in shown
    )
    assert "0 resumes screened; 0 could not be read (listed below)." in shown
    after = rows(app, world.job_id)
    assert list(after) == [name]
    assert (after[name].id, after[name].status, after[name].score) == (
        before.id,
        "ok",
        before.score,
    )


# ---------------------------------------------------------------------------- override


def include(
    client: FlaskClient, world: World, resume_id: int, reason: str | None, *, csrf: bool = True
) -> TestResponse:
    data = {"include": "1"}
    if reason is not None:
        data["reason"] = reason
    if csrf:
        data["csrf_token"] = token(client, world.url)
    return client.post(f"/hr/resumes/{resume_id}/include", data=data)


def test_keeping_an_over_budget_candidate_needs_a_reason(
    app: Flask, world: World, hr_client: FlaskClient
) -> None:
    upload(hr_client, world, BATCH)
    over_id = rows(app, world.job_id)["over.txt"].id
    assert over_id in row_ids(over_budget(page(hr_client, world)))

    for blank in (None, "", "   "):
        response = include(hr_client, world, over_id, blank)
        assert response.status_code == 302 and response.headers["Location"].endswith(world.url)
        html = page(hr_client, world)
        assert "Give a reason for keeping an over-budget candidate." in flashes(html)
        assert over_id in row_ids(over_budget(html))
        assert over_id not in row_ids(ranked(html))

    response = include(hr_client, world, over_id, "Rare NLP background")
    assert response.status_code == 302
    html = page(hr_client, world)
    assert over_id in row_ids(ranked(html))
    assert over_id not in row_ids(over_budget(html))
    assert "Nobody is over budget." in over_budget(html)
    assert "kept: Rare NLP background" in ranked(html)

    stored = rows(app, world.job_id)["over.txt"]
    assert stored.included and stored.override_reason == "Rare NLP background"
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "screening.override")
        ).one()
        assert event.actor_id == world.hr.id
        assert event.target_id == str(over_id)
        assert event.detail["reason"] == "Rare NLP background"


# ----------------------------------------------------------------------------- invite


def invite(client: FlaskClient, world: World, ids: list[int], *, csrf: bool = True) -> TestResponse:
    data: dict[str, Any] = {"resume": [str(i) for i in ids]}
    if csrf:
        data["csrf_token"] = token(client, world.url)
    return client.post(f"{world.url}/invite", data=data)


def test_inviting_two_selected_resumes(app: Flask, world: World, hr_client: FlaskClient) -> None:
    upload(hr_client, world, BATCH)
    stored = rows(app, world.job_id)
    chosen = [stored["strong.txt"].id, stored["weak.txt"].id]

    response = invite(hr_client, world, chosen)
    assert response.status_code == 200
    mails = outbox(app)
    assert sorted(m.to[0] for m in mails) == ["alice.strong@example.com", "bob.weak@example.com"]
    assert all(LINK_RE.search(m.body) for m in mails)
    results = invite_results(response)
    assert results[chosen[0]] == ("invited", "strong.txt", "alice.strong@example.com")
    assert results[chosen[1]] == ("invited", "weak.txt", "bob.weak@example.com")

    html = page(hr_client, world)
    assert flashes(html) == []
    stored = rows(app, world.job_id)
    top = ranked(html)
    for name in ("strong.txt", "weak.txt"):
        candidate_id = stored[name].candidate_id
        assert candidate_id is not None
        link = f'href="/hr/jobs/{world.job_id}/candidates/{candidate_id}">invited</a>'
        assert link in top
        # Invited rows can no longer be ticked.
        assert f'name="resume" value="{stored[name].id}"' not in top
    assert stored["partial.txt"].candidate_id is None
    assert f'name="resume" value="{stored["partial.txt"].id}"' in top
    assert top.count(">invited</a>") == 2

    # The link leads to the candidate's scorecard.
    scorecard = hr_client.get(
        f"/hr/jobs/{world.job_id}/candidates/{stored['strong.txt'].candidate_id}"
    )
    assert scorecard.status_code == 200
    assert "Alice Strong" in scorecard.get_data(as_text=True)


def test_a_resume_without_an_email_is_reported(
    app: Flask, world: World, hr_client: FlaskClient
) -> None:
    upload(hr_client, world, [txt("nomail.txt", NO_EMAIL), txt("strong.txt", STRONG)])
    stored = rows(app, world.job_id)
    response = invite(hr_client, world, [stored["nomail.txt"].id, stored["strong.txt"].id])
    assert invite_results(response) == {
        stored["nomail.txt"].id: ("skipped", "nomail.txt", "no email address in the resume"),
        stored["strong.txt"].id: ("invited", "strong.txt", "alice.strong@example.com"),
    }
    assert [m.to for m in outbox(app)] == [["alice.strong@example.com"]]


def test_a_large_shortlist_is_reported_in_full_without_a_big_cookie(
    app: Flask, world: World, hr_client: FlaskClient
) -> None:
    people = [
        txt(f"person-{n:02d}-with-a-fairly-long-file-name.txt", resume_of(n)) for n in range(45)
    ]
    upload(hr_client, world, [*people, txt("nomail.txt", NO_EMAIL)])
    stored = rows(app, world.job_id)
    ids = [r.id for r in stored.values()]
    response = invite(hr_client, world, ids)
    assert response.status_code == 200
    results = invite_results(response)
    assert set(results) == set(ids)
    assert sum(status == "invited" for status, _file, _why in results.values()) == 45
    assert results[stored["nomail.txt"].id][0] == "skipped"
    assert "45 invited, 0 already invited, 1 skipped." in response.get_data(as_text=True)
    # The results are in the page, not in the session: its cookie stays small.
    assert all(len(header) < 1000 for header in response.headers.getlist("Set-Cookie"))
    cookie = hr_client.get_cookie("session", domain="hirebench.test")
    assert cookie is not None and len(cookie.value) < 1000

    # Sending the same shortlist again (a reload) invites and mails nobody twice.
    again = invite_results(invite(hr_client, world, ids))
    assert sum(status == "already_invited" for status, _file, _why in again.values()) == 45
    assert len(outbox(app)) == 45


def test_a_person_hr_already_invited_by_hand_is_reported_as_already_invited(
    app: Flask, world: World, hr_client: FlaskClient
) -> None:
    upload(hr_client, world, [txt("person-00.txt", resume_of(0))])
    resume = next(iter(rows(app, world.job_id).values()))
    email = (resume.fields or {})["email"]
    with app.app_context():
        job = db.session.get(Job, world.job_id)
        assert job is not None
        invitations.invite_candidate(
            name="By Hand", email=email, job=job, invited_by=None, ttl_hours=24
        )
        db.session.commit()
    results = invite_results(invite(hr_client, world, [resume.id]))
    assert results[resume.id][0] == "already_invited"
    assert outbox(app) == []  # the open link was not mailed again
    with app.app_context():
        stored = db.session.get(Resume, resume.id)
        assert stored is not None and stored.candidate_id is not None


def test_inviting_nobody_or_another_jobs_resume_is_refused(
    app: Flask, world: World, hr_client: FlaskClient
) -> None:
    upload(hr_client, world, BATCH)
    empty = invite(hr_client, world, [])
    assert empty.status_code == 400
    assert "Choose at least one candidate for the shortlist." in empty.get_data(as_text=True)
    assert invite(hr_client, world, [987654]).status_code == 400
    assert outbox(app) == []


# ------------------------------------------------------------------------------ CSRF


def test_every_post_needs_the_csrf_token(app: Flask, world: World, hr_client: FlaskClient) -> None:
    assert upload(hr_client, world, BATCH, csrf=False).status_code == 400
    assert rows(app, world.job_id) == {}

    upload(hr_client, world, BATCH)
    stored = rows(app, world.job_id)
    over_id, strong_id = stored["over.txt"].id, stored["strong.txt"].id
    assert include(hr_client, world, over_id, "Rare NLP", csrf=False).status_code == 400
    assert not rows(app, world.job_id)["over.txt"].included
    assert invite(hr_client, world, [strong_id], csrf=False).status_code == 400
    assert outbox(app) == []
    assert rows(app, world.job_id)["strong.txt"].candidate_id is None


# ---------------------------------------------------------------------------- access


@pytest.mark.parametrize("role", [Role.reviewer, Role.candidate, Role.business, Role.interviewer])
def test_other_roles_are_refused(
    app: Flask, world: World, hr_client: FlaskClient, make_user: Callable[..., User], role: Role
) -> None:
    upload(hr_client, world, BATCH)
    stored = rows(app, world.job_id)
    other = login(app, make_user(role).email)
    csrf = token(other)
    assert other.get(world.url).status_code == 403
    assert (
        other.post(
            world.url,
            data={"csrf_token": csrf, "files": [(io.BytesIO(STRONG.encode()), "x.txt")]},
            content_type="multipart/form-data",
        ).status_code
        == 403
    )
    assert (
        other.post(
            f"{world.url}/invite",
            data={"csrf_token": csrf, "resume": [str(stored["strong.txt"].id)]},
        ).status_code
        == 403
    )
    assert (
        other.post(
            f"/hr/resumes/{stored['over.txt'].id}/include",
            data={"csrf_token": csrf, "include": "1", "reason": "because"},
        ).status_code
        == 403
    )
    assert len(rows(app, world.job_id)) == len(BATCH)
    assert not rows(app, world.job_id)["over.txt"].included
    assert outbox(app) == []


def test_anonymous_visitors_are_sent_to_log_in(app: Flask, world: World) -> None:
    response = app.test_client().get(world.url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_unknown_job_is_404(hr_client: FlaskClient, world: World) -> None:
    assert hr_client.get(f"/hr/jobs/{world.job_id + 100}/screening").status_code == 404


# -------------------------------------------------------------------------- escaping


def test_names_from_resumes_and_files_are_escaped(
    app: Flask, world: World, hr_client: FlaskClient
) -> None:
    hostile = f"{SCRIPT}\nEmail: mallory@example.com\nSKILLS\n- Python: expert, 5 years\n"
    over = f"{SCRIPT}\n邮箱：eve@example.com\n期望月薪30-35K\n精通Python\n"
    upload(
        hr_client,
        world,
        [
            # A "/" would make the name a path, of which only the last part is kept.
            txt("<svg onload=alert(1)>.txt", hostile),
            txt("over<b>.txt", over),
            ("<img src=x onerror=alert(1)>.doc", b"whatever"),
        ],
    )
    html = page(hr_client, world)
    assert SCRIPT not in html
    assert "<img src=x" not in html and "<b>" not in html and "<svg" not in html
    assert "&lt;svg onload=alert(1)&gt;.txt" in ranked(html)
    assert "over&lt;b&gt;.txt" in over_budget(html) or "&lt;script&gt;" in over_budget(html)
    assert "&lt;img src=x onerror=alert(1)&gt;" in unreadable(html)


# --------------------------------------------------------------------------- demo flow


def test_a_folder_of_chinese_and_english_resumes(
    app: Flask, world: World, hr_client: FlaskClient
) -> None:
    manifest = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
    chosen = [
        r
        for r in manifest["resumes"]
        if r["file"][:5] in {f"{lang}-0{i}" for lang in ("zh", "en") for i in range(1, 7)}
    ]
    assert {r["expected"]["language"] for r in chosen} == {"zh", "en"}
    assert {r["file"].rsplit(".", 1)[1] for r in chosen} == {"pdf", "docx", "txt"}
    bad = json.loads((BAD / "bad.json").read_text(encoding="utf-8"))
    files = [from_disk(CORPUS / r["file"]) for r in chosen]
    files += [from_disk(BAD / b["file"]) for b in bad]

    response = upload(hr_client, world, files)
    assert response.status_code == 302
    html = page(hr_client, world)
    assert f"{len(chosen)} resumes screened; {len(bad)} could not be read (listed below)." in (
        flashes(html)
    )

    stored = rows(app, world.job_id)
    top, excluded, errors = ranked(html), over_budget(html), unreadable(html)
    for resume in chosen:
        row = stored[resume["file"]]
        expected = resume["expected"]
        salary = expected["salary_expectation"]
        is_over = salary is not None and salary["min"] > BUDGET[salary["period"]]
        where = excluded if is_over else top
        assert row.id in row_ids(where), resume["file"]
        assert html_lib.escape(expected["name"]) in where
    ranked_ids = row_ids(top)
    assert len(ranked_ids) + len(row_ids(excluded)) == len(chosen)
    by_id = {r.id: r for r in stored.values()}
    scores = [by_id[i].score for i in ranked_ids]
    assert scores == sorted(scores, reverse=True)
    for item in bad:
        row = stored[item["file"]]
        assert row.status == "error" and row.error_code == item["code"]
        assert row.id in row_ids(errors)
        assert html_lib.escape(row.error, quote=False) in errors

    # Invite the best two of the ranked list.
    best = ranked_ids[:2]
    invite(hr_client, world, best)
    assert len(outbox(app)) == 2
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 2
        assert {
            u.email for u in db.session.scalars(sa.select(User).where(User.role == Role.candidate))
        } == {by_id[i].fields["email"] for i in best}


# ------------------------------------------------------------------------------ Chinese


def test_salaries_and_reading_errors_follow_the_readers_language(
    app: Flask, world: World, hr_client: FlaskClient
) -> None:
    # Imported by someone reading English: the stored error is in English.
    upload(hr_client, world, [txt("over.txt", OVER), from_disk(BAD / "scanned.pdf")])
    english = page(hr_client, world)
    assert "scanned.pdf has no text layer" in unreadable(english)
    assert "/ month" in over_budget(english)

    response = hr_client.get(world.url, headers={"Accept-Language": "zh-CN"})
    chinese = response.get_data(as_text=True)
    assert "scanned.pdf" in chinese
    assert "no text layer" not in chinese and "扫描" in chinese
    assert "/ month" not in chinese and "/月" in chinese
