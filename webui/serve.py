"""`livesearch serve`: the web front end's command (the CLI group adds it; see livesearch/cli.py).

Several worker processes (gunicorn, pre-fork) so that one costly request cannot take the search
away from everyone: the request threads of one process share one interpreter, processes do not.
Each worker opens its own searchers (the index files are shared through the OS page cache).
Within a worker, at most --threads requests search at once and up to --queue more wait; beyond
that, or after waiting a time budget, a request gets 503 + Retry-After (webui.admission). Each
request's work is bounded by --time-budget (searcher.search.budget).

With --workers 1, or where gunicorn cannot run (Windows), one waitress process serves instead.
"""

from __future__ import annotations

import os
import sys

import click

from searcher.settings import index_option


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@click.command()
@index_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (localhost only by default).")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Worker processes (default: one per core). 1 serves from one waitress process.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Requests each worker runs at once.")
@click.option("--queue", "queue", default=16, show_default=True, type=click.IntRange(0, 1024),
              help="Requests each worker lets wait for a turn; beyond that: 503 + Retry-After.")
@click.option("--time-budget", "time_budget", type=click.FloatRange(0), default=None,
              help="Seconds of work per request (default $LIVESEARCH_TIME_BUDGET or 2; 0 for none). "
                   "Past it a search returns what it has, marked timed_out.")
@click.option("--allow-curation", "allow_curation", is_flag=True, default=False,
              help="Let the page merge, rename, retype and hide entity values (writes entities.toml "
                   "beside the index and re-writes the stories it affects). Off: the server is read-only.")
def serve(index_dir, host, port, workers, threads, queue, time_budget, allow_curation) -> None:
    """Serve the search page and the JSON API; picks up rebuilt indexes live."""
    from pathlib import Path

    from searcher.errors import IndexMissing, LivesearchError
    from searcher.search import budget
    from searcher.search.engine import Engine

    try:
        seconds = budget.default_seconds() if time_budget is None else (time_budget or None)
    except LivesearchError as error:
        raise click.UsageError(str(error)) from None
    try:  # serve anyway: a build in another process is picked up live
        Engine(Path(index_dir), budget_seconds=None).stats()
    except IndexMissing as error:
        click.echo(f"livesearch: warning: {error}; until then searches answer 503", err=True)
    workers = default_workers() if workers is None else workers
    settings = {"INDEX_DIR": index_dir, "TIME_BUDGET": seconds, "MAX_ACTIVE": threads, "MAX_WAITING": queue,
                "ALLOW_CURATION": allow_curation}
    if workers > 1 and _gunicorn_available():
        _serve_gunicorn(host, port, workers, threads + queue, seconds, settings)
    else:
        _serve_waitress(host, port, threads + queue, settings)


def _gunicorn_available() -> bool:
    try:
        import gunicorn.app.base  # noqa: F401  (needs fcntl: Unix only)
    except ImportError:
        return False
    return True


def _announce(index_dir, host: str, port: int, detail: str) -> None:
    click.echo(f"livesearch: serving {index_dir} on http://{host}:{port}/ ({detail}; Ctrl+C to stop)")
    sys.stdout.flush()


def _serve_waitress(host: str, port: int, threads: int, settings: dict) -> None:
    from waitress import create_server

    from webui.app import create_app

    try:
        server = create_server(create_app(settings), host=host, port=port, threads=threads)
    except OSError as error:
        raise click.ClickException(f"cannot listen on {host}:{port} ({error.strerror or error}); try another --port")
    _announce(settings["INDEX_DIR"], server.effective_host, server.effective_port, "1 process")
    try:
        server.run()
    except KeyboardInterrupt:
        pass


def _serve_gunicorn(host: str, port: int, workers: int, threads: int, seconds: float | None, settings: dict) -> None:
    from gunicorn.app.base import BaseApplication

    index_dir = settings["INDEX_DIR"]

    def when_ready(server) -> None:
        bound_host, bound_port = server.LISTENERS[0].sock.getsockname()[:2]
        _announce(index_dir, bound_host, bound_port, f"{workers} worker processes")

    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        # a worker whose main loop stops answering for this long is replaced (last resort: every
        # request's own work is bounded by the time budget)
        "timeout": max(30, int(10 * (seconds or 3))),
        "graceful_timeout": 5,
        "keepalive": 5,
        "backlog": 256,
        "preload_app": False,  # each worker opens its own searchers after the fork
        "loglevel": "warning",
        "accesslog": None,
        "errorlog": "-",
        "proc_name": "livesearch",
        "when_ready": when_ready,
    }

    class Server(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            from webui.app import create_app

            return create_app(settings)

    try:
        Server().run()
    except SystemExit as exit_:
        if exit_.code not in (0, None):
            raise click.ClickException(f"the server stopped (could it listen on {host}:{port}? try another --port)")
