"""Adding, changing and taking back the calls the team types in itself (store.own_calls)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from store import calls as call_store
from store import own_calls
from store.checklist import FIRST_STEP_STAGES
from store.errors import NotFound

from . import background, db, settings

bp = Blueprint("own_calls", __name__)


@bp.app_context_processor
def own_source() -> dict:
    """The source of the calls the team adds, for the pages that show them apart."""
    return {"own_source": own_calls.SOURCE}


def _ranking_note() -> str:
    """Every profile's ranking takes the call in; what to say of that."""
    problem = background.queue("worker.jobs.rank_every_profile")
    return (f" It is ranked once the worker runs (the ranking could not be queued: {problem})." if problem
            else " It is being ranked in the background.")


def _form_page(form: dict, problems: list[str], call: dict | None = None, status: int = 200):
    return render_template("own_call.html", title="Change a call" if call else "Add a call", form=form,
                           problems=problems, call=call, stages=FIRST_STEP_STAGES,
                           programmes=call_store.programmes(db()), limits=own_calls), status


def _typed() -> dict:
    """What the form sent, field by field (a field left out is blank)."""
    return {name: request.form.get(name, "") for name in own_calls.FIELDS}


def _own_or_404(identifier: str) -> dict:
    call = call_store.get_call(db(), identifier)
    if call is None or not own_calls.is_own(call):
        abort(404, f"No call added by the team is stored as {identifier!r}.")
    return call


@bp.route("/calls/new", methods=["GET", "POST"])
def add():
    """A call no crawler collects, typed in from its page: a national agency's, a foundation's."""
    if request.method == "GET":
        return _form_page({}, [])
    form = _typed()
    try:
        call = own_calls.add(db(), form, g.user, settings().as_of())
    except own_calls.InvalidCall as invalid:  # said above the form, which keeps what was typed
        return _form_page(form, invalid.problems, status=400)
    flash(f"“{call['title']}” is added.{_ranking_note()}")
    return redirect(url_for("calls.detail", identifier=call["identifier"]))


@bp.route("/calls/<path:identifier>/edit", methods=["GET", "POST"])
def edit(identifier):
    call = _own_or_404(identifier)
    if request.method == "GET":
        return _form_page(own_calls.form_of(call), [], call)
    form = _typed()
    try:
        changed = own_calls.update(db(), identifier, form, g.user, settings().as_of())
    except own_calls.InvalidCall as invalid:
        return _form_page(form, invalid.problems, call, status=400)
    flash(f"“{changed['title']}” is saved.{_ranking_note()}")
    return redirect(url_for("calls.detail", identifier=identifier))


@bp.post("/calls/<path:identifier>/remove")
def remove(identifier):
    call = _own_or_404(identifier)
    if request.form.get("confirm") != "1":
        flash("Tick the box to confirm the removal.")
        return redirect(url_for("own_calls.edit", identifier=identifier))
    try:
        own_calls.remove(db(), identifier)
    except own_calls.InvalidCall as refused:
        flash(f"The call is kept. {refused}")
        return redirect(url_for("calls.detail", identifier=identifier))
    except NotFound:  # removed by a colleague meanwhile
        pass
    flash(f"“{call['title']}” is removed.")
    return redirect(url_for("calls.index"))
