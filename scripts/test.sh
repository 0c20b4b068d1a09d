#!/usr/bin/env bash
# The README's test command: set up the venv, make sure Chromium is there for the
# browser tests, then run the whole suite. Extra arguments go to pytest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/setup.sh"
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's chromium for the browser tests..."
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
cd "$root"
exec python -m pytest -q -n "${LIVESEARCH_TEST_WORKERS:-2}" "$@"
