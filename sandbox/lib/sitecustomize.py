"""Runs at the start of every Python process in the sandbox image, whose PYTHONPATH holds
this directory (Debian's own sitecustomize, which it shadows, only hooks in apport, which
the image does not have).

It gives an empty MPLCONFIGDIR the font list that was built when the image was. The kernel's
and the judge's config directories live on tmpfs mounts that start empty in every sandbox,
and without a list matplotlib scans its fonts on the first `import matplotlib.pyplot`, about
a quarter of a second. The list names the image's own font files, the same in every
container, so a copy is as good as a rebuild.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

PREBUILT_DIR = "/opt/hirebench/mpl-cache"


def seed_matplotlib_cache(
    prebuilt_dir: str = PREBUILT_DIR, environ: Mapping[str, str] = os.environ
) -> None:
    target = environ.get("MPLCONFIGDIR")
    if not target:
        return
    try:
        names = [n for n in os.listdir(prebuilt_dir) if n.startswith("fontlist-")]
        for name in names:
            dest = os.path.join(target, name)
            if os.path.exists(dest):
                continue
            os.makedirs(target, mode=0o700, exist_ok=True)
            with open(os.path.join(prebuilt_dir, name), "rb") as source:
                data = source.read()
            # Written aside and renamed, so a process that reads it concurrently sees the
            # whole list or none.
            partial = f"{dest}.{os.getpid()}.tmp"
            with open(partial, "wb") as out:
                out.write(data)
            os.replace(partial, dest)
    except OSError:
        pass  # matplotlib then builds the list itself, as it would without this


seed_matplotlib_cache()
