"""Shared pytest fixtures and the Hypothesis profiles."""

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Tests of the time budget set their own (Engine(budget_seconds=...), TIME_BUDGET, --time-budget).
# Every other test checks answers, and on a busy 2-core machine the default 2 s budget turned a
# right answer into `timed_out` or a 503 (a facet request in a browser test, at load 20).
os.environ.setdefault("LIVESEARCH_TIME_BUDGET", "60")

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The shared sample corpus beside the repo; tests using it skip when it is absent."""
    if not CORPUS.is_dir():
        pytest.skip(f"sample corpus not found at {CORPUS} (it lives outside the repo, in ../shared/corpus)")
    return CORPUS


# Hypothesis: a quick profile for CI; LIVESEARCH_HYPOTHESIS_PROFILE=full for the long run
# (>= 2,000 cases per property). No deadline: a slow case on a busy CI machine is not a failure.
settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("full", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("soak", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("LIVESEARCH_HYPOTHESIS_PROFILE", "ci"))
