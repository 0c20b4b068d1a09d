"""Per-test Hypothesis example counts that follow the profile chosen in conftest.py.

`LIVESEARCH_HYPOTHESIS_PROFILE=full` (or `soak`) is the long run; anything else is CI.
"""

import os

PROFILE = os.environ.get("LIVESEARCH_HYPOTHESIS_PROFILE", "ci")


def examples(ci: int, full: int) -> int:
    """`ci` examples in the normal suite, `full` in the long (soak) run."""
    return full if PROFILE in ("full", "soak") else ci
