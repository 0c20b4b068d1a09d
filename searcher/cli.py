"""The `livesearch` command: one sub-command per stage a user drives."""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="livesearch")
def main() -> None:
    """Search engine for live-blog news."""


# --- segment (issue 2) ---


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per page instead of a readable listing.")
def segment(paths: tuple[str, ...], as_json: bool) -> None:
    """Show the dated stories the indexer will store for each page in PATHS (files or folders)."""
    import json
    from pathlib import Path

    from searcher.ingest import iter_input_files, read_file
    from searcher.segment import segment_page

    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise click.UsageError(f"no such file or folder: {', '.join(missing)}")  # exit code 2
    files = list(iter_input_files(paths))
    if not files:
        click.echo(f"no readable input: expected files ending in .txt .html .htm .jsonl .json under {', '.join(paths)}", err=True)
        raise SystemExit(1)
    pages_read = 0
    for path in files:
        pages, problems = read_file(path)
        for problem in problems:
            click.echo(str(problem), err=True)
        for page in pages:
            pages_read += 1
            stories = segment_page(page)
            if as_json:
                click.echo(json.dumps({"source": page.source, "url": page.url, "title": page.title,
                                       "stories": [s.to_json() for s in stories]}, ensure_ascii=False))
                continue
            click.echo(f"== {page.origin} ({page.source}) {len(stories)} stories")
            for story in stories:
                click.echo(f"[{story.position}] {story.date or '-'} ({story.date_basis}) {story.headline or '(untitled)'}")
                first = story.body[0] if story.body else ""
                click.echo(f"    {first[:100]}{'…' if len(first) > 100 else ''}  [{len(story.body)} paragraphs]")
    if not pages_read:
        raise SystemExit(1)
