"""The sandbox image's library set (hirebench/sandbox/libraries.json) and what backs it:
the nose.tools shim and the font-list seeding in sandbox/lib/, both run here on the host, and
the real image, in which every library of the set must import at its listed version.
"""

from __future__ import annotations

import importlib
import importlib.resources
import importlib.util
import json
import re
import sys
import time
import unittest
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import docker
import docker.errors
import pytest

from hirebench.grading.formats.libraries import library_sets
from hirebench.sandbox.image import LIBRARIES_FILE, SANDBOX_DIR, build_image, current_image_tag
from tests.conftest import require_service

LIB_DIR = SANDBOX_DIR / "lib"
RAW = json.loads(LIBRARIES_FILE.read_text())
CURRENT = library_sets().get()


@pytest.fixture(scope="module")
def nose() -> Iterator[ModuleType]:
    """sandbox/lib's nose, imported as the image imports it, then forgotten again."""
    sys.path.insert(0, str(LIB_DIR))
    try:
        yield importlib.import_module("nose")
    finally:
        sys.path.remove(str(LIB_DIR))
        for name in [n for n in sys.modules if n == "nose" or n.startswith("nose.")]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def tools(nose: ModuleType) -> ModuleType:
    return importlib.import_module("nose.tools")


# --- the nose.tools shim -------------------------------------------------------------


def test_every_unittest_assert_has_a_nose_name(tools: ModuleType) -> None:
    camel = [n for n in dir(unittest.TestCase) if n.startswith("assert") and "_" not in n]
    snake = {re.sub("[A-Z]", lambda m: "_" + m.group().lower(), n) for n in camel}
    assert snake <= set(tools.__all__)
    for name in (
        "assert_equal",
        "assert_not_equal",
        "assert_true",
        "assert_false",
        "assert_is",
        "assert_is_none",
        "assert_in",
        "assert_raises",
        "assert_almost_equal",
        "assert_greater",
        "assert_less",
        "assert_is_instance",
        "assert_dict_equal",
        "assert_list_equal",
        "ok_",
        "eq_",
        "raises",
        "with_setup",
        "istest",
        "nottest",
        "timed",
    ):
        assert callable(getattr(tools, name)), name
    assert all(hasattr(tools, name) for name in tools.__all__)


def test_asserts_pass_and_fail_with_unittests_messages(tools: ModuleType) -> None:
    tools.assert_equal([1, 2], [1, 2])
    tools.assert_true(1)
    tools.assert_false([])
    tools.assert_in("a", "abc")
    tools.assert_is_none(None)
    tools.assert_is_instance(1.5, float)
    tools.assert_almost_equal(0.1 + 0.2, 0.3)
    tools.assert_greater(2, 1)
    tools.assert_dict_equal({"a": 1}, {"a": 1})
    with pytest.raises(AssertionError, match=r"^1 != 2$"):
        tools.assert_equal(1, 2)
    with pytest.raises(AssertionError, match="3 not less than 2"):
        tools.assert_less(3, 2)
    with pytest.raises(AssertionError, match=r"0\.5 != 0\.6 within 7 places"):
        tools.assert_almost_equal(0.5, 0.6)
    with pytest.raises(AssertionError, match="custom"):
        tools.assert_true(0, "custom")


def test_assert_raises_as_call_and_as_context_manager(tools: ModuleType) -> None:
    tools.assert_raises(ZeroDivisionError, lambda x: 1 / x, 0)
    with tools.assert_raises(KeyError) as caught:
        {"present": 1}["missing"]
    assert caught.exception.args == ("missing",)
    with (
        pytest.raises(AssertionError, match="ValueError not raised"),
        tools.assert_raises(ValueError),
    ):
        pass
    with tools.assert_raises_regex(ValueError, "bad .* value"):
        raise ValueError("bad input value")


def test_old_spellings_work_without_deprecation_warnings(tools: ModuleType) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tools.assert_equals(1, 1)
        tools.assert_not_equals(1, 2)
        tools.assert_almost_equals(1.0, 1.0 + 1e-9)
        tools.assert_items_equal([3, 1, 2], [1, 2, 3])
        tools.assert_regexp_matches("abc", "b")
        tools.assert_raises_regexp(KeyError, "k", {}.__getitem__, "k")
    with pytest.raises(AssertionError):
        tools.assert_items_equal([1, 1], [1])


def test_dict_contains_subset(tools: ModuleType) -> None:
    tools.assert_dict_contains_subset({"a": 1}, {"a": 1, "b": 2})
    with pytest.raises(AssertionError, match=r"Missing: 'c'"):
        tools.assert_dict_contains_subset({"c": 1}, {"a": 1})
    with pytest.raises(AssertionError, match=r"Value of 'a': expected 2, got 1"):
        tools.assert_dict_contains_subset({"a": 2}, {"a": 1})


def test_ok_and_eq(tools: ModuleType) -> None:
    tools.ok_(True)
    tools.eq_("x", "x")
    with pytest.raises(AssertionError) as failed:
        tools.ok_(0)
    assert failed.value.args == (None,)
    with pytest.raises(AssertionError, match=r"^\[1\] != \(1,\)$"):
        tools.eq_([1], (1,))
    with pytest.raises(AssertionError, match=r"^wrong total$"):
        tools.eq_(1, 2, "wrong total")


def test_raises_decorator(tools: ModuleType) -> None:
    @tools.raises(TypeError, ValueError)
    def raises_value_error() -> None:
        """Docs kept."""
        raise ValueError

    @tools.raises(TypeError)
    def returns_quietly() -> None:
        pass

    @tools.raises(TypeError)
    def raises_other() -> None:
        raise KeyError("other")

    raises_value_error()
    assert raises_value_error.__name__ == "raises_value_error"
    assert raises_value_error.__doc__ == "Docs kept."
    with pytest.raises(AssertionError, match=r"^returns_quietly\(\) did not raise TypeError$"):
        returns_quietly()
    with pytest.raises(KeyError):
        raises_other()


def test_timed(tools: ModuleType) -> None:
    @tools.timed(5)
    def quick(x: int) -> int:
        return x * 2

    @tools.timed(0.01)
    def slow() -> None:
        time.sleep(0.05)

    assert quick(4) == 8
    with pytest.raises(tools.TimeExpired, match=r"Time limit \(0.01\) exceeded"):
        slow()
    assert issubclass(tools.TimeExpired, AssertionError)


def test_with_setup_attaches_and_nests_like_nose(tools: ModuleType) -> None:
    calls: list[str] = []

    def step(name: str) -> Any:
        return lambda: calls.append(name)

    @tools.with_setup(step("outer setup"), step("outer teardown"))
    @tools.with_setup(step("inner setup"), step("inner teardown"))
    def test() -> None:
        calls.append("test")

    test()  # called directly, as in a notebook: no setup, as with nose
    assert calls == ["test"]
    test.setup()
    test.teardown()
    assert calls == ["test", "outer setup", "inner setup", "inner teardown", "outer teardown"]


def test_istest_nottest_and_package_names(nose: ModuleType, tools: ModuleType) -> None:
    def helper() -> None:
        pass

    assert tools.istest(helper) is helper and helper.__test__ is True
    assert tools.nottest(helper).__test__ is False
    assert nose.with_setup is tools.with_setup
    assert issubclass(nose.SkipTest, Exception)
    namespace: dict[str, Any] = {}
    exec("from nose.tools import *", namespace)  # noqa: S102 (a notebook's own line)
    assert {"assert_equal", "eq_", "raises"} <= set(namespace)


def test_shim_version_is_the_one_the_set_lists(nose: ModuleType) -> None:
    (listed,) = [lib.version for lib in CURRENT.libraries if lib.name == "nose"]
    assert nose.__version__ == listed


# --- the font-list seeding ------------------------------------------------------------


@pytest.fixture
def seeding() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hb_sitecustomize", LIB_DIR / "sitecustomize.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # its own call finds no /opt/hirebench here and does nothing
    return module


def test_seeding_copies_the_prebuilt_font_list_once(seeding: ModuleType, tmp_path: Path) -> None:
    prebuilt = tmp_path / "prebuilt"
    prebuilt.mkdir()
    (prebuilt / "fontlist-v330.json").write_text('{"built": "image"}')
    target = tmp_path / "work" / ".mpl"
    seeding.seed_matplotlib_cache(str(prebuilt), {"MPLCONFIGDIR": str(target)})
    assert (target / "fontlist-v330.json").read_text() == '{"built": "image"}'
    assert sorted(p.name for p in target.iterdir()) == ["fontlist-v330.json"]

    # A list matplotlib wrote since is the user's and stays.
    (target / "fontlist-v330.json").write_text('{"built": "here"}')
    seeding.seed_matplotlib_cache(str(prebuilt), {"MPLCONFIGDIR": str(target)})
    assert (target / "fontlist-v330.json").read_text() == '{"built": "here"}'


def test_seeding_never_fails_the_interpreter(seeding: ModuleType, tmp_path: Path) -> None:
    prebuilt = tmp_path / "prebuilt"
    prebuilt.mkdir()
    (prebuilt / "fontlist-v330.json").write_text("{}")
    seeding.seed_matplotlib_cache(str(prebuilt), {})  # no MPLCONFIGDIR: nothing to seed
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    seeding.seed_matplotlib_cache(str(prebuilt), {"MPLCONFIGDIR": str(blocked / "mpl")})
    seeding.seed_matplotlib_cache(str(tmp_path / "absent"), {"MPLCONFIGDIR": str(tmp_path)})


# --- the set and the build files agree --------------------------------------------------


def test_current_set_names_the_promised_libraries() -> None:
    assert library_sets().current == RAW["current"]
    versions = {lib.name: lib.version for lib in CURRENT.libraries}
    for name in ("numpy", "pandas", "scipy", "scikit-learn", "matplotlib", "nose"):
        assert name in versions
    assert "sklearn" in CURRENT.modules
    assert CURRENT.python == "3.11"


def test_older_sets_are_subsets_of_the_current_one() -> None:
    """A grader naming an older set still runs only if the image has all of it, unchanged."""
    current = {(lib.name, lib.version) for lib in CURRENT.libraries}
    for library_set in library_sets().sets.values():
        assert {(lib.name, lib.version) for lib in library_set.libraries} <= current
        assert library_set.stdlib_missing >= CURRENT.stdlib_missing


def test_dockerfile_pins_and_offline_packages_match_the_set() -> None:
    dockerfile = (SANDBOX_DIR / "Dockerfile").read_text()
    builder = (SANDBOX_DIR / "build_offline.sh").read_text()
    packages = re.search(r'^PACKAGES="([^"]*)"', builder, re.MULTILINE)
    assert packages is not None
    for lib in RAW["sets"][RAW["current"]]["libraries"]:
        if "pip" in lib:
            assert f"{lib['pip']}=={lib['version']}" in dockerfile, lib["name"]
        if "shim" in lib:
            assert (SANDBOX_DIR.parent / lib["shim"]).is_dir(), lib["name"]
    assert "python3-matplotlib" in packages.group(1).split()


def test_packaged_file_is_the_one_the_image_copies() -> None:
    resource = importlib.resources.files("hirebench.sandbox") / "libraries.json"
    assert Path(str(resource)) == LIBRARIES_FILE


# --- the real image ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def image() -> Iterator[str]:
    try:
        engine = docker.from_env()
        engine.ping()
    except docker.errors.DockerException as exc:
        require_service("Docker", f"no engine reachable: {exc}")
    build_image()
    yield current_image_tag()
    engine.close()


def run_in(
    image: str, code: str, *, user: str = "candidate", env: dict[str, str] | None = None
) -> Any:
    """Runs `code` in a fresh container under the run-time flags; returns its JSON line and
    stderr."""
    client = docker.from_env()
    home = "/work" if user == "candidate" else "/judge"
    uid = 10002 if user == "candidate" else 10001
    container = client.containers.run(
        image,
        ["python3", "-c", code],
        user=f"{uid}:{uid}",
        environment={"MPLCONFIGDIR": f"{home}/.mpl", "HOME": home, **(env or {})},
        network_mode="none",
        read_only=True,
        cap_drop=["ALL"],
        security_opt=["no-new-privileges"],
        tmpfs={home: f"rw,nosuid,nodev,size=64m,uid={uid},gid={uid},mode=0700"},
        working_dir=home,
        detach=True,
    )
    try:
        status = container.wait(timeout=120)
        out = container.logs(stdout=True, stderr=False).decode()
        err = container.logs(stdout=False, stderr=True).decode()
    finally:
        container.remove(force=True)
        client.close()
    assert status["StatusCode"] == 0, err
    return json.loads(out.strip().splitlines()[-1]), err


VERSIONS_SCRIPT = """
import importlib, json, sys
libraries = json.load(open("/opt/hirebench/libraries.json"))
chosen = libraries["sets"][libraries["current"]]
found = {"python": "%d.%d" % sys.version_info[:2], "libraries": {}}
for lib in chosen["libraries"]:
    modules = [importlib.import_module(name) for name in lib["modules"]]
    found["libraries"][lib["name"]] = getattr(modules[0], "__version__", None)
print(json.dumps(found))
"""


@pytest.mark.docker
def test_every_library_imports_at_its_listed_version(image: str) -> None:
    found, _ = run_in(image, VERSIONS_SCRIPT)
    assert found["python"] == CURRENT.python
    assert found["libraries"] == {lib.name: lib.version for lib in CURRENT.libraries}


STDLIB_SCRIPT = """
import contextlib, importlib, io, json, sys, warnings
warnings.simplefilter("ignore")
failed = []
for name in sorted(sys.stdlib_module_names):
    if name.startswith("_") or name in ("antigravity", "this"):  # these two act on import
        continue
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            importlib.import_module(name)
    except Exception:
        failed.append(name)
print(json.dumps(failed))
"""


@pytest.mark.docker
def test_stdlib_is_there_except_the_parts_the_set_says_are_missing(image: str) -> None:
    failed, _ = run_in(image, STDLIB_SCRIPT)
    assert set(failed) == CURRENT.stdlib_missing


PLOT_SCRIPT = """
import json, os, time
started = time.perf_counter()
import matplotlib.pyplot as plt
seconds = time.perf_counter() - started
fig, ax = plt.subplots()
ax.plot([0, 1, 2], [0, 1, 4], label="$x^2$")
ax.legend()
plt.show()
fig.savefig("plot.png")
fig.savefig("plot.pdf")
print(json.dumps({
    "backend": plt.get_backend(), "display": os.environ.get("DISPLAY"),
    "png": os.path.getsize("plot.png"), "pdf": os.path.getsize("plot.pdf"),
    "cache": sorted(os.listdir(os.environ["MPLCONFIGDIR"])), "seconds": seconds,
}))
"""


@pytest.mark.docker
@pytest.mark.parametrize("user", ["candidate", "judge"])
def test_matplotlib_draws_headless_with_the_prebuilt_font_list(image: str, user: str) -> None:
    found, err = run_in(image, PLOT_SCRIPT, user=user)
    assert found["backend"] == "agg"
    assert found["display"] is None
    assert found["png"] > 1000 and found["pdf"] > 1000
    assert found["cache"] == ["fontlist-v330.json"]
    # matplotlib says so on stderr when it scans fonts; plt.show() under Agg stays silent.
    assert err == ""
    assert found["seconds"] < 5


@pytest.mark.docker
def test_nose_tools_import_for_both_users(image: str) -> None:
    code = (
        "import json; from nose.tools import assert_equal, assert_raises, ok_; "
        "assert_equal(1, 1); print(json.dumps(assert_equal.__module__))"
    )
    for user in ("candidate", "judge"):
        module, err = run_in(image, code, user=user)
        assert module == "unittest.case" and err == ""
