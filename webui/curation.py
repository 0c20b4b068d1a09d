"""Entity curation from the search page, off by default (issue 13).

`livesearch serve --allow-curation` (create_app config `ALLOW_CURATION=True`) lets the facet
sidebar merge, rename, retype and hide people, organisations and places. The actions are the
same changes as `livesearch entities ...` (searcher.enrich.curation: one copy of the rule), saved
to the versioned curation file beside the index and applied to the indexed stories at once
(searcher.build.recurate). Without the flag the server is read-only: POST answers 403 saying how
to turn it on, and the page shows no actions.

    GET  /api/curation    {"enabled": bool, "changes": [...]}
    POST /api/curation    {"action": "hide", "value": "Debris"}  (JSON; same-origin only)

Cross-site requests are refused: the body must be JSON (a form on another site cannot send it
without a CORS preflight, which this server never grants) and an `Origin` or `Sec-Fetch-Site`
header, when the browser sends one, must say this site.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, jsonify, request

from searcher.enrich.curation import CurationError, add_change, load_curation
from searcher.errors import IndexBusy, IndexMissing

blueprint = Blueprint("curation", __name__, url_prefix="/api")

CONFIG_KEY = "ALLOW_CURATION"
FACETS = ("people", "organizations", "places")
BUSY_ATTEMPTS = 5
BUSY_WAIT_SECONDS = 0.4  # the facets whose values a change may name
OFF_MESSAGE = (
    "Curation is off on this server, which is read-only. To merge, rename, retype or hide entity "
    "values from the page, restart it with `livesearch serve --allow-curation` (or create_app with "
    "ALLOW_CURATION=True); `livesearch entities ...` does the same from the command line."
)


def enabled() -> bool:
    return bool(current_app.config.get(CONFIG_KEY))


def _index_dir():
    from webui.engine import engine

    return engine().index_dir


@blueprint.get("/curation")
def changes():
    """Whether the page may curate, and the changes in the curation file, in order."""
    try:
        listed = load_curation(_index_dir()).changes
    except CurationError as error:
        abort(400, str(error).replace(str(_index_dir()), "the index folder"))
    return jsonify({"enabled": enabled(), "changes": listed})


@blueprint.post("/curation")
def curate():
    """Save one change and apply it to the indexed stories; 403 when curation is off."""
    if not enabled():
        abort(403, OFF_MESSAGE)
    _refuse_cross_site()
    change = request.get_json(silent=True)
    if not isinstance(change, dict):
        abort(400, 'send a JSON object such as {"action": "hide", "value": "Debris"} with Content-Type: application/json')
    try:
        saved, number = add_change(_index_dir(), change)
    except CurationError as error:
        abort(400, str(error))
    try:
        rewritten, applied = _apply_now(), True
    except (IndexBusy, IndexMissing) as error:
        rewritten, applied = 0, False
        note = f"saved; not applied yet ({error.__class__.__name__}): the next `livesearch update` applies it"
    return jsonify({
        "change": saved, "number": number, "applied": applied, "stories_updated": rewritten,
        "message": f"change {number} saved and applied to {rewritten} stories" if applied else note,
    })


def _apply_now() -> int:
    """Re-write the affected stories (searcher.build.recurate). Another curation request holding
    the index's write lock finishes in well under a second, so a busy index is tried again a few
    times before the change is left to the next update (a long build may hold the lock)."""
    from searcher.build import recurate

    for attempt in range(BUSY_ATTEMPTS):
        try:
            return recurate(_index_dir())
        except IndexBusy:
            if attempt == BUSY_ATTEMPTS - 1:
                raise
            time.sleep(BUSY_WAIT_SECONDS)
    return 0


def _refuse_cross_site() -> None:
    """403 unless the request comes from this site's own page (see the module doc)."""
    if not request.is_json:
        abort(400, "the body must be JSON (Content-Type: application/json)")
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        abort(403, f"cross-site request refused (Sec-Fetch-Site: {site}): curate from this server's own page")
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != request.host:
        abort(403, "cross-site request refused (its Origin is another site): curate from this server's own page")
