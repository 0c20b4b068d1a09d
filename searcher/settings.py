"""Settings shared by every front end (kept free of heavy imports so the CLI starts fast)."""

from __future__ import annotations

import os
from pathlib import Path

import click

DEFAULT_INDEX_DIR = "index"


def default_index_dir() -> Path:
    """Where commands look for the index: $LIVESEARCH_INDEX, else ./index."""
    return Path(os.environ.get("LIVESEARCH_INDEX", DEFAULT_INDEX_DIR))


# The `--index` option of every command that reads or writes an index (CLI, entities, serve).
index_option = click.option(
    "--index",
    "index_dir",
    envvar="LIVESEARCH_INDEX",
    default=DEFAULT_INDEX_DIR,
    show_default=True,
    type=click.Path(file_okay=False),
    help="Index directory (or set LIVESEARCH_INDEX).",
)
