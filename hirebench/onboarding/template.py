"""Onboarding checklist templates: the guide to day one (address, arrival time, materials,
contact) and the tasks, authored as YAML (docs/onboarding.md).

A job's profile chooses its checklist under `onboarding:`: `{template: <name>}` names a shared
template file (the instance folder's `onboarding/<name>.yaml`, else the one shipped in this
package), an inline `{guide: ..., tasks: [...]}` is the checklist itself, and no key means the
template named `default`. Problems are collected like every authored format's: each names the
file, the YAML key path and a fix, and nothing is returned unless the whole template is valid."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context

from hirebench.authoring import (
    AuthoredFormat,
    AuthoringError,
    Checker,
    Problem,
    describe,
    join,
)
from hirebench.models.onboarding import TASK_OWNERS, UPLOAD_MODES

DOCS = "docs/onboarding.md"
DEFAULT_TEMPLATE = "default"
LANGUAGES = ("zh", "en")
COLLECTS = ("personal",)
# A checklist spans the weeks around a start date; a year either way is a typo (70 for 7).
MAX_DUE_DAYS = 365
MAX_TASKS = 100
MAX_MATERIALS = 30
TITLE_MAX_CHARS = 300  # models.onboarding.OnboardingTask.title is String(300)
GUIDE_MAX_CHARS = 500
TEMPLATE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
TEMPLATE_NAME_RULE = "1-64 lowercase letters, digits, '-' or '_', starting with a letter or digit"
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
TOP_KEYS = ("guide", "tasks")
GUIDE_KEYS = ("address", "arrive_at")
GUIDE_OPTIONAL = ("materials", "contact")
TASK_KEYS = ("key", "title", "owner", "due_day")
TASK_OPTIONAL = ("blocks_day_one", "upload", "collects")

Text = dict[str, str]  # {"zh": ..., "en": ...}: at least one of them


class ChecklistError(AuthoringError):
    """The checklist template cannot be used. `problems` holds every problem found."""

    what = "onboarding checklist"


@dataclass(frozen=True)
class TaskTemplate:
    key: str
    title: Text
    owner: str  # one of TASK_OWNERS
    due_day: int  # days from the start date; negative is before it
    blocks_day_one: bool = False
    upload: str = "none"  # one of UPLOAD_MODES
    collects: str = ""  # "" or "personal"


@dataclass(frozen=True)
class Checklist:
    guide: dict[str, Any]  # address, arrive_at, materials, contact: stored on the Onboarding
    tasks: tuple[TaskTemplate, ...]


def pick(text: Mapping[str, str] | None, locale: str) -> str:
    """A zh/en text in the reader's language, or the other one when it has only that."""
    if not text:
        return ""
    first, second = ("en", "zh") if str(locale).startswith("en") else ("zh", "en")
    return text.get(first) or text.get(second) or ""


# ------------------------------------------------------------------------------ reading


def _checklist(checker: Checker, block: Mapping[str, Any]) -> Checklist | None:
    checker.keys(block, "", TOP_KEYS)
    guide = _guide(checker, block)
    tasks = _tasks(checker, block)
    if checker.problems or guide is None or tasks is None:
        return None
    return Checklist(guide=guide, tasks=tasks)


def check_inline(checker: Checker, value: Any, path: str) -> None:
    """Check a job profile's `onboarding:` value where it stands (`path` is its key path):
    a template reference whose file exists, or a whole inline checklist."""
    block = checker.mapping(value, path, "'onboarding'")
    if block is None:
        return
    if "template" in block:
        checker.keys(block, path, ("template",))
        name = block["template"]
        where = join(path, "template")
        if not isinstance(name, str) or not TEMPLATE_NAME.match(name):
            checker.add(
                where, f"{describe(name)} is not a template name", f"use {TEMPLATE_NAME_RULE}"
            )
        elif template_source(name) is None:
            known = ", ".join(template_names()) or DEFAULT_TEMPLATE
            checker.add(
                where,
                f"there is no onboarding template named '{name}'",
                f"use one of {known}, or add onboarding/{name}.yaml to the instance folder",
            )
        return
    # Problems in an inline checklist are reported under the profile's key path.
    inner = Checker(file=checker.file)
    _checklist(inner, block)
    for problem in inner.problems:
        where = join(path, problem.key_path) if problem.key_path else path
        checker.add(where, problem.message, problem.fix)


def _text(checker: Checker, value: Any, path: str, what: str, max_chars: int) -> Text | None:
    """Text in one language, or a mapping of `zh` and/or `en` to text."""
    if isinstance(value, str):
        if not value.strip() or len(value) > max_chars:
            checker.add(
                path,
                f"{what} must be non-empty text of at most {max_chars} characters, not "
                f"{describe(value)}",
                f'write {what} in quotes: "..."',
            )
            return None
        return {"zh": value, "en": ""} if _has_cjk(value) else {"zh": "", "en": value}
    if isinstance(value, dict):
        checker.keys(value, path, (), LANGUAGES)
        texts = {
            language: checker.text(value, language, path, required=False, max_chars=max_chars)
            for language in LANGUAGES
        }
        if not any(texts.values()):
            checker.add(path, f"{what} has no text", "write `zh: ...`, `en: ...`, or both")
            return None
        if any(texts[language] is None for language in LANGUAGES):
            return None
        return {language: (texts[language] or "").strip() for language in LANGUAGES}
    checker.add(
        path,
        f"{what} must be text or a mapping of zh/en to text, not {describe(value)}",
        f'write {what}: "..." or give `zh:` and `en:` under it',
    )
    return None


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def _guide(checker: Checker, block: Mapping[str, Any]) -> dict[str, Any] | None:
    if "guide" not in block:
        return None  # reported by keys()
    raw = checker.mapping(block["guide"], "guide", "'guide'")
    if raw is None:
        return None
    checker.keys(raw, "guide", GUIDE_KEYS, GUIDE_OPTIONAL)
    address = (
        _text(checker, raw["address"], "guide.address", "the address", GUIDE_MAX_CHARS)
        if "address" in raw
        else None
    )
    arrive_at = _arrive_at(checker, raw)
    materials = _materials(checker, raw)
    contact = _contact(checker, raw)
    if address is None or arrive_at is None or materials is None or contact is None:
        return None
    return {"address": address, "arrive_at": arrive_at, "materials": materials, "contact": contact}


def _arrive_at(checker: Checker, raw: Mapping[str, Any]) -> str | None:
    if "arrive_at" not in raw:
        return None
    value = raw["arrive_at"]
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 09:00 as the sexagesimal number 540.
        checker.add(
            "guide.arrive_at",
            f"arrive_at {value} was read as a number",
            'put the time in quotes: arrive_at: "09:00"',
        )
        return None
    if not isinstance(value, str) or not _TIME.match(value.strip()):
        checker.add(
            "guide.arrive_at",
            f"arrive_at must be a time HH:MM (24-hour), not {describe(value)}",
            'write it like arrive_at: "09:00"',
        )
        return None
    return value.strip()


def _materials(checker: Checker, raw: Mapping[str, Any]) -> list[Text] | None:
    items = checker.items(
        raw,
        "materials",
        "guide",
        min_items=0,
        max_items=(MAX_MATERIALS, "materials", "keep what a new hire must really bring"),
    )
    if items is None:
        return None if "materials" in raw else []
    texts = [
        _text(checker, item, join("guide.materials", index), "a material", GUIDE_MAX_CHARS)
        for index, item in enumerate(items)
    ]
    return None if any(text is None for text in texts) else [t for t in texts if t is not None]


def _contact(checker: Checker, raw: Mapping[str, Any]) -> dict[str, str] | None:
    if "contact" not in raw:
        return {"name": "", "phone": "", "email": ""}
    block = checker.mapping(raw["contact"], "guide.contact", "'contact'")
    if block is None:
        return None
    checker.keys(block, "guide.contact", ("name",), ("phone", "email"))
    fields = {
        key: checker.text(
            block, key, "guide.contact", required=key == "name", max_chars=GUIDE_MAX_CHARS
        )
        for key in ("name", "phone", "email")
    }
    email = fields["email"]
    if email and "@" not in email:
        checker.add(
            "guide.contact.email", f"{email!r} is not an email address", "write name@domain"
        )
        return None
    if any(value is None for value in fields.values()):
        return None
    return {key: (value or "").strip() for key, value in fields.items()}


def _tasks(checker: Checker, block: Mapping[str, Any]) -> tuple[TaskTemplate, ...] | None:
    raw = checker.items(block, "tasks", "", max_items=(MAX_TASKS, "tasks", "merge related tasks"))
    if raw is None:
        return None
    tasks: list[TaskTemplate] = []
    seen: dict[str, str] = {}
    collecting: list[str] = []
    for index, item in enumerate(raw):
        path = join("tasks", index)
        entry = checker.mapping(item, path, "a task")
        if entry is None:
            continue
        task = _task(checker, entry, path, seen)
        if task is not None and task.collects:
            collecting.append(path)
        if task is not None:
            tasks.append(task)
    if len(collecting) > 1:
        checker.add(
            collecting[1],
            f"a second task collects personal details (the first is {collecting[0]})",
            "let one task collect them: remove `collects: personal` from the others",
        )
    return tuple(tasks)


def _task(
    checker: Checker, entry: Mapping[str, Any], path: str, seen: dict[str, str]
) -> TaskTemplate | None:
    before = len(checker.problems)
    checker.keys(entry, path, TASK_KEYS, TASK_OPTIONAL)
    key = checker.unique_ident(entry, "key", path, seen, "task key", "give each task its own key")
    title = (
        _text(checker, entry["title"], join(path, "title"), "the title", TITLE_MAX_CHARS)
        if "title" in entry
        else None
    )
    owner = checker.choice(entry, "owner", path, TASK_OWNERS)
    due_day = checker.number(
        entry, "due_day", path, minimum=-MAX_DUE_DAYS, maximum=MAX_DUE_DAYS, integer=True
    )
    blocks = checker.boolean(entry, "blocks_day_one", path, False)
    upload = checker.choice(entry, "upload", path, UPLOAD_MODES, "none")
    collects = checker.choice(entry, "collects", path, COLLECTS, "")
    if collects and owner is not None and owner != "new_hire":
        checker.add(
            join(path, "collects"),
            f"only the new hire enters personal details, but the owner is '{owner}'",
            "make the owner new_hire, or remove `collects`",
        )
    if len(checker.problems) > before:
        return None
    assert key is not None and title is not None and owner is not None and due_day is not None
    return TaskTemplate(key, title, owner, int(due_day), blocks, upload or "none", collects or "")


# A shared template's name is its file name; it has no id inside it.
CHECKLIST_FILE = AuthoredFormat(DOCS, _checklist, ChecklistError, id_is_file_name=False)
parse_checklist_text = CHECKLIST_FILE.parse_text
load_checklist_file = CHECKLIST_FILE.load_file
validate_checklist_text = CHECKLIST_FILE.validate_text


def checklist_from_data(data: Any, source: str) -> Checklist:
    """A checklist from already-parsed YAML (a profile's inline `onboarding:`), or
    ChecklistError with every problem."""
    checker = Checker(file=source)
    block = checker.mapping(data, "", source)
    result = _checklist(checker, block) if block is not None else None
    if result is None:
        raise ChecklistError(checker.problems)
    return result


# ------------------------------------------------------------------------------ finding


def _instance_dir() -> Path | None:
    return Path(current_app.instance_path) / "onboarding" if has_app_context() else None


def template_source(name: str) -> Path | None:
    """The file of the shared template `name`: the instance folder's, which may replace a
    shipped one, else the package's; None when neither exists."""
    if not TEMPLATE_NAME.match(name):
        return None
    folder = _instance_dir()
    if folder is not None and (folder / f"{name}.yaml").is_file():
        return folder / f"{name}.yaml"
    shipped = resources.files("hirebench.onboarding").joinpath("templates", f"{name}.yaml")
    return Path(str(shipped)) if shipped.is_file() else None


def template_names() -> list[str]:
    names = {
        entry.name.removesuffix(".yaml")
        for entry in resources.files("hirebench.onboarding").joinpath("templates").iterdir()
        if entry.name.endswith(".yaml")
    }
    folder = _instance_dir()
    if folder is not None and folder.is_dir():
        names |= {path.stem for path in folder.glob("*.yaml") if TEMPLATE_NAME.match(path.stem)}
    return sorted(names)


def load_template(name: str) -> Checklist:
    """The shared template `name`, or ChecklistError."""
    path = template_source(name)
    if path is None:
        raise ChecklistError([_missing(name)])
    return load_checklist_file(path)


def _missing(name: str) -> Problem:
    return Problem(
        f"{name}.yaml", "", f"there is no onboarding template named '{name}'", "add the file"
    )


def checklist_for(onboarding_key: Mapping[str, Any] | None) -> Checklist:
    """The checklist a job profile's `onboarding:` value selects (None: the default
    template), or ChecklistError."""
    if onboarding_key is None:
        return load_template(DEFAULT_TEMPLATE)
    if "template" in onboarding_key:
        return load_template(str(onboarding_key["template"]))
    return checklist_from_data(dict(onboarding_key), "job profile onboarding")
