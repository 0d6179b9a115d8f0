"""Starts the candidate's IPython kernel inside the sandbox, as the `candidate` user.

The common libraries are imported before the kernel starts, so a warm sandbox answers a
submission's `import pandas` from memory. The kernel's connection details come from the host
in HB_CONNECTION; the judge gets the same details through its own environment."""

import gc
import json
import os
import sys
import types

RUNNER_DIR = os.path.dirname(os.path.abspath(__file__))
STATE_DIR = "/work/.hb"


def _prefer_to_die_first() -> None:
    # If the container runs out of memory, the kernel (candidate code) should be killed, not
    # the judge; raising one's own OOM score needs no privilege.
    try:
        with open("/proc/self/oom_score_adj", "w") as handle:
            handle.write("1000")
    except OSError:
        pass


def _no_terminal(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("IPython's terminal is not available in the grading sandbox")


def main() -> None:
    # The imports below only create objects that live as long as the kernel: collecting
    # during them is wasted work (about a tenth of their CPU). They are frozen out of every
    # later collection, and collection is back on before any candidate code runs.
    gc.disable()
    _prefer_to_die_first()
    connection = json.loads(os.environ["HB_CONNECTION"])
    os.makedirs(STATE_DIR, mode=0o700, exist_ok=True)
    connection_file = os.path.join(STATE_DIR, "kernel.json")
    fd = os.open(connection_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(connection, handle)

    # The debugger (debugpy) and jedi completion serve interactive use, not grading, and their
    # imports are a large share of kernel start-up; blocking them makes ipykernel skip both.
    sys.modules["debugpy"] = None  # type: ignore[assignment]
    sys.modules["jedi"] = None  # type: ignore[assignment]
    # IPython's package imports its terminal front end (prompt_toolkit and the terminal shell),
    # which a kernel never uses: a stand-in module saves a tenth of the kernel's start-up.
    terminal_embed = types.ModuleType("IPython.terminal.embed")
    terminal_embed.embed = _no_terminal  # type: ignore[attr-defined]
    sys.modules["IPython.terminal.embed"] = terminal_embed

    import numpy  # noqa: F401
    import pandas  # noqa: F401

    sys.path.insert(0, RUNNER_DIR)
    import hbrefs  # noqa: F401
    from ipykernel.kernelapp import IPKernelApp

    gc.freeze()
    gc.enable()
    IPKernelApp.launch_instance(
        argv=[
            "-f",
            connection_file,
            "--HistoryManager.enabled=False",
            "--IPKernelApp.quiet=True",
        ]
    )


if __name__ == "__main__":
    main()
