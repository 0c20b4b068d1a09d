"""Adding a facet is one registration: a plugin file registers a "topics" facet with its producer,
and it appears in the index, the CLI (option, JSON, CSV), the API, the page and OpenAPI, with no
other file changed. Runs the real CLI and server in subprocesses, as a newsroom would."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from searcher import registry
from index_helpers import write_corpus

LIVESEARCH = Path(sys.executable).with_name("livesearch")
REPO = Path(__file__).resolve().parents[1]

PLUGIN = '''
"""A newsroom's own facet: topics by keyword."""
from searcher.registry import FacetSpec, register

KEYWORDS = {"Food": ("wheat", "grain"), "Elections": ("polls", "voters"), "War": ("strikes", "air raid")}


def topics(story):
    text = story.text.lower()
    return [topic for topic, words in KEYWORDS.items() if any(w in text for w in words)]


register(FacetSpec("topics", "topic", "Topics", "topics", topics, "subjects by keyword"))
'''


@pytest.fixture(scope="module")
def plugin_env(tmp_path_factory):
    root = tmp_path_factory.mktemp("plugin")
    plugin_dir = root / "plugins"
    plugin_dir.mkdir()
    (plugin_dir / "topics_plugin.py").write_text(PLUGIN)
    env = {**os.environ, "LIVESEARCH_PLUGINS": "topics_plugin",
           "PYTHONPATH": os.pathsep.join([str(plugin_dir), str(REPO), os.environ.get("PYTHONPATH", "")]),
           "LIVESEARCH_INDEX": str(root / "ix")}
    corpus = write_corpus(root / "corpus")
    run(env, "build", corpus, "--no-entities")
    return env, plugin_dir


def run(env, *args) -> str:
    done = subprocess.run([str(LIVESEARCH), *map(str, args)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_facet_took_one_file(plugin_env):
    _, plugin_dir = plugin_env
    assert [p.name for p in plugin_dir.iterdir() if p.suffix == ".py"] == ["topics_plugin.py"]
    assert registry.facet("topic") is None  # this process never loaded it: nothing else was edited


def test_cli_option_json_and_csv_carry_the_new_facet(plugin_env):
    env, _ = plugin_env
    assert "--topic" in run(env, "search", "--help")
    result = json.loads(run(env, "search", "--topic", "Food", "--json"))
    assert result["total"] >= 1
    assert all("Food" in hit["topics"] for hit in result["hits"])
    assert {v["value"] for v in result["facets"]["topics"]} >= {"Food"}
    header = run(env, "export", "--format", "csv", "--exclude-topic", "Food").splitlines()[0]
    assert header.split(",")[-1] == "topics"


def test_api_page_and_openapi_carry_the_new_facet(plugin_env):
    env, _ = plugin_env
    server = subprocess.Popen([str(LIVESEARCH), "serve", "--port", "0"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        base = _wait_for_url(server)
        found = requests.get(f"{base}/api/search", params={"topic": "Elections"}, timeout=30).json()
        assert found["total"] >= 1 and all("Elections" in h["topics"] for h in found["hits"])
        spec = requests.get(f"{base}/api/openapi.json", timeout=30).json()
        refs = {p["$ref"].rsplit("/", 1)[-1] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
        assert {"topic", "exclude_topic"} <= refs <= set(spec["components"]["parameters"])
        assert "topics" in spec["components"]["schemas"]["Hit"]["properties"]
        page = requests.get(base + "/", params={"q": "wheat"}, timeout=30).text
        assert "Topics" in page
        assert requests.get(f"{base}/api/facets/topics", timeout=30).json()["facet"] == "topics"
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_for_url(server: subprocess.Popen) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = server.stdout.readline()
        if match := re.search(r"(http://[\d.]+:\d+)/", line or ""):
            return match.group(1)
        if server.poll() is not None:
            break
    raise AssertionError("livesearch serve did not say where it listens")
