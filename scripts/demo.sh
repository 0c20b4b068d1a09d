#!/usr/bin/env bash
# The README's "run the product" command: set up .venv, generate a demo corpus (once), index it
# (once), then serve it in the browser. Environment overrides:
#   DEMO_STORIES (default 2000)  stories in the generated corpus; a new value regenerates and rebuilds
#   DEMO_SEED    (default 1)     generator seed
#   PORT         (default 5000)  port for `livesearch serve`; HOST (default 127.0.0.1)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/setup.sh"
cd "$root"

stories="${DEMO_STORIES:-2000}"
seed="${DEMO_SEED:-1}"
port="${PORT:-5000}"
host="${HOST:-127.0.0.1}"
corpus="demo/corpus"
index="demo/index"
stamp="$corpus/.made-with"
wanted="stories=$stories seed=$seed live=8x80"

if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "demo: generating $stories stories in $corpus"
    rm -rf "$corpus" "$index"
    # plus one live blog saved 8 times through its day (posts added, corrected, deleted): the
    # demo shows one story per post, with first_seen / updated / removed_after (issue 15)
    python scripts/make_corpus.py "$corpus" --stories "$stories" --seed "$seed" --live-snapshots 8 --live-posts 80 2>&1 | sed 's/^/demo:   /'
    echo "$wanted" > "$stamp"
fi

if [ ! -f "$index/CURRENT" ]; then
    echo "demo: indexing $corpus into $index (tagging entities with spaCy takes a minute or two)"
    livesearch build "$corpus" --index "$index"
fi

echo "demo: serving $index on http://$host:$port/ (Ctrl-C stops it)"
exec livesearch serve --index "$index" --host "$host" --port "$port"
