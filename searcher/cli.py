"""The `livesearch` command: one sub-command per stage a user drives."""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="livesearch")
def main() -> None:
    """Search engine for live-blog news."""
