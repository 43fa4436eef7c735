"""Edit the organisation profile; saving re-ranks in the background."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from store import decisions, profiles, users
from store.errors import CallmatchError
from store.partners import SECTOR_LABELS, organisation_summary, organisations_by_reference
from store.programmes import unmatched
from store.text import typed_countries, typed_euros

from . import background, current_profile_id, db
from .auth import safe_next

bp = Blueprint("profile", __name__)


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.replace("\n", ",").split(",") if v.strip()]


@bp.route("/profile", methods=["GET", "POST"])
def edit():
    profile = stored = profiles.get_profile(db(), current_profile_id())
    errors = []
    if request.method == "POST":
        form = request.form
        updated = {
            "name": form.get("name", "").strip() or profile["name"],
            "mission": form.get("mission", "").strip(),
            "themes": form.get("themes", "").strip(),
            "past_projects": form.get("past_projects", "").strip(),
            "programmes": _split(form.get("programmes", "")),
            "organisation_types": form.getlist("organisation_types"),
            "conflicts": form.get("conflicts", "").replace("\r\n", "\n").strip(),
            # A form without the field (an older page) keeps the steps stored.
            "own_steps": form.get("own_steps", profile.get("own_steps") or "").replace("\r\n", "\n").strip(),
            "updated_by": g.user["id"],
        }
        # Stored as codes, as calls' areas are: "Latvia" kept as typed would fail every area gate.
        updated["countries"], problems = typed_countries(form.get("countries", ""))
        errors += problems
        if set(updated["organisation_types"]) - set(SECTOR_LABELS):
            errors.append(f"Organisation types are among: {', '.join(SECTOR_LABELS)}.")
        # The policy's amounts; a form without the field (an older page) keeps the amount stored.
        for field, not_an_amount, problem_of in (
                ("min_project_size", profiles.NOT_AN_AMOUNT, profiles.size_problem),
                ("cofinancing_reserve", profiles.NOT_A_RESERVE, profiles.reserve_problem)):
            updated[field], problem = (_amount(form[field], not_an_amount, problem_of) if field in form
                                       else (profile.get(field), None))
            if problem:
                errors.append(problem)
                updated[field] = profile.get(field)
        try:
            updated["min_lead_days"] = int(form.get("min_lead_days", "0"))
            if not 0 <= updated["min_lead_days"] <= 365:
                raise ValueError
        except ValueError:
            errors.append("Days needed before a deadline must be a whole number from 0 to 365.")
        # A form without the weights (an older page) keeps those stored.
        stored_weights = decisions.weights_in_use(profile.get("assessment_weights"))
        try:
            updated["assessment_weights"] = decisions.checked_weights(
                {key: form.get(f"weight-{key}", weight) for key, weight in stored_weights.items()})
        except decisions.InvalidDecision as exc:
            errors.append(str(exc))
            updated["assessment_weights"] = profile.get("assessment_weights") or {}
        if not errors and not _may_set_policy(profile):
            if _policy(updated) != _policy(profile):
                errors.append("Only leadership, or whoever created this profile, changes its bid/no-bid policy "
                              "(the smallest project worth bidding for, the own funds set aside for co-financing,"
                              " the days needed before a deadline and the assessment's weights).")
            # Keep the stored values as they are (the form shows whole euros), refused or not.
            for key in ("min_project_size", "cofinancing_reserve", "min_lead_days", "assessment_weights"):
                updated[key] = profile[key]
        updated["organisation_id"], error = _linked_organisation(form.get("organisation", ""))
        if error:
            errors.append(error)
        if not updated["mission"]:
            errors.append("The mission text is what calls are matched against: it cannot be empty.")
        if not errors:
            try:
                profiles.save_profile(db(), updated, profile["id"], seen=_seen(form.get("seen")))
            except profiles.InvalidProfile as exc:
                errors.append(str(exc))
            else:
                flash("Profile saved. " + _rerank_in_background(profile["id"]))
                return redirect(url_for("profile.edit"))
        profile = {**profile, **updated}
    from matcher.learn import MIN_DECISIONS, MIN_PER_CLASS
    from matcher.ranking import active_weights
    from matcher.scoring import SIGNAL_LABELS

    return render_template("profile.html", title="Profile", profile=profile, errors=errors, max_name=profiles.MAX_NAME,
                           profiles=profiles.profile_names(db()),
                           sector_labels=SECTOR_LABELS,
                           weights=active_weights(profile), labels=SIGNAL_LABELS, learned=profile.get("weights") or {},
                           min_decisions=MIN_DECISIONS, min_per_class=MIN_PER_CLASS,
                           may_delete=_may_delete(profile), may_set_thresholds=_may_set_policy(profile),
                           questions=decisions.QUESTIONS, max_weight=decisions.MAX_WEIGHT,
                           assessment_weights=decisions.weights_in_use(profile.get("assessment_weights")),
                           last_saved=stored["updated_at"],
                           saved_by=stored.get("updated_by") and users.get_user(db(), stored["updated_by"]),
                           linked=(profile.get("organisation_id")
                                   and organisation_summary(db(), profile["organisation_id"])),
                           organisation=form.get("organisation", "") if request.method == "POST" else None,
                           countries=form.get("countries", "") if request.method == "POST" else None,
                           unmatched_programmes=unmatched(db(), stored["programmes"]))


@bp.post("/profiles/new")
def create():
    """A new profile starts as a copy of the current one under a new name, to be edited from there."""
    name = profiles.clean_name(request.form.get("name", ""))
    current = profiles.get_profile(db(), current_profile_id())
    try:
        profile_id = profiles.save_profile(db(), {**current, "name": name, "created_by": g.user["id"],
                                                  "updated_by": g.user["id"]})
    except profiles.InvalidProfile as exc:
        flash(str(exc))
        return redirect(url_for("profile.edit"))
    users.set_working_profile(db(), g.user["id"], profile_id)
    flash(f"Profile {name!r} created from a copy of {current['name']!r}; edit it below. "
          + _rerank_in_background(profile_id))
    return redirect(url_for("profile.edit"))


@bp.post("/profiles/<int:profile_id>/delete")
def delete(profile_id):
    """Leadership, or the profile's creator, deletes a profile that holds no decisions or consortia (the
    data layer refuses otherwise)."""
    profile = profiles.get_profile(db(), profile_id)
    if profile is None:
        abort(404, "No such profile.")
    if not _may_delete(profile):
        abort(403, "Only leadership or the profile's creator can delete a profile.")
    if request.form.get("confirm") != "1":
        flash("Tick the box to confirm the deletion.")
        return redirect(url_for("profile.edit"))
    try:
        name = profiles.delete_profile(db(), profile_id)
    except profiles.ProfileInUse as exc:
        flash(str(exc))
        return redirect(url_for("profile.edit"))
    flash(f"Profile {name!r} and its ranking deleted.")
    return redirect(url_for("profile.edit"))


@bp.post("/profiles/switch")
def switch():
    try:
        profile_id = int(request.form.get("profile_id", ""))
    except ValueError:
        abort(404, "No such profile.")
    profile = profiles.get_profile(db(), profile_id)
    if profile is None:
        abort(404, "No such profile.")
    users.set_working_profile(db(), g.user["id"], profile_id)
    flash(f"Now working on {profile['name']!r}: calls, decisions and consortia are this profile's.")
    return redirect(safe_next(request.form.get("next")))


def _seen(value: str | None) -> datetime | None:
    """When the profile on the editor's form was last saved. A value that is not a time (a damaged form)
    matches no save, so it asks for a second look rather than overwriting blind."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return datetime.min.replace(tzinfo=timezone.utc)


def _amount(value: str, not_an_amount: str, problem_of) -> tuple[Decimal | None, str | None]:
    """(euros, problem) for an amount of the profile's policy (the smallest project worth bidding for, the
    own funds set aside for co-financing), typed as the budget split's amounts are (`200 000`, `€200,000`):
    blank is none. Amounts the column cannot hold are refused here, with the form's own message
    (`problem_of` the amount), rather than by the database."""
    try:
        amount = typed_euros(value)
    except ValueError:
        return None, not_an_amount
    problem = problem_of(amount)
    return (None, problem) if problem else (amount, None)


def _may_delete(profile: dict) -> bool:
    return users.is_leadership(g.user) or profile.get("created_by") == g.user["id"]


def _policy(profile: dict) -> tuple:
    """The profile's bid/no-bid policy as the form shows it: the screening thresholds and the own funds set
    aside for co-financing (whole euros), and the assessment's weights."""
    size, reserve = profile.get("min_project_size"), profile.get("cofinancing_reserve")
    return ((None if size is None else int(size)), (None if reserve is None else int(reserve)),
            profile.get("min_lead_days"), profile.get("assessment_weights") or {})


def _may_set_policy(profile: dict) -> bool:
    """The screening thresholds and the assessment's weights are a bid/no-bid policy (SIC bids for no small
    project): leadership's, or the creator's on a profile of their own."""
    return _may_delete(profile)


def _linked_organisation(value: str) -> tuple[int | None, str | None]:
    """(organisation id, error) for the 'our organisation in the partner data' field: a PIC or an id."""
    if not value.strip():
        return None, None
    try:
        return organisations_by_reference(db(), [value])[0]["organisation_id"], None
    except CallmatchError as exc:
        return None, f"{exc} Import or crawl the partner data that has it, or leave the field empty."


def _rerank_in_background(profile_id: int) -> str:
    problem = background.queue("worker.jobs.rank_profile", profile_id)
    if problem:
        return f"Re-ranking could not be queued ({problem}); run `callmatch match`."
    return "The calls are being re-ranked in the background."
