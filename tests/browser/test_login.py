from __future__ import annotations

import pytest
from playwright.sync_api import expect

from hirebench.models import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("role", "path", "heading"),
    [(Role.hr, "/hr/", "Hiring"), (Role.candidate, "/exam/", "My applications")],
)
def test_user_logs_in_and_sees_role_home(live_server, page, make_user, role, path, heading) -> None:  # type: ignore[no-untyped-def]
    user = make_user(role, name="王芳")
    page.goto(live_server + "/hr/")
    assert page.url.startswith(live_server + "/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(live_server + path)
    assert page.locator("h1").first.inner_text() == heading
    assert "王芳" in page.locator(".who").inner_text()
    if role is Role.candidate:
        response = page.goto(live_server + "/hr/")
        assert response is not None and response.status == 403


def test_wrong_password_shows_error(live_server, page, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user(Role.hr)
    page.goto(live_server + "/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", "definitely wrong")
    page.click("#login-form button[type=submit]")
    assert page.locator(".error").inner_text() == "Wrong email or password."


def test_language_switch_without_inline_script(live_server, page) -> None:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(live_server + "/login")
    page.select_option("select[name=language]", "zh_Hans")
    # The form submits on change; wait for the new page rather than reading the old heading.
    expect(page.locator("h1").first).to_have_text("登录")
    assert not errors, errors  # a CSP violation would show up here
