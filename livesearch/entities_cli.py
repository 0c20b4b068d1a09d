"""`livesearch entities`: list the index's entity values and curate them (searcher.enrich.curation).

    livesearch entities list [--type people] [--limit 50]     values with story counts and variants
    livesearch entities merge "Putin" "Vladimir Putin"
    livesearch entities rename "Kim Jong-un" "Kim Jong Un"
    livesearch entities retype "Gazprom" organizations
    livesearch entities hide "Debris"
    livesearch entities outlet harbourtimes.example.net "The Harbour Times"
    livesearch entities changes                               the curation file, numbered
    livesearch entities undo N                                drop change N

Changes go to entities.toml beside the index and apply at the next build or update, to the
stories already indexed too (without tagging again).
"""

from __future__ import annotations

from pathlib import Path

import click

from searcher.settings import index_option

TYPE_CHOICE = click.Choice(["people", "organizations", "places"])


def _index_dir(value: str) -> Path:
    return Path(value)




@click.group("entities")
def entities() -> None:
    """List entity facet values and curate them: merge, rename, retype, hide."""


@entities.command("list")
@index_option
@click.option("--type", "kind", type=TYPE_CHOICE, default=None, help="Only this facet.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1), help="Values per facet.")
def list_values(index_dir, kind, limit) -> None:
    """Values of the live index with their story counts and known variant spellings."""
    from searcher.backend.whoosh.schema import facet_fields
    from searcher.backend.whoosh.store import open_generation
    from searcher.enrich.resolve import load_aliases
    from searcher.errors import IndexMissing

    try:
        gen, ix = open_generation(_index_dir(index_dir))
    except IndexMissing as error:
        raise click.ClickException(str(error)) from None
    table = load_aliases(gen).get("entities", {})
    with ix.reader() as reader:
        for facet in [kind] if kind else ["people", "organizations", "places"]:
            field = facet_fields()[facet]
            counts = [(reader.doc_frequency(field, term), term) for term in reader.lexicon(field)]
            counts.sort(key=lambda pair: (-pair[0], pair[1]))
            click.echo(f"== {facet} ({len(counts)} values)")
            for count, term in counts[:limit]:
                value = term.decode("utf-8") if isinstance(term, bytes) else term
                variants = table.get(value, {}).get("variants", [])
                also = f"  (also: {', '.join(variants[:6])}{' …' if len(variants) > 6 else ''})" if variants else ""
                click.echo(f"{count:6d}  {value}{also}")


def _add(index_dir, action: str, **fields: str) -> None:
    from searcher.enrich.curation import CurationError, add_change, curation_path

    directory = _index_dir(index_dir)
    try:
        change, _ = add_change(directory, {"action": action, **fields})
    except CurationError as error:
        raise click.ClickException(str(error)) from None
    described = ", ".join(f"{k}={v!r}" for k, v in change.items() if k != "action")
    click.echo(f"{action} {described}: saved in {curation_path(directory)}; applies at the next build "
               f"or update (`livesearch update` applies it to the stories already indexed)")


@entities.command()
@index_option
@click.argument("value")
@click.argument("into")
def merge(index_dir, value, into) -> None:
    """VALUE (and its spellings) becomes INTO, an entity of INTO's type."""
    _add(index_dir, "merge", value=value, into=into)


@entities.command()
@index_option
@click.argument("value")
@click.argument("to")
def rename(index_dir, value, to) -> None:
    """Show VALUE under a new name TO, keeping its type."""
    _add(index_dir, "rename", value=value, to=to)


@entities.command()
@index_option
@click.argument("value")
@click.argument("kind", metavar="TYPE", type=TYPE_CHOICE)
def retype(index_dir, value, kind) -> None:
    """Move VALUE to another facet: people, organizations or places."""
    _add(index_dir, "retype", value=value, type=kind)


@entities.command()
@index_option
@click.argument("value")
def hide(index_dir, value) -> None:
    """Remove VALUE from every facet (its stories stay searchable)."""
    _add(index_dir, "hide", value=value)


@entities.command()
@index_option
@click.argument("domain")
@click.argument("name")
def outlet(index_dir, domain, name) -> None:
    """Name the outlet of DOMAIN (and its subdomains), or of files matching a pattern with `*`
    (`"000_*.txt"`), NAME in the source facet."""
    from searcher.enrich.curation import load_curation, save_curation

    directory = _index_dir(index_dir)
    curation = load_curation(directory)
    curation.outlets[domain if "*" in domain else domain.lower()] = name
    path = save_curation(directory, curation)
    click.echo(f"outlet {domain} = {name!r}: saved in {path}; applies at the next build or update")


@entities.command()
@index_option
def changes(index_dir) -> None:
    """The curation file's changes, numbered (for `undo`)."""
    from searcher.enrich.curation import curation_path, load_curation

    directory = _index_dir(index_dir)
    curation = load_curation(directory)
    if not curation.changes and not curation.outlets:
        click.echo(f"no curation yet ({curation_path(directory)} does not exist or is empty)")
    for number, change in enumerate(curation.changes, start=1):
        click.echo(f"{number:3d}  {change['action']:7s} " + "  ".join(f"{k}={v!r}" for k, v in change.items() if k != "action"))
    for domain, name in sorted(curation.outlets.items()):
        click.echo(f"  -  outlet  {domain} = {name!r}")


@entities.command()
@index_option
@click.argument("number", type=click.IntRange(1))
def undo(index_dir, number) -> None:
    """Drop change NUMBER (see `changes`)."""
    from searcher.enrich.curation import load_curation, save_curation

    directory = _index_dir(index_dir)
    curation = load_curation(directory)
    if number > len(curation.changes):
        raise click.ClickException(f"there is no change {number}: the file has {len(curation.changes)}")
    dropped = curation.changes.pop(number - 1)
    save_curation(directory, curation)
    click.echo(f"dropped change {number} ({dropped['action']} {dropped['value']!r})")
