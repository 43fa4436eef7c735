"""Searches of the calls page a user watches: started from the calls page, listed and stopped in Settings. The
digest tells of the new calls each one finds (`store.watches`)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, request, url_for

from store import watches
from store.errors import NotFound

from . import current_profile_id, db
from .calls import call_filters

bp = Blueprint("watches", __name__)


def _back_to_search():
    """The calls page as the form that watched or stopped watching came from (its fields carry its address)."""
    return redirect(url_for("calls.index", **{key: value for key, value in request.form.items()
                                              if key not in ("csrf_token", "from")}))


@bp.post("/calls/watch")
def watch():
    """Watch the search the calls page's form carries (its words, programme, smallest grant, whether screened-out
    calls too); back to that search."""
    filters, _ = call_filters(request.form)
    try:
        watched = watches.watch(db(), g.user["id"], current_profile_id(), filters)
    except watches.InvalidWatch as problem:
        flash(str(problem))
    else:
        flash(f"Watching {watched['words']}: the new calls it finds come in your digest"
              + ("." if g.user["digest_frequency"] != "never" else ", which is off now (Settings turns it on)."))
    return _back_to_search()


@bp.post("/watches/<int:watch_id>/remove")
def remove(watch_id):
    """Stop watching a search; back to where it was stopped (the calls page or Settings)."""
    try:
        stopped = watches.unwatch(db(), g.user["id"], watch_id)
    except NotFound as exc:
        abort(404, str(exc))
    flash(f"No longer watching {stopped['words']}.")
    if request.form.get("from") == "calls":
        return _back_to_search()
    return redirect(url_for("account.edit", _anchor="watched"))
