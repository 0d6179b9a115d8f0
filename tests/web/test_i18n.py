from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from hirebench.models import Role
from hirebench.paths import PROJECT_ROOT
from tests.conftest import csrf_from

CATALOG = PROJECT_ROOT / "hirebench" / "translations" / "zh_Hans" / "LC_MESSAGES" / "messages.po"
BABEL_CFG = PROJECT_ROOT / "hirebench" / "translations" / "babel.cfg"


def test_browser_language_picks_chinese(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    html = page.get_data(as_text=True)
    assert '<html lang="zh-Hans">' in html
    assert "登录" in html and "保持登录" in html


def test_the_log_in_first_message_speaks_the_browsers_language(client) -> None:  # type: ignore[no-untyped-def]
    zh = {"Accept-Language": "zh-CN,zh;q=0.9"}
    page = client.get("/hr/", headers=zh, follow_redirects=True).get_data(as_text=True)
    assert "请先登录，再访问此页面。" in page and "Please log in" not in page
    page = client.get("/hr/", headers={"Accept-Language": "en"}, follow_redirects=True)
    assert "Please log in to access this page." in page.get_data(as_text=True)


def test_english_by_default(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/login", headers={"Accept-Language": "fr-FR"}).get_data(as_text=True)
    assert '<html lang="en">' in html and "Keep me signed in" in html


def test_user_choice_beats_browser_and_is_remembered(app, client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user(Role.hr)
    auth.login(user.email)
    token = csrf_from(client.get("/hr/").get_data(as_text=True))
    client.post("/language", data={"language": "zh_Hans", "csrf_token": token, "next": "/hr/"})
    html = client.get("/hr/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "邀请候选人" in html
    # The choice is stored on the account, so it follows the user to a new browser.
    other = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(other).login(user.email)
    assert "邀请候选人" in other.get("/hr/", headers={"Accept-Language": "en"}).get_data(True)


def test_chinese_user_text_round_trips(app, client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.admin, email="root@example.com", name="王芳")
    auth.login("root@example.com")
    assert "王芳" in client.get("/admin/").get_data(as_text=True)


def test_role_labels_are_words_in_the_readers_language(client, auth, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.admin, email="root@example.com", name="王芳")
    make_user(Role.interviewer, email="ivan@example.com", name="Ivan")
    auth.login("root@example.com")
    html = client.get("/admin/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    who = re.search(r'<span class="who">(.*?)</span>', html)
    assert who and who.group(1) == "王芳 · 管理员"
    assert '<td class="status">面试官</td>' in html  # the accounts list
    assert ">interviewer</td>" not in html
    assert '<option value="business">用人部门</option>' in html  # the new-account form
    english = client.get("/admin/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<span class="who">王芳 · Administrator</span>' in english


def test_error_pages_are_translated(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/missing", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "页面不存在" in html


def _source_messages() -> set[str]:
    method_map = []
    for line in BABEL_CFG.read_text().splitlines():
        if line.startswith("["):
            method, pattern = line.strip("[]").split(":", 1)
            method_map.append((pattern.strip(), method.strip()))
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT),
        method_map=method_map,
        keywords={"_": None, "_l": None, "gettext": None, "lazy_gettext": None},
    ):
        if isinstance(message, tuple):
            message = message[0]
        ids.add(message)
    return ids


def test_every_ui_string_has_a_chinese_translation() -> None:
    with Path(CATALOG).open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    missing = _source_messages() - translated
    assert not missing, f"run `make i18n` and translate: {sorted(missing)}"
