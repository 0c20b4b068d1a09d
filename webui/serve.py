"""`livesearch serve`: the web front end's command (the CLI group adds it; see livesearch/cli.py)."""

from __future__ import annotations

import click

from searcher.settings import DEFAULT_INDEX_DIR


@click.command()
@click.option("--index", "index_dir", envvar="LIVESEARCH_INDEX", default=DEFAULT_INDEX_DIR, show_default=True,
              type=click.Path(file_okay=False), help="Index directory (or set LIVESEARCH_INDEX).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (localhost only by default).")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64), help="Request threads.")
def serve(index_dir, host, port, threads) -> None:
    """Serve the search page and the JSON API with waitress; picks up rebuilt indexes live."""
    from pathlib import Path

    from waitress import create_server

    from searcher.errors import IndexMissing
    from searcher.search.engine import Engine
    from webui.app import create_app

    try:  # serve anyway: a build in another process is picked up live
        Engine(Path(index_dir)).stats()
    except IndexMissing as error:
        click.echo(f"livesearch: warning: {error}; until then searches answer 503", err=True)
    try:
        server = create_server(create_app(index_dir), host=host, port=port, threads=threads)
    except OSError as error:
        raise click.ClickException(f"cannot listen on {host}:{port} ({error.strerror or error}); try another --port")
    click.echo(f"livesearch: serving {index_dir} on http://{server.effective_host}:{server.effective_port}/ (Ctrl+C to stop)")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
