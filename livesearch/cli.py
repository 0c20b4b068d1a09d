"""The `livesearch` command: one sub-command per stage a user drives."""

from __future__ import annotations

from pathlib import Path

import click

from searcher.settings import index_option


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="livesearch")
def main() -> None:
    """Search engine for live-blog news."""


# --- segment (issue 2) ---


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per page instead of a readable listing.")
@click.option("--no-entities", is_flag=True, help="Skip entity tagging in --json output (facets stay empty).")
def segment(paths: tuple[str, ...], as_json: bool, no_entities: bool) -> None:
    """Show the dated stories the indexer will store for each page in PATHS (files or folders)."""
    import json
    from pathlib import Path

    from searcher.pipeline.ingest import iter_input_files, read_file
    from searcher.pipeline.segment import segment_page, warnings_for
    from searcher.records import story_title

    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise click.UsageError(f"no such file or folder: {', '.join(missing)}")  # exit code 2
    files = list(iter_input_files(paths))
    if not files:
        click.echo(f"no readable input: expected files ending in .txt .html .htm .jsonl .json under {', '.join(paths)}", err=True)
        raise SystemExit(1)
    enricher = None
    if as_json and not no_entities:
        from searcher.enrich.entities import Enricher, ModelMissing

        try:
            enricher = Enricher()
        except ModelMissing as error:
            raise click.ClickException(str(error)) from None
    pages_read = 0
    for path in files:
        pages, problems = read_file(path)
        for problem in problems:
            click.echo(str(problem), err=True)
        for page in pages:
            pages_read += 1
            stories = segment_page(page)
            for warning in warnings_for(page, stories):
                click.echo(warning, err=True)
            if enricher:
                enricher.enrich(stories)
            if as_json:
                click.echo(json.dumps({"source": page.source, "url": page.url, "title": page.title,
                                       "stories": [s.to_json() for s in stories]}, ensure_ascii=False))
                continue
            click.echo(f"== {page.origin} ({page.source}) {len(stories)} stories")
            for story in stories:
                when = f"{story.date} ({story.date_basis})" if story.date else "undated"
                title = story.headline or f"[no headline] {story_title(None, story.body)[0]}"
                click.echo(f"[{story.position}] {when} {title}")
                first = story.body[0] if story.body else ""
                click.echo(f"    {first[:100]}{'…' if len(first) > 100 else ''}  [{len(story.body)} paragraphs]")
    if not pages_read:
        raise SystemExit(1)


# --- build, update, search, stats, export (issue 4) ---



_cluster_option = click.option(
    "--cluster",
    envvar="LIVESEARCH_CLUSTER",
    default=None,
    metavar="ADDRESS",
    help="Segment and tag on a Dask cluster: a scheduler address (tcp://host:8786) or 'local' "
         "for worker processes on this machine (or set LIVESEARCH_CLUSTER). Writing stays here.",
)


def _filter_options(command):
    """The search filters, named as the web API's parameters (one per facet of the registry), so
    both parse them the same way."""
    from searcher import registry

    options = [
        click.option(f"--{spec.param}", f"filter_{spec.name}", multiple=True,
                     help=f"Only stories with this value of {spec.label.lower()} (repeatable: all must match).")
        for spec in registry.facets()
    ] + [
        click.option(f"--exclude-{spec.param}", f"exclude_{spec.name}", multiple=True,
                     help=f"Leave out stories with this value of {spec.label.lower()} (repeatable).")
        for spec in registry.facets()
    ] + [
        click.option("--from", "date_from", help="Earliest date: 2023-10, 2023-10-13 or '13 Oct 2023'."),
        click.option("--to", "date_to", help="Latest date (a month means its last day)."),
        click.option("--undated", type=click.Choice(["include", "exclude"]),
                     help="Stories with no date: included unless --from/--to is given."),
        click.option("--sort", type=click.Choice(["relevance", "newest", "oldest", "first_seen"]), default="relevance",
                     show_default=True, help="first_seen: the stories indexed most recently first."),
        click.option("--since", "since", help="Only stories first seen after this ISO time (e.g. 2024-03-01T10:00Z)."),
        click.option("--literal", is_flag=True,
                     help="Search the words exactly as typed: no name variants, corrections or dropped words."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _request(query, options: dict, per_page=20, parse=None, **extra):
    """The SearchRequest of a command's query and filter options (the web's parameter names);
    `parse` another request's from_params, given `extra` parameters (lists of strings)."""
    from searcher import registry
    from searcher.errors import QueryError
    from searcher.search.request import SearchRequest

    parse = parse or SearchRequest.from_params
    params = {"q": [query or ""], "from": [options.get("date_from") or ""], "to": [options.get("date_to") or ""],
              "sort": [options.get("sort") or "relevance"], "per_page": [str(per_page)],
              "undated": [options["undated"]] if options.get("undated") else [],
              "since": [options.get("since") or ""],
              "literal": ["1" if options.get("literal") else ""]}
    for spec in registry.facets():
        params[spec.param] = list(options.get(f"filter_{spec.name}") or ())
        params[f"exclude_{spec.param}"] = list(options.get(f"exclude_{spec.name}") or ())
    params.update(extra)
    try:
        return parse(params)
    except QueryError as error:
        raise click.UsageError(str(error)) from None


def _engine_call(index_dir, method, *args):
    """Run one Engine call, turning user-facing failures into a message and exit code 1."""
    from searcher.errors import LivesearchError
    from searcher.search import budget
    from searcher.search.engine import Engine

    try:
        # A person at a terminal can press Ctrl+C: no time budget unless $LIVESEARCH_TIME_BUDGET asks
        engine = Engine(index_dir, budget_seconds=budget.default_seconds() if budget.env_set() else None)
        return getattr(engine, method)(*args)
    except LivesearchError as error:
        raise click.ClickException(str(error)) from None


def _run_indexing(action, paths, index_dir, **options) -> None:
    from pathlib import Path

    from searcher.errors import LivesearchError

    try:
        summary = action([Path(p) for p in paths], Path(index_dir), **options)
    except LivesearchError as error:
        raise click.ClickException(str(error)) from None
    for line in summary.lines():
        click.echo(line)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@index_option
@click.option("--no-entities", is_flag=True, help="Skip entity tagging (faster; facets stay empty).")
@_cluster_option
def build(paths, index_dir, no_entities, cluster) -> None:
    """Index every live blog under PATHS into a fresh index, swapped in when complete."""
    from searcher import build as pipeline

    _run_indexing(pipeline.build, paths, index_dir, entities=not no_entities, cluster=cluster)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@index_option
@click.option("--prune", is_flag=True, help="Also remove the stories of indexed files that no longer exist.")
@click.option("--no-entities", is_flag=True, help="Skip entity tagging for the new stories.")
@_cluster_option
def update(paths, index_dir, prune, no_entities, cluster) -> None:
    """Index new and changed files under PATHS; unchanged files are skipped."""
    from searcher import build as pipeline

    _run_indexing(pipeline.update, paths, index_dir, prune=prune, entities=not no_entities, cluster=cluster)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@index_option
@click.option("--prune", is_flag=True, help="Also remove the stories of indexed files that no longer exist.")
@click.option("--no-entities", is_flag=True, help="Skip entity tagging for the new stories.")
@click.option("--poll", "poll_seconds", type=click.FloatRange(0.1, 60), default=None,
              help="Poll every this many seconds instead of using file-system events (network drives).")
@click.option("--debounce", "debounce_ms", type=click.IntRange(50, 60_000), default=1500, show_default=True,
              help="Milliseconds of quiet that close a batch of changes.")
def watch(paths, index_dir, prune, no_entities, poll_seconds, debounce_ms) -> None:
    """Keep the index current as files arrive under PATHS: one `update` per batch of changes.

    Snapshots of a page already indexed merge with it (see docs/story-identity.md). Ctrl-C stops;
    an update cut short leaves the last committed index live."""
    import signal
    import threading
    from pathlib import Path

    from searcher.errors import LivesearchError
    from searcher.watch import watch as watch_folders

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        watch_folders([Path(p) for p in paths], Path(index_dir), entities=not no_entities, prune=prune,
                      poll_seconds=poll_seconds, debounce_ms=debounce_ms, stop=stop,
                      log=lambda line: click.echo(line, err=True))
    except KeyboardInterrupt:
        click.echo("stopped (the last committed index is live)", err=True)
    except LivesearchError as error:
        raise click.ClickException(str(error)) from None


@main.command()
@click.argument("query", required=False, default="")
@_filter_options
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100), help="Results to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (the web API's shape).")
@index_option
def search(query, limit, as_json, index_dir, **options) -> None:
    """Search the index. QUERY uses Whoosh syntax: words, "phrases", AND/OR/NOT, wild*, fuzzy~."""
    import json

    req = _request(query, options, limit)
    result = _engine_call(index_dir, "search", req)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
        return
    from searcher.search.display import dated_text, plural

    for line in rewrite_lines(result):
        click.echo(line)
    click.echo(f"{plural(result.total, 'story', 'stories')} {'matches' if result.total == 1 else 'match'} "
               f"({result.took_ms:.0f} ms)" + _cost_note(result))
    if result.undated and not result.undated_included:
        click.echo(f"({plural(result.undated, 'undated story', 'undated stories')} left out by the date range; "
                   f"--undated include adds them)")
    for n, hit in enumerate(result.hits, 1):
        title = _terminal(hit.title)
        click.echo(f"\n{n:>3}. " + (f"[untitled] {title}" if hit.title_generated else title))
        click.echo(f"     {dated_text(hit.date, hit.date_basis)} · {hit.source} · {hit.id}")
        if hit.updated or hit.removed_after:  # what later scrapes of its page showed (issue 15)
            click.echo("     " + " · ".join(
                ([f"corrected {hit.updated}"] if hit.updated else [])
                + ([f"no longer on the page after {hit.removed_after}"] if hit.removed_after else [])))
        click.echo(f"     {_terminal(hit.snippet)}")
        if hit.url:
            click.echo(f"     {hit.url}")
    if result.suggestion:
        click.echo(f"\nDid you mean: {result.suggestion}")


def rewrite_lines(result) -> list[str]:
    """What the engine did to the query and filters, as the web page says it (issue 14)."""
    lines = [f"note: {note.message()}" for note in result.filter_notes]
    if result.corrected:
        lines.append(f"Showing results for {result.corrected.query}; "
                     f"search instead for {result.corrected.original} (--literal)")
    for word, others in result.variants.items():
        lines.append(f"Also matching {', '.join(others)} for {word} (--literal for {word} only)")
    if result.relaxed:
        shown = " or ".join(result.relaxed.alternatives or [result.relaxed.query])
        lines.append(f"No story has all of {result.relaxed.original}; showing stories with {shown}")
    return lines


def _cost_note(result) -> str:
    """What a costly query cost: capped expansions and a cut time budget, on the count line."""
    notes = [f"{term} matched {info['words']} words, the {info['terms']} most frequent highlighted"
             for term, info in result.expanded.items() if info.get("capped")]
    if result.timed_out:
        notes.append("stopped at the time budget: partial results")
    return "; " + "; ".join(notes) if notes else ""


def _terminal(fragment: str) -> str:
    """Highlight HTML as terminal text: marks in bold, entities unescaped, one line."""
    import html
    import re

    styled = re.sub(r"<mark>(.*?)</mark>", lambda m: click.style(m.group(1), bold=True), fragment)
    return " ".join(html.unescape(styled).split())


@main.command()
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def stats(index_dir, as_json) -> None:
    """Stories, pages, sources, date range, top facet values, size and build time of the index."""
    import json

    figures = _engine_call(index_dir, "stats")
    if as_json:
        click.echo(json.dumps(figures.to_json(), ensure_ascii=False, indent=1))
        return
    dates = figures.date_range
    click.echo(f"index      {figures.index} ({figures.generation}, {figures.index_bytes / 1e6:.1f} MB)")
    click.echo(f"built      {figures.built_at}" + (f", updated {figures.updated_at}" if figures.updated_at else ""))
    click.echo(f"stories    {figures.stories} from {figures.pages} pages in {figures.files} files")
    click.echo(f"dates      {dates.first or '-'} to {dates.last or '-'} ({dates.undated} undated)")
    click.echo("sources    " + ", ".join(f"{s.value} ({s.count})" for s in figures.sources))
    analyzer = figures.analyzer
    if analyzer.rebuild:
        click.echo(f"analyzer   version {analyzer.version}, older than this livesearch's {analyzer.current}: "
                   f"searches work, but spelling families and compounds need `livesearch build` again")
    for facet, values in figures.top.items():
        click.echo(f"{facet:<10} " + (", ".join(f"{v.value} ({v.count})" for v in values) or "-"))


@main.command()
@click.argument("query", required=False, default="")
@_filter_options
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="Write to this file, or into this folder as livesearch-<query>-<date>.<format> "
                   "(the web export's name); standard output when not given.")
@index_option
def export(query, fmt, output, index_dir, **options) -> None:
    """Print every matching story (no cap), one JSON object per line or as CSV (UTF-8 with the
    BOM Excel needs, as the web export)."""
    import contextlib
    import json
    import sys
    from datetime import date

    from searcher.search.export import csv_lines, export_filename

    req = _request(query, options)
    rows = _engine_call(index_dir, "export", req)
    if output is not None and output.is_dir():
        output = output / export_filename(req.q, date.today(), fmt)
    with contextlib.ExitStack() as stack:
        out = sys.stdout if output is None else stack.enter_context(open(output, "w", encoding="utf-8", newline=""))
        pieces = csv_lines(rows) if fmt == "csv" else (json.dumps(s, ensure_ascii=False) + "\n" for s in rows)
        for piece in pieces:
            out.write(piece)
    if output is not None:
        click.echo(f"wrote {output}", err=True)


# --- beyond matching: who appears with X, timelines, related stories (issue 17) ---


@main.command()
@click.argument("entity", required=False, default="")
@click.option("--query", "-q", "query", default="", help="Only stories matching this search (Whoosh syntax).")
@_filter_options
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 100), help="Entities to show.")
@click.option("--min-count", default=3, show_default=True, type=click.IntRange(1), help="Fewest shared stories to rank a pair.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (the web API's shape).")
@index_option
def cooccur(entity, query, limit, min_count, as_json, index_dir, **options) -> None:
    """Who appears with ENTITY ('Vladimir Putin', or 'person:Georgia' to pick the facet), ranked
    by NPMI (how far above chance) among pairs seen --min-count times; without ENTITY, the
    entities most over-represented in the search's stories."""
    import json

    from searcher.search.explore import CooccurrenceRequest

    req = _request(query, options, parse=CooccurrenceRequest.from_params, entity=[entity] if entity else [],
                   limit=[str(limit)], min_count=[str(min_count)])
    result = _engine_call(index_dir, "cooccurrence", req)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
        return
    if result.entity is not None and not result.found:
        raise click.ClickException(f"no story names {result.entity.value!r}")
    about = f"{result.entity.value} ({result.entity.facet})" if result.entity else "the matching stories"
    click.echo(f"{about}: {result.stories} of {result.universe} stories; ranked by NPMI, pairs seen >= {min_count} times")
    click.echo(f"{'entity':<32} {'facet':<14} {'shared':>6} {'of':>6} {'lift':>7} {'npmi':>6}")
    for c in result.items:
        click.echo(f"{c.value[:32]:<32} {c.facet:<14} {c.count:>6} {c.total:>6} {c.lift:>7.2f} {c.npmi:>6.3f}")


@main.command()
@click.argument("entities", nargs=-1)
@click.option("--query", "-q", "query", default="", help="Only stories matching this search (Whoosh syntax).")
@_filter_options
@click.option("--interval", type=click.Choice(["auto", "day", "week", "month", "year"]), default="auto", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (the web API's shape).")
@index_option
def timeline(entities, query, interval, as_json, index_dir, **options) -> None:
    """Dated stories naming each of up to 5 ENTITIES per interval (without ENTITIES: every
    matching story), e.g. `livesearch timeline Putin Zelensky --interval week --from 2023 --to 2023`."""
    import json

    from searcher.search.explore import TimelineRequest

    req = _request(query, options, parse=TimelineRequest.from_params, entity=list(entities), interval=[interval])
    result = _engine_call(index_dir, "timeline", req)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
        return
    names = [s.entity.value if s.entity else "all" for s in result.series]
    width = max([12, *(len(n) for n in names)])
    click.echo(f"{result.interval:<12} " + " ".join(f"{n[:width]:>{width}}" for n in names))
    for i, bucket in enumerate(result.buckets):
        click.echo(f"{bucket.start.isoformat():<12} " + " ".join(f"{s.counts[i]:>{width}}" for s in result.series))
    click.echo(f"{'total':<12} " + " ".join(f"{s.total:>{width}}" for s in result.series))
    for s in result.series:
        if not s.found:
            click.echo(f"no story names {s.entity.value!r}", err=True)


@main.command()
@click.argument("story_id")
@click.option("--limit", default=8, show_default=True, type=click.IntRange(1, 50), help="Stories to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (the web API's shape).")
@index_option
def related(story_id, limit, as_json, index_dir) -> None:
    """Stories of other pages most like STORY_ID in words and entities, with what they share."""
    import json

    result = _engine_call(index_dir, "related", story_id, limit)
    if result is None:
        raise click.ClickException(f"no story with id {story_id!r}")
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
        return
    for n, item in enumerate(result.items, 1):
        click.echo(f"{n:>3}. {item.headline or '(untitled)'}")
        click.echo(f"     {item.date or 'undated'} · {item.source} · {item.id} · {item.why()}")


# --- serve: the web front end's command, assembled into the group here at the top ---


def _add_web_commands() -> None:
    from webui.serve import serve

    main.add_command(serve)


_add_web_commands()


# --- entities: list and curate facet values (issue 13; livesearch.entities_cli) ---


def _add_entity_commands() -> None:
    from livesearch.entities_cli import entities

    main.add_command(entities)


_add_entity_commands()
