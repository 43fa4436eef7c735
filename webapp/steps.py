"""The steps of writing an application, on a call's page: added one by one or as the usual list, ticked
off, removed. Each change goes back to the call's list of steps."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for

from matcher.gates import upcoming_deadline
from store import calls as call_store
from store import checklist, decisions
from store.text import counted

from . import db, settings

bp = Blueprint("steps", __name__)


def _back_to(decision_id: int):
    return redirect(url_for("calls.detail", identifier=decisions.call_identifier(db(), decision_id), _anchor="steps"))


@bp.post("/decisions/<int:decision_id>/steps")
def add(decision_id):
    try:
        step = checklist.add_step(db(), decision_id, request.form.get("title", ""), request.form.get("due"), g.user)
    except checklist.InvalidStep as problem:  # the form is a line long: said, and typed again
        flash(f"The step was not added: {problem}")
    else:
        flash(f"Step added: {step['title']}.")
    return _back_to(decision_id)


@bp.post("/decisions/<int:decision_id>/steps/usual")
def add_usual(decision_id):
    call = call_store.get_call(db(), decisions.call_identifier(db(), decision_id))
    today = settings().as_of()
    deadline = upcoming_deadline(call.get("deadlines") or [], today)  # the usual steps count back from it
    added = checklist.add_usual_steps(db(), decision_id, call, deadline, today, g.user)
    flash(f"{counted(added, 'usual step')} added." if added else "Every usual step is in the list already.")
    return _back_to(decision_id)


@bp.post("/steps/<int:step_id>/done")
def done(step_id):
    step = checklist.set_done(db(), step_id, request.form.get("done") == "1", g.user)
    return _back_to(step["decision_id"])


@bp.post("/steps/<int:step_id>/remove")
def remove(step_id):
    step = checklist.remove_step(db(), step_id)
    flash(f"Step removed: {step['title']}.")
    return _back_to(step["decision_id"])

