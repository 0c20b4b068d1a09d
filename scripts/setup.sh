#!/usr/bin/env bash
# Creates .venv (if missing) and installs livesearch with its test extras from pyproject.toml.
# Sourced by demo.sh and test.sh so both README commands work on a fresh machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${PYTHON:-python3}"
if [ ! -x "$root/.venv/bin/python" ]; then
    "$py" -m venv "$root/.venv"
fi
stamp="$root/.venv/.installed-$(sha1sum "$root/pyproject.toml" | cut -c1-12)"
if [ ! -f "$stamp" ]; then
    "$root/.venv/bin/python" -m pip install --quiet --upgrade pip
    "$root/.venv/bin/python" -m pip install --quiet -e "$root[test]"
    touch "$stamp"
fi
export PATH="$root/.venv/bin:$PATH"
