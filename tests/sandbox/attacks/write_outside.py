# Write outside the work directory: the runner, the judge's directory, system paths, the root.
import os

wrote_outside = []
for path in ("/opt/hirebench/runner/judge.py", "/opt/hirebench/runner/hbvalues.py",
             "/judge/pwned", "/etc/pwned", "/usr/lib/python3/dist-packages/pwned.py", "/pwned",
             "/var/tmp/pwned", "/dev/shm/pwned"):
    try:
        with open(path, "a") as handle:
            handle.write("pwned")
        wrote_outside.append(path)
    except OSError:
        pass
try:
    os.symlink("/opt/hirebench/runner/judge.py", "/work/link")
    with open("/work/link", "a") as handle:
        handle.write("pwned")
    wrote_outside.append("/work/link")
except OSError:
    pass


def add(a, b):
    return 0
