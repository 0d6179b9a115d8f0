#!/usr/bin/env bash
# A throwaway Python environment with nbgrader, for the compatibility test that grades the
# corpus with nbgrader itself (tests/grading/test_nbgrader_compat.py, issue 13). It lives in a
# cache folder named by a hash of the pinned requirements and the Python version, so it is
# built once per change of pins and reused by every later run. Idempotent.
# Source it to get HIREBENCH_NBGRADER_PYTHON exported; run it to have the path printed.
set -euo pipefail

_nbg_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_nbg_requirements="$_nbg_root/tests/grading/compat/nbgrader-requirements.txt"
_nbg_python="${PYTHON:-python3}"
_nbg_key="$( { cat "$_nbg_requirements"; "$_nbg_python" --version; } | sha256sum | cut -c1-16)"
_nbg_cache="${HIREBENCH_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hirebench}"
_nbg_env="$_nbg_cache/nbgrader-$_nbg_key"

# The marker is written last: a build that was interrupted has none and is done again. (A venv
# holds its own absolute path, so it is built in place rather than renamed into place.)
if [ ! -f "$_nbg_env/.complete" ]; then
  echo "nbgrader-env: building $_nbg_env" >&2
  rm -rf "$_nbg_env"
  mkdir -p "$_nbg_cache"
  "$_nbg_python" -m venv "$_nbg_env"
  "$_nbg_env/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$_nbg_requirements" >&2
  touch "$_nbg_env/.complete"
fi

HIREBENCH_NBGRADER_PYTHON="$_nbg_env/bin/python"
export HIREBENCH_NBGRADER_PYTHON
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  echo "$HIREBENCH_NBGRADER_PYTHON"
fi
unset _nbg_root _nbg_requirements _nbg_python _nbg_key _nbg_cache _nbg_env
