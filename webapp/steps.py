"""The steps of writing an application, on a call's page: added one by one or as the usual list, ticked
off, removed and put back. Each change goes back to the call's list of steps."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, g, redirect, request, url_for

from store import calls as call_store
from store import applications, checklist, decisions
from store.text import counted, day

from . import db, settings
from .auth import safe_next
from .background import telling

bp = Blueprint("steps", __name__)


def _back_to(identifier: str, **shown):
    return redirect(url_for("calls.detail", identifier=identifier, _anchor="steps", **shown))


def _call_and_deadline(decision_id: int) -> tuple[dict, date | None]:
    """The call the decision is on, and its next deadline: the one due days are set against."""
    call = call_store.get_call(db(), decisions.call_identifier(db(), decision_id))
    return call, checklist.next_deadline(call, settings().as_of())[0]


def _refuse_unless_written(decision_id: int) -> None:
    """The steps of an application no longer to write (no bid, rejected, or ended) are kept as they were, a
    record: a change sent from a page left open elsewhere is refused, in a sentence. They change again once
    the decision does."""
    decision = decisions.decision_by_id(db(), decision_id)
    if not applications.planned_application(decision):
        abort(409, f"{applications.unwritten_words(decision)}: its steps are kept as they were, and no longer change.")


@bp.post("/decisions/<int:decision_id>/steps")
def add(decision_id):
    _refuse_unless_written(decision_id)
    call, deadline = _call_and_deadline(decision_id)
    try:
        step = checklist.add_step(db(), decision_id, request.form.get("title", ""), request.form.get("due"), g.user,
                                  deadline)
    except checklist.InvalidStep as problem:  # the form is a line long: said, and typed again
        flash(f"The step was not added: {problem}")
    else:
        flash(f"Step added: {step['title']}.")
    return _back_to(call["identifier"])


@bp.post("/decisions/<int:decision_id>/steps/usual")
def add_usual(decision_id):
    _refuse_unless_written(decision_id)
    call, _ = _call_and_deadline(decision_id)
    added = checklist.add_usual_steps(db(), decision_id, call, settings().as_of(), g.user)
    flash(f"{counted(added, 'usual step')} added." if added else "Every usual step is in the list already.")
    return _back_to(call["identifier"])


@bp.post("/decisions/<int:decision_id>/steps/follow-deadline")
def follow_deadline(decision_id):
    """The open steps move with a deadline the portal moved, keeping the plan's spacing."""
    _refuse_unless_written(decision_id)
    call, deadline = _call_and_deadline(decision_id)
    if deadline is None:
        flash("The call has no deadline ahead for the steps to follow.")
    else:
        moved = checklist.follow_deadline(db(), decision_id, deadline, checklist.deadline_dates(call), g.user)
        flash(f"{counted(moved, 'open step')} moved with the deadline of {day(deadline)}.")
    return _back_to(call["identifier"])


@bp.post("/steps/<int:step_id>")
def edit(step_id):
    """What a step is, its due day and who does it (a colleague, or empty: whoever writes the application)."""
    step = checklist.get_step(db(), step_id)
    _refuse_unless_written(step["decision_id"])
    call, deadline = _call_and_deadline(step["decision_id"])
    chosen = (request.form.get("assignee") or "").strip()
    try:
        if chosen and not chosen.isdigit():
            raise checklist.InvalidStep("Choose a colleague, or whoever writes the application.")
        step = checklist.update_step(db(), step_id, request.form.get("due"), int(chosen) if chosen else None,
                                     deadline, title=request.form.get("title"), user=g.user)
    except checklist.InvalidStep as problem:
        flash(f"The step was not changed: {problem}")
    else:
        flash(f"“{step['title']}” is saved" + (telling("worker.jobs.tell_handed_step", step["id"], step["assignee"],
                                                         step["emailed"]) if step["handed"] else "."))
    return _back_to(call["identifier"])


@bp.post("/steps/<int:step_id>/done")
def done(step_id):
    _refuse_unless_written(checklist.get_step(db(), step_id)["decision_id"])
    step = checklist.set_done(db(), step_id, request.form.get("done") == "1", g.user)
    if request.form.get("next"):  # ticked off in the Pipeline's list of one's own steps: back there
        flash(f"Done: {step['title']}.")
        return redirect(safe_next(request.form["next"]))
    return _back_to(decisions.call_identifier(db(), step["decision_id"]))


@bp.post("/steps/<int:step_id>/remove")
def remove(step_id):
    _refuse_unless_written(checklist.get_step(db(), step_id)["decision_id"])
    step = checklist.remove_step(db(), step_id, g.user)
    flash(f"Step removed: {step['title']}. What happened to the steps keeps it, to put back.")
    return _back_to(decisions.call_identifier(db(), step["decision_id"]), history="steps")


@bp.post("/steps/removed/<int:event_id>/restore")
def restore(event_id):
    """A removed step put back as it was (a press too quick, or a step that applies after all)."""
    decision_id = checklist.removal(db(), event_id)["decision_id"]
    _refuse_unless_written(decision_id)
    identifier = decisions.call_identifier(db(), decision_id)
    try:
        step = checklist.restore_step(db(), event_id, g.user)
    except checklist.InvalidStep as problem:  # put back in another tab already
        flash(str(problem))
        return _back_to(identifier, history="steps")
    flash(f"Step put back: {step['title']}.")
    return _back_to(identifier)


def step_change_words(event: dict) -> str:
    """A line of the steps' history (or of Lately) as a sentence after who did it: what happened to which step."""
    title, detail = f"“{event['title']}”", event["detail"]

    def when(key: str) -> str:
        return day(date.fromisoformat(detail[key])) if detail.get(key) else ""

    change = event["change"]
    if change == "added":
        return f"added {title}" + (f", due {when('due')}" if detail.get("due") else "")
    if change == "renamed":
        return f"renamed “{detail['from']}” to {title}"
    if change == "due":
        if not detail.get("to"):
            return f"took the due day off {title} (it was {when('from')})"
        return f"made {title} due {when('to')}" + (f" rather than {when('from')}" if detail.get("from") else "")
    if change == "moved":
        return f"moved {title} with the deadline, from {when('from')} to {when('to')}"
    if change == "handed":
        if event["to_user_id"] is None:
            return f"left {title} to whoever writes the application"
        return f"took {title} on" if event["to_user_id"] == event["user_id"] else f"handed {title} to {event['to']}"
    return {"done": "ticked off", "reopened": "reopened", "removed": "removed the step",
            "restored": "put back the step"}[change] + f" {title}"
