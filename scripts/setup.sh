#!/usr/bin/env bash
# Creates .venv (if missing) and installs livesearch with its test extras from pyproject.toml.
# Sourced by demo.sh and test.sh so both README commands work on a fresh machine. Prints one
# line per step; pip's own output (and any warnings from the machine's pip config) goes to
# .venv/pip.log, shown only when an install fails.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${PYTHON:-python3}"
if [ ! -x "$root/.venv/bin/python" ]; then
    echo "setup: creating .venv with $("$py" --version 2>&1)"
    "$py" -m venv "$root/.venv"
fi
stamp="$root/.venv/.installed-$(sha1sum "$root/pyproject.toml" | cut -c1-12)"
if [ ! -f "$stamp" ]; then
    log="$root/.venv/pip.log"
    echo "setup: installing livesearch and its dependencies into .venv (a few minutes the first time; log: .venv/pip.log)"
    pip_quiet=(--quiet --disable-pip-version-check --no-input --no-warn-script-location)
    if ! { "$root/.venv/bin/python" -m pip install "${pip_quiet[@]}" --upgrade pip \
           && "$root/.venv/bin/python" -m pip install "${pip_quiet[@]}" -e "$root[test]"; } >"$log" 2>&1; then
        echo "setup: pip failed; the end of $log:" >&2
        tail -n 25 "$log" >&2
        exit 1
    fi
    touch "$stamp"
fi
export PATH="$root/.venv/bin:$PATH"
