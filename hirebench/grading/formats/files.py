"""The files a grader ships with its notebook: data CSVs, helper modules and the like, which
the candidate's code and the grader's tests read from the working directory, read-only.

nbgrader keeps an assignment's data next to its notebook (`source/ps1/problem1.ipynb` with
`source/ps1/data/data.csv`) and releases the whole folder, so a grader on disk ships, by
default, every regular file under its notebook's folder. `metadata.hirebench.files` may name
one sub-folder instead, or be `false`. What is shipped is capped, and its bytes are part of
the grader's digest. The rules are documented in docs/grader-notebook.md.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from hirebench.grading.formats.common import GraderSpec, Problem

#: (relative POSIX path, bytes), sorted by path.
GraderFiles = tuple[tuple[str, bytes], ...]

MAX_TOTAL_BYTES = 20_000_000
MAX_FILES = 200
MAX_PATH_CHARS = 200
SETTING = "metadata.hirebench.files"
# Never data: editor and interpreter caches, which differ from machine to machine, and
# nbgrader's AUTOTEST templates, which configure the grader (formats/autotest.py reads them).
SKIPPED_NAMES = frozenset({"__pycache__", ".ipynb_checkpoints", "autotests.yml"})

# Names that mean the same to every shell, archive tool and file system the files may pass
# through on the way to the sandbox.
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
NAME_RULE = "letters, digits, '_', '-' and '.', not starting with '-' or '.'"
# A shipped file that holds a marker is grader source (a generator script, a .py copy of the
# notebook): the candidate could read the reference solution or the hidden tests in it.
_MARKER = re.compile(rb"^[ \t]*#+[ \t]*BEGIN[ \t]+(?:SOLUTION|HIDDEN TESTS)\b", re.MULTILINE)
_FOLDER_FIX = f"name a sub-folder in {SETTING}, or set it to false"


@dataclass(frozen=True)
class _Entry:
    path: str  # relative to the notebook's folder, POSIX
    full: Path
    size: int


def collect_files(
    notebook: Mapping[str, Any], folder: Path | None
) -> tuple[GraderFiles, list[Problem]]:
    """The files to ship for a grader notebook whose folder is `folder` (None for a notebook
    read from bytes: it ships nothing), and every problem with them. Files are returned only
    when there is no problem."""
    start, problems = _start(notebook, folder)
    if start is None or folder is None:
        return (), problems
    entries = _walk(folder, start, problems)
    if len(entries) > MAX_FILES:
        problems.append(
            Problem(
                f"the grader's folder has more than {MAX_FILES} files to ship; the limit is "
                f"{MAX_FILES} ({_FOLDER_FIX})"
            )
        )
        return (), problems
    total = sum(entry.size for entry in entries)
    if total > MAX_TOTAL_BYTES:
        problems.append(_too_big(entries))
        return (), problems
    files = _read(entries, problems)
    return (files, problems) if not problems else ((), problems)


def _start(notebook: Mapping[str, Any], folder: Path | None) -> tuple[Path | None, list[Problem]]:
    """The folder to walk (None to ship nothing), after checking the setting."""
    meta = notebook.get("metadata")
    settings = meta.get("hirebench") if isinstance(meta, Mapping) else None
    value = settings.get("files", True) if isinstance(settings, Mapping) else True
    if value is False:
        return None, []
    if value is True:
        return folder, []
    if not isinstance(value, str):
        kind = "null" if value is None else type(value).__name__
        return None, [Problem(f"{SETTING} must be a sub-folder (text), true or false, not {kind}")]
    pure = PurePosixPath(value)
    if (
        not value.strip()
        or "\\" in value
        or pure.is_absolute()
        or not all(_NAME.match(part) for part in pure.parts)
    ):
        return None, [
            Problem(
                f"{SETTING} {value!r} must name a sub-folder of the notebook's folder: a "
                f"relative path whose parts use {NAME_RULE} (no '..')"
            )
        ]
    if folder is None:
        return None, []
    current = folder
    for part in pure.parts:
        current = current / part
        try:
            mode = current.lstat().st_mode
        except OSError:
            mode = 0
        if stat.S_ISLNK(mode):
            return None, [Problem(f"{SETTING} {value!r} is a symbolic link; name a real folder")]
        if not stat.S_ISDIR(mode):
            return None, [Problem(f"{SETTING} {value!r} is not a folder next to the notebook")]
    return current, []


def _walk(folder: Path, start: Path, problems: list[Problem]) -> list[_Entry]:
    """Every file to ship under `start`, sorted by path. Stops once there are more than
    MAX_FILES, so a notebook saved in a huge folder is refused quickly."""
    entries: list[_Entry] = []
    _scan(folder, start, entries, problems)
    return sorted(entries, key=lambda entry: entry.path)


def _scan(folder: Path, directory: Path, entries: list[_Entry], problems: list[Problem]) -> None:
    # Depth first in name order, so problems are listed in the order the paths read.
    try:
        with os.scandir(directory) as scan:
            children = sorted(scan, key=lambda child: child.name)
    except OSError as exc:
        where = _relative(folder, directory) or "."
        problems.append(Problem(f"cannot read the folder {where!r}: {exc.strerror or exc}"))
        return
    for child in children:
        if len(entries) > MAX_FILES:
            return
        if _skipped(child):
            continue
        path = _relative(folder, Path(child.path))
        if child.is_symlink():
            problems.append(
                Problem(
                    f"grader file {path!r} is a symbolic link; links are never shipped "
                    f"(copy the file in instead)"
                )
            )
        elif child.is_dir(follow_symlinks=False):
            _scan(folder, Path(child.path), entries, problems)
        elif not child.is_file(follow_symlinks=False):
            problems.append(Problem(f"grader file {path!r} is not a regular file"))
        elif _path_ok(path, problems):
            size = child.stat(follow_symlinks=False).st_size
            entries.append(_Entry(path, Path(child.path), size))


def _skipped(child: os.DirEntry[str]) -> bool:
    name = child.name
    if name.startswith(".") or name in SKIPPED_NAMES:
        return True
    # The grader notebook itself, and any other notebook (nbgrader releases its own versions).
    return name.lower().endswith(".ipynb") and not child.is_dir(follow_symlinks=False)


def _relative(folder: Path, path: Path) -> str:
    return path.relative_to(folder).as_posix() if path != folder else ""


def _path_ok(path: str, problems: list[Problem]) -> bool:
    if len(path) > MAX_PATH_CHARS:
        problems.append(
            Problem(
                f"grader file path {path[:40]!r}… is {len(path)} characters; the limit is "
                f"{MAX_PATH_CHARS}"
            )
        )
        return False
    if not all(_NAME.match(part) for part in path.split("/")):
        problems.append(Problem(f"grader file {path!r}: names may use only {NAME_RULE}"))
        return False
    return True


def _too_big(entries: list[_Entry]) -> Problem:
    total = sum(entry.size for entry in entries)
    largest = max(entries, key=lambda entry: entry.size)
    return Problem(
        f"the grader's files total {total:,} bytes in {plural(len(entries), 'file')}; the limit is "
        f"{MAX_TOTAL_BYTES:,} bytes (largest: {largest.path!r}, {largest.size:,} bytes)"
    )


def _read(entries: list[_Entry], problems: list[Problem]) -> GraderFiles:
    files: list[tuple[str, bytes]] = []
    for entry in entries:
        data = _read_one(entry, problems)
        if data is None:
            continue
        marker = _MARKER.search(data)
        if marker is not None:
            line = data[: marker.start()].count(b"\n") + 1
            text = marker.group(0).decode("ascii", "replace").strip()
            problems.append(
                Problem(
                    f"grader file {entry.path!r} holds {text!r} (line {line}): candidates can "
                    f"read every shipped file, so solutions and hidden tests must stay out of "
                    f"them (move the file, or {_FOLDER_FIX})"
                )
            )
        files.append((entry.path, data))
    # A file may have grown since it was measured; the cap holds for what was read.
    if sum(len(data) for _, data in files) > MAX_TOTAL_BYTES:
        problems.append(_too_big([_Entry(path, Path(path), len(data)) for path, data in files]))
    return tuple(files)


def _read_one(entry: _Entry, problems: list[Problem]) -> bytes | None:
    try:
        # O_NOFOLLOW: a file swapped for a link after the walk is refused, not followed.
        fd = os.open(entry.full, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        problems.append(Problem(f"cannot read grader file {entry.path!r}: {exc.strerror}"))
        return None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            problems.append(Problem(f"grader file {entry.path!r} is not a regular file"))
            return None
        return handle.read(MAX_TOTAL_BYTES + 1)


# ---------------------------------------------------------------------------------------
# The files as part of a spec


def files_digest(notebook_digest: str, files: GraderFiles) -> str:
    """The grader's digest: the notebook's own SHA-256 when it ships nothing (so digests
    recorded before graders had files stay valid), else a SHA-256 over the notebook's digest
    and every file's path, length and bytes in path order."""
    if not files:
        return notebook_digest
    digest = hashlib.sha256(f"hirebench grader\0{notebook_digest}\0".encode())
    for path, data in files:
        digest.update(f"{path}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def attach_files(spec: GraderSpec, files: GraderFiles) -> GraderSpec:
    """`spec`, as load_grader made it from the notebook alone, with its files, which are
    sorted and folded into its digest."""
    if spec.files:
        raise ValueError("the grader has its files already")
    ordered = tuple(sorted(files))
    return replace(spec, files=ordered, digest=files_digest(spec.digest, ordered))


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def total_bytes(files: GraderFiles) -> int:
    return sum(len(data) for _, data in files)


def job_files(spec: GraderSpec) -> list[dict[str, str]]:
    """The files for the sandbox job's header message: `{"path", "data"}` with the bytes in
    base64, in path order."""
    return [
        {"path": path, "data": base64.b64encode(data).decode("ascii")} for path, data in spec.files
    ]
