"""HR's job profile editor through the test client (hirebench/web/hr_profile.py): the form
shows the profile in force and saves a new version; add and remove buttons work without
JavaScript and save nothing; bad input is refused with each message under its field, the
summary at the top linking to it, and the input kept; the advanced (YAML) view, its import
and the switch between the views; new jobs; and who may do any of it."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import lxml.html
import pytest
import sqlalchemy as sa
import yaml
from flask import Flask
from flask.testing import FlaskClient

from hirebench.exams.loader import load_exam
from hirebench.extensions import db
from hirebench.interviews import service as interviews
from hirebench.interviews.bank import load_bank_file
from hirebench.jobs import profile_form
from hirebench.jobs import service as job_service
from hirebench.jobs.profile import Stage
from hirebench.jobs.profile_file import load_profile_file, parse_profile_text, profile_yaml
from hirebench.models import Job, JobProfile, Role, User
from hirebench.paths import PROJECT_ROOT
from hirebench.reviews import rubrics
from tests.conftest import AuthActions, csrf_from
from tests.factories import row

EXAMS = PROJECT_ROOT / "exams"
SHIPPED = EXAMS / "jobs" / "ai-trainer-ecommerce.yaml"


@dataclass
class World:
    job_id: int

    @property
    def url(self) -> str:
        return f"/hr/jobs/{self.job_id}/profile"


@pytest.fixture
def world(app: Flask, make_user: Callable[..., User], auth: AuthActions) -> Iterator[World]:
    hr = make_user(Role.hr, email="hr@example.com")
    with app.app_context():
        author = db.session.get(User, hr.id)
        profile = job_service.save_profile(load_profile_file(SHIPPED), by=author)
        job_id = profile.job_id
    assert auth.login(hr.email).status_code == 302
    yield World(job_id)


def flat(data: profile_form.FormData) -> dict[str, str]:
    """The editor's data as the browser posts it (WTForms' names for nested fields)."""
    fields: dict[str, str] = {}
    for key, value in data.items():
        if not isinstance(value, list):
            fields[key] = value
            continue
        for index, entry in enumerate(value):
            for name, inner in entry.items():
                if isinstance(inner, list):
                    for number, text in enumerate(inner):
                        fields[f"{key}-{index}-{name}-{number}"] = text
                else:
                    fields[f"{key}-{index}-{name}"] = inner
    return fields


def shipped() -> profile_form.FormData:
    return profile_form.form_data(load_profile_file(SHIPPED))


def page_of(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def post_form(
    client: FlaskClient, url: str, data: profile_form.FormData, action: str = "save"
) -> Any:
    token = csrf_from(page_of(client, url))
    return client.post(url, data={**flat(data), "action": action, "csrf_token": token})


def post_yaml(client: FlaskClient, url: str, action: str = "save", **fields: Any) -> Any:
    token = csrf_from(page_of(client, url + "?view=yaml"))
    return client.post(
        url,
        data={**fields, "action": action, "csrf_token": token},
        content_type="multipart/form-data",
    )


def versions(app: Flask, job_id: int) -> int:
    with app.app_context():
        count = sa.select(sa.func.count(JobProfile.id)).where(JobProfile.job_id == job_id)
        return db.session.scalar(count) or 0


def tree(response: Any) -> Any:
    return lxml.html.fromstring(response.get_data(as_text=True))


def errors_under(doc: Any, name: str) -> str:
    """The messages under the input `name`, which must point to them and be marked invalid."""
    [control] = doc.xpath(f'//form[starts-with(@id, "profile-")]//*[@name="{name}"]')
    field_id = control.get("id")
    assert control.get("aria-invalid") == "true", name
    assert f"{field_id}-error" in control.get("aria-describedby", "").split(), name
    [box] = doc.xpath(f'//*[@id="{field_id}-error"]')
    # Next to its field: in the same field wrapper as the control.
    assert box.getparent() is control.getparent(), name
    return str(box.text_content())


def section_errors(doc: Any, name: str) -> str:
    [box] = doc.xpath(f'//*[@id="{name}-errors"]')
    return str(box.text_content())


def summary_links(doc: Any) -> list[str]:
    return [str(a.get("href")) for a in doc.xpath('//*[@id="error-summary"]//a')]


def textarea(control: Any) -> str:
    # HTML drops the newline right after <textarea>, which lxml keeps.
    return str(control.text or "").removeprefix("\r").removeprefix("\n")


def value_of(doc: Any, name: str) -> str:
    [control] = doc.xpath(f'//form[@id="profile-form"]//*[@name="{name}"]')
    if control.tag == "select":
        chosen = control.xpath(".//option[@selected]")
        return str(chosen[0].get("value")) if chosen else ""
    if control.tag == "textarea":
        return textarea(control)
    return str(control.get("value") or "")


# ---------------------------------------------------------------------------- the form


def test_the_form_shows_the_profile_in_force(client: FlaskClient, world: World) -> None:
    response = client.get(world.url)
    assert response.status_code == 200
    doc = tree(response)
    assert doc.xpath("string(//h1)").strip() == "Job profile: AI Trainer — e-commerce"
    assert value_of(doc, "profile_id") == "ai-trainer-ecommerce"
    assert value_of(doc, "salary_max") == "22000"
    assert value_of(doc, "skills-0-tag") == "python"
    assert value_of(doc, "skills-0-min_level") == "proficient"
    assert value_of(doc, "competencies-1-indicators-1").startswith("Measures label quality")
    assert value_of(doc, "stages-0-weight") == "30" and value_of(doc, "stages-0-minimum") == "40"
    assert value_of(doc, "mapping-0-source") == "coding"
    assert value_of(doc, "approver") == "user"
    assert "Total: 100% — the weights add up to 100." in doc.xpath(
        "string(//*[@data-weight-total])"
    )
    # Tabs to the advanced view, the download, and blank rows for the script to copy.
    assert doc.xpath(f'//a[@href="/hr/jobs/{world.job_id}/profile?view=yaml"]')
    assert doc.xpath(f'//a[@href="/hr/jobs/{world.job_id}/profile.yaml"]')
    assert len(doc.xpath("//template[@data-template]")) == 4
    assert "Total:" in page_of(client, world.url + "?lang=zh")


def test_saving_the_form_makes_a_new_version(app: Flask, client: FlaskClient, world: World) -> None:
    data = shipped()
    data["stages"][0]["weight"], data["stages"][4]["weight"] = "25", "5"
    data["skills"].append({"tag": "sql", "title": "SQL", "min_level": "familiar", "min_years": ""})
    data["competencies"][0]["indicators"].append("Reads a stack trace")
    saved = post_form(client, world.url, data)
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith(f"/hr/jobs/{world.job_id}")
    assert versions(app, world.job_id) == 2
    with app.app_context():
        definition = job_service.definition_of(row(Job, world.job_id))
        assert definition is not None
        assert dict(definition.stages)[Stage.screening] == 5
        assert definition.skills[-1].tag == "sql"
        assert definition.competencies[0].indicators[-1] == "Reads a stack trace"
    # The same content again is no new version.
    assert post_form(client, world.url, data).status_code == 302
    assert versions(app, world.job_id) == 2


def test_add_and_remove_buttons_work_without_javascript(
    app: Flask, client: FlaskClient, world: World
) -> None:
    data = shipped()
    data["title"] = "Edited, not saved"
    added = post_form(client, world.url, data, "add-skill")
    assert added.status_code == 200
    doc = tree(added)
    assert value_of(doc, "skills-4-tag") == "" and value_of(doc, "title") == "Edited, not saved"
    doc = tree(post_form(client, world.url, data, "remove-skill-0"))
    assert value_of(doc, "skills-0-tag") == "data-annotation"
    assert not doc.xpath('//*[@name="skills-3-tag"]')
    doc = tree(post_form(client, world.url, data, "add-indicator-1"))
    assert value_of(doc, "competencies-1-indicators-2") == ""
    doc = tree(post_form(client, world.url, data, "remove-competency-0"))
    assert value_of(doc, "competencies-0-key") == "annotation-quality"
    doc = tree(post_form(client, world.url, data, "add-mapping"))
    assert value_of(doc, f"mapping-{len(data['mapping'])}-kind") == "interview_competencies"
    assert versions(app, world.job_id) == 1


def test_the_mapping_offers_the_ids_loaded_here(
    app: Flask, client: FlaskClient, world: World
) -> None:
    with app.app_context():
        rubrics.load_files([EXAMS / "rubrics" / "portfolio-project.yaml"])
        load_exam(EXAMS / "ai-trainer-ecommerce", PROJECT_ROOT / "graders")
        interviews.load_bank(load_bank_file(EXAMS / "interviews" / "behavioural.yaml"))
    doc = tree(client.get(world.url))

    def offered(kind: str) -> list[str]:
        return [str(o.get("value")) for o in doc.xpath(f'//datalist[@id="sources-{kind}"]/option')]

    assert {"coding", "ml-concepts", "annotation", "logic"} <= set(offered("exam_sections"))
    assert "explain-gd" in offered("exam_questions")
    assert "measured-impact" in offered("portfolio_criteria")
    assert {"ambiguity", "collaboration"} <= set(offered("interview_competencies"))
    [source] = doc.xpath('//*[@name="mapping-4-source"]')
    assert source.get("list") == "sources-portfolio_criteria"
    # The exam the profile names is offered; the competency ids the form holds are too.
    assert value_of(doc, "exam") == "ai-trainer-ecommerce"
    ids = [str(o.get("value")) for o in doc.xpath('//datalist[@id="competency-ids"]/option')]
    assert ids == ["technical", "annotation-quality", "business", "communication"]


# ---------------------------------------------------------------------------- bad input


def refused(client: FlaskClient, world: World, change: Callable[[Any], Any]) -> Any:
    data = shipped()
    change(data)
    response = post_form(client, world.url, data)
    assert response.status_code == 400
    return tree(response)


def test_weights_not_adding_up(app: Flask, client: FlaskClient, world: World) -> None:
    def change(data: Any) -> None:
        data["stages"][0]["weight"] = "20"

    doc = refused(client, world, change)
    assert "The stage weights sum to 90, not 100" in section_errors(doc, "stages")
    assert "must add up to 100" in doc.xpath("string(//*[@data-weight-total])")
    assert summary_links(doc) == ["#stages-errors"]
    assert value_of(doc, "stages-0-weight") == "20"  # the input is kept
    assert versions(app, world.job_id) == 1


def test_duplicate_skill_and_empty_names(app: Flask, client: FlaskClient, world: World) -> None:
    def change(data: Any) -> None:
        data["skills"][1]["tag"] = "python"
        data["skills"][2]["title"] = ""
        data["title"] = " "
        data["competencies"][1]["title"] = ""

    doc = refused(client, world, change)
    assert "Duplicate skill tag 'python'" in errors_under(doc, "skills-1-tag")
    assert "'title' is empty" in errors_under(doc, "skills-2-title")
    assert "'title' is empty" in errors_under(doc, "title")
    assert "'title' is empty" in errors_under(doc, "competencies-1-title")
    assert sorted(summary_links(doc)) == sorted(
        ["#title", "#skills-1-tag", "#skills-2-title", "#competencies-1-title"]
    )
    summary = doc.xpath('string(//*[@id="error-summary"])')
    assert "Skill 2 · Tag: Duplicate skill tag 'python'" in summary
    assert versions(app, world.job_id) == 1


def test_levels_and_scores_out_of_range(app: Flask, client: FlaskClient, world: World) -> None:
    def change(data: Any) -> None:
        data["skills"][0]["min_level"] = "guru"  # not one of the choices: a forged post
        data["cutoff_hire"] = "150"
        data["stages"][1]["weight"] = "-30"

    doc = refused(client, world, change)
    assert "it must be one of basic, familiar" in errors_under(doc, "skills-0-min_level")
    assert "'hire' is 150" in errors_under(doc, "cutoff_hire")
    assert "above 0" in errors_under(doc, "stages-1-weight")
    assert value_of(doc, "cutoff_hire") == "150"
    assert versions(app, world.job_id) == 1


def test_budget_minimum_above_maximum(app: Flask, client: FlaskClient, world: World) -> None:
    def change(data: Any) -> None:
        data["salary_min"], data["salary_max"] = "30000", "20,000"

    doc = refused(client, world, change)
    assert "Salary min 30000 is above salary max 20000" in errors_under(doc, "salary_min")
    assert value_of(doc, "salary_max") == "20,000"

    def words(data: Any) -> None:
        data["salary_max"] = "lots"

    assert "must be a whole number" in errors_under(refused(client, world, words), "salary_max")
    assert versions(app, world.job_id) == 1


def test_user_text_is_escaped(app: Flask, client: FlaskClient, world: World) -> None:
    def change(data: Any) -> None:
        data["skills"][0]["title"] = "<script>alert(1)</script>"
        data["skills"][0]["tag"] = "<b>"

    response_doc = refused(client, world, change)
    assert value_of(response_doc, "skills-0-title") == "<script>alert(1)</script>"
    data = shipped()
    change(data)
    html = post_form(client, world.url, data).get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<b>" not in html.split("<main", 1)[1]


def test_a_taken_id_on_a_new_job_sits_on_the_id(
    app: Flask, client: FlaskClient, world: World
) -> None:
    response = post_form(client, "/hr/jobs/new", shipped())
    assert response.status_code == 400
    assert "exists already" in errors_under(tree(response), "profile_id")
    data = shipped()
    data.update(profile_id="data-engineer", title="Data engineer · 数据工程师")
    created = post_form(client, "/hr/jobs/new", data)
    assert created.status_code == 302
    with app.app_context():
        job = db.session.scalars(sa.select(Job).where(Job.title == data["title"])).one()
        assert job.profile is not None and job.profile.version == 1


# ---------------------------------------------------------------------- advanced view


def test_the_advanced_view_and_switching_between_views(
    app: Flask, client: FlaskClient, world: World
) -> None:
    page = page_of(client, world.url + "?view=yaml")
    assert "id: ai-trainer-ecommerce" in page and 'aria-current="page">Advanced (YAML)' in page
    # Unsaved edits, problems and all, go to the YAML view...
    data = shipped()
    data["stages"][0]["weight"] = "99"
    switched = post_form(client, world.url, data, "yaml")
    assert switched.status_code == 200
    [box] = tree(switched).xpath('//textarea[@name="text"]')
    text = textarea(box)
    assert yaml.safe_load(text)["stages"]["written_test"] == 99
    # ...and valid YAML comes back into the form, still not saved.
    fixed = text.replace("written_test: 99", "written_test: 30").replace("Python", "Python 3")
    back = post_yaml(client, world.url, "form", text=fixed)
    assert back.status_code == 200
    doc = tree(back)
    assert value_of(doc, "skills-0-title") == "Python 3"
    assert "nothing is saved until you save" in back.get_data(as_text=True)
    assert versions(app, world.job_id) == 1
    # YAML that is no valid profile stays in the advanced view, its problems under it.
    broken = post_yaml(client, world.url, "form", text=fixed.replace("hire: 75", "hire: 175"))
    assert broken.status_code == 400
    assert "cutoffs.hire: 'hire' is 175" in errors_under(tree(broken), "text")


def test_saving_yaml_still_works(app: Flask, client: FlaskClient, world: World) -> None:
    with app.app_context():
        definition = job_service.definition_of(row(Job, world.job_id))
        assert definition is not None
        text = profile_yaml(definition).replace("interview: 25", "interview: 20")
    refused = post_yaml(client, world.url, text=text)
    assert refused.status_code == 400
    assert "sum to 95" in errors_under(tree(refused), "text")
    saved = post_yaml(client, world.url, text=text.replace("assessment: 15", "assessment: 20"))
    assert saved.status_code == 302 and versions(app, world.job_id) == 2


def test_importing_a_file(app: Flask, client: FlaskClient, world: World) -> None:
    text = SHIPPED.read_text(encoding="utf-8").replace("max: 22000", "max: 25000")
    upload = (io.BytesIO(text.encode()), "profile.yaml")
    imported = post_yaml(client, world.url, "import", file=upload)
    assert imported.status_code == 200
    assert value_of(tree(imported), "salary_max") == "25000"
    assert versions(app, world.job_id) == 1  # opened in the form, not saved

    malformed = (io.BytesIO(b"id: x\nstages: [\n"), "broken.yaml")
    response = post_yaml(client, world.url, "import", file=malformed)
    assert response.status_code == 400
    doc = tree(response)
    assert "YAML syntax error at line 3" in errors_under(doc, "text")
    assert summary_links(doc) == ["#text"]
    assert textarea(doc.xpath('//textarea[@name="text"]')[0]).startswith("id: x")

    latin1 = (io.BytesIO("title: Caf\xe9".encode("latin-1")), "latin1.yaml")
    response = post_yaml(client, world.url, "import", file=latin1)
    assert response.status_code == 400
    assert "not UTF-8" in errors_under(tree(response), "file")
    nothing = post_yaml(client, world.url, "import", file=(io.BytesIO(b""), ""))
    assert nothing.status_code == 400
    assert "Choose a .yaml file" in errors_under(tree(nothing), "file")
    assert versions(app, world.job_id) == 1


def test_the_new_job_form_starts_from_the_documented_example(
    client: FlaskClient, world: World
) -> None:
    doc = tree(client.get("/hr/jobs/new"))
    assert doc.xpath("string(//h1)").strip() == "New job"
    assert value_of(doc, "profile_id") == "data-annotator"
    new = parse_profile_text(job_service.new_profile_text(), "new.yaml")
    assert value_of(doc, "title") == new.title


# ---------------------------------------------------------------------- access, CSRF


@pytest.mark.parametrize("role", [Role.candidate, Role.reviewer, Role.interviewer, Role.business])
def test_other_roles_are_forbidden(
    app: Flask, client: FlaskClient, world: World, make_user: Callable[..., User], role: Role
) -> None:
    auth = AuthActions(client)
    auth.logout()
    user = make_user(role)
    assert auth.login(user.email).status_code == 302
    token = csrf_from(client.get("/", follow_redirects=True).get_data(as_text=True))
    for url in (world.url, world.url + "?view=yaml", "/hr/jobs/new"):
        assert client.get(url).status_code == 403, url
        form = client.post(url, data={**flat(shipped()), "action": "save", "csrf_token": token})
        assert form.status_code == 403, url
        text = {"text": SHIPPED.read_text(encoding="utf-8"), "csrf_token": token}
        assert client.post(url, data=text).status_code == 403, url
    assert versions(app, world.job_id) == 1


def test_signed_out_and_unknown_jobs(client: FlaskClient, world: World) -> None:
    assert client.get("/hr/jobs/9999/profile").status_code == 404
    AuthActions(client).logout()
    response = client.get(world.url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_post_without_the_csrf_token_is_refused(
    app: Flask, client: FlaskClient, world: World
) -> None:
    data = shipped()
    data["title"] = "Forged"
    assert client.post(world.url, data={**flat(data), "action": "save"}).status_code == 400
    assert client.post(world.url, data={"text": "id: x", "action": "save"}).status_code == 400
    assert versions(app, world.job_id) == 1
