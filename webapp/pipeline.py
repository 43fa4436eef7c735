"""Calls by decision state, with their deadlines: the team's board."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone
from statistics import median

from flask import Blueprint, g, render_template, request

from store import activity, profiles, results
from store.consortium import TECHNOLOGY_TARGET, new_partners
from store.applications import awaiting_result, planned_application
from store.checklist import deadline_dates
from store.decisions import (APPROVALS, QUESTIONS, RATINGS, STATES, assessment_mean, at_stake, board, record_of,
                             steps_by_person, steps_to_do, undecided_at_top, version)
from store.evaluations import EVALUATED, by_criterion, criteria_said, evaluation_of, evaluation_summary, score_shares
from store.partners import sector_label, technology_of
from store.text import amount, cut, failed_gates, in_zone, one_line
from store.users import is_leadership

from . import current_profile_id, db, settings, waiting_bids
from .calendar import calendar_feed_url
from .calls import call_page_url, history_changes
from .consortium import consortium_change_words
from .spreadsheets import csv_file, csv_text
from .steps import step_change_words

bp = Blueprint("pipeline", __name__)
TOP = 50  # the best-ranked calls the board weighs the team's decisions against


@bp.route("/pipeline")
def index():
    today = settings().as_of()
    whole = request.args.get("lately") == "all"  # the whole of the last DAYS days, not only the latest LIMIT
    rows = board(db(), current_profile_id(), today)
    columns, folded = {state: [] for state in STATES}, {state: [] for state in STATES}
    for row in rows:  # a card in hand, or folded under its column
        (columns if on_the_board(row) else folded)[row["state"]].append(row)
    waiting = waiting_bids() if is_leadership(g.user) else []
    newcomers = new_partners(db(), current_profile_id(), today.year, settings().timezone)
    technology = technology_of(db(), [p["id"] for p in newcomers])
    for newcomer in newcomers:
        newcomer["technology"] = technology.get(newcomer["id"], {}).get("oriented", False)
    sectors = Counter(sector_label(p["sector"]) if p["sector"] else "sector unknown" for p in newcomers)
    profile = profiles.get_profile(db(), current_profile_id())
    weights = profile["assessment_weights"]
    due, awaited = results_to_record(rows, today)
    events, new_since = lately(current_profile_id(), weights, whole, request.args.get("new_since") if whole else None)
    return render_template("pipeline.html", title="Pipeline", columns=columns, folded=folded, states=STATES,
                           today=today,
                           new_partners=newcomers, new_partner_sectors=sectors.most_common(),
                           new_technology=sum(p["technology"] for p in newcomers), technology_target=TECHNOLOGY_TARGET,
                           linked=bool(profile["organisation_id"]), weights=weights,
                           ranking_check=ranking_check(rows, weights), waiting=waiting,
                           criteria=by_criterion(r for r in rows if r["outcome"] in EVALUATED),
                           results_due=due, results_awaited=awaited,
                           results_by={r["identifier"]: r["by"] for r in due + awaited if r["by"]},
                           record=record_of(r["outcome"] for r in rows),
                           stake=at_stake(rows, profile["cofinancing_reserve"]),
                           planned_deadlines=[r["next_deadline"] for r in rows
                                              if planned_application(r) and r["next_deadline"]],
                           feed_url=calendar_feed_url(g.user, current_profile_id()),
                           approvals=APPROVALS, decision_version=version, top=TOP,
                           undecided=undecided_at_top(db(), current_profile_id(), TOP),
                           leads=who_writes_what(rows, steps_by_person(db(), current_profile_id(), today)),
                           my_steps=steps_to_do(db(), g.user["id"], today, current_profile_id(), undated=True),
                           lately=events, lately_new_since=new_since,
                           lately_days=activity.DAYS, lately_limit=None if whole else activity.LIMIT,
                           best_rating=RATINGS[-1])


def on_the_board(decision: dict) -> bool:
    """Whether a decision is still one of the board's cards: a bid still to write or awaiting its result
    (`planned_application`), or a maybe or a no bid on a call still open (or that publishes no deadline). The
    rest (bids won, lost, withdrawn or rejected, maybes and no bids on calls now closed) fold under their
    column: a year's record would otherwise bury what is in hand. The register keeps them all."""
    if decision["state"] == "bid":
        return planned_application(decision)
    return decision["still_open"]  # `calls.STILL_OPEN`


def lately(profile_id: int, weights: dict, whole: bool = False, new_since: str | None = None) -> tuple[list, str]:
    """What the team did on the profile's calls in the last `activity.DAYS` days, newest first (the latest
    `activity.LIMIT`, unless the `whole` window is asked for), each event with what it did in the call page's
    words (`did`), where on that page it is (`anchor`), whether a colleague did it since the reader last looked
    (`new`; the look is noted now), whether a comment mentions the reader (`mentions_you`) or a step was handed
    to them (`to_you`). With the events, where "new" starts, as `new_since` gives it back: the whole list, asked
    for from a page that noted the look already, marks what that page called new ("": everything, for a first
    look)."""
    looked = activity.mark_seen(db(), profile_id, g.user["id"])  # before reading: nothing slips in between unseen
    if new_since is not None:
        try:
            looked = datetime.fromisoformat(new_since) if new_since else None
        except ValueError:
            pass  # a link mangled on the way: the look just noted stands
        else:
            if looked and looked.tzinfo is None:
                looked = looked.replace(tzinfo=timezone.utc)
    since = datetime.now(timezone.utc) - timedelta(days=activity.DAYS)
    events = [{**event, **_said(event, weights),
               "new": event["email"] != g.user["email"] and (looked is None or event["at"] > looked),
               "mentions_you": event["kind"] == "comment" and g.user["id"] in event["detail"]["mentions"],
               "to_you": event["kind"] == "step" and event["detail"]["change"] == "handed"
               and event["detail"]["to_user_id"] == g.user["id"]}
              for event in activity.recent(db(), profile_id, since, None if whole else activity.LIMIT)]
    return events, looked.isoformat() if looked else ""


def _said(event: dict, weights: dict) -> dict:
    detail = event["detail"]
    if event["kind"] == "decision":
        now = {field: new for field, (_, new) in detail.items()}  # each changed field's new value
        # The usual events as sentences; any other change as the call page's history says it.
        if "state" in detail and detail["state"][0] is None:
            did = f"decided {STATES[now['state']].lower()}: {now.get('reason')}" + (
                f" (“{now['note']}”)" if now.get("note") else "")
        elif set(now) == {"approval"} and now["approval"] in ("approved", "rejected"):
            did = f"{now['approval']} the bid"
        elif set(now) == {"lead"}:
            did = f"named {now['lead']} to write it" if now["lead"] else "left it to nobody to write"
        elif "outcome" in now and set(now) <= {"outcome", "evaluation"} and now["outcome"]:
            scored = evaluation_summary(now.get("evaluation"))
            did = f"recorded the outcome: {now['outcome']}" + (f", {scored}" if scored else "")
        else:
            did = ", ".join(history_changes(detail, weights))
        return {"did": did, "anchor": "decision"}
    if event["kind"] == "consortium":
        before, after = consortium_change_words(detail["change"])
        said = " ".join(part for part in (before, detail["organisation"], after) if part)
        return {"did": said + (f" (“{detail['note']}”)" if detail.get("note") else ""), "anchor": "consortium"}
    if event["kind"] == "comment":
        said = "edited a comment" if detail.get("edited") else "commented"
        return {"did": f"{said}: “{cut(one_line(detail['body']), 160)}”", "anchor": f"comment-{detail['id']}"}
    if event["kind"] == "step":
        return {"did": step_change_words(detail), "anchor": "steps"}
    if event["kind"] == "text":
        return {"did": "added" if detail["first"] else "changed", "anchor": f"text-{detail['id']}"}
    return {"did": "added the call by hand", "anchor": None}


@bp.route("/pipeline/decisions.csv")
def decisions_csv():
    """Every decision on the profile's calls with its reason, note, approval, outcome, steps and consortium: the
    bid/no-bid register, for reports and for the team's own look back at what it bid for, with whom, and won."""
    profile_id, zone = current_profile_id(), settings().zone
    weights = profiles.get_profile(db(), profile_id)["assessment_weights"]  # the mean as the profile weighs it
    header = ["identifier", "title", "programme", "next deadline", "grant max EUR", "rank", "decision", "reason",
              "note", "decided by", f"last changed ({settings().timezone})", "approval", "approved by", "written by",
              "outcome", "results due by",
              "score", "score out of", "threshold", "lowest score funded", "scores by criterion",
              "what the evaluators said",
              "steps done", "next step", "next step due", "consortium partners", "partners confirmed",
              "our planned budget EUR", "our co-financing EUR", "planned budget in all EUR",
              "overrides the screening", f"assessment (of {RATINGS[-1]})",
              *(f"assessment: {label.lower()}" for label in QUESTIONS.values()), "comments", "call page",
              "source page"]
    rows = ([csv_text(r["identifier"]), csv_text(r["title"]), csv_text(r["programme"]),
             r["next_deadline"] or ("passed" if r["deadlines"] else ""), r["grant_max"] or "", r["rank"] or "",
             STATES[r["state"]], r["reason"], csv_text(r["note"]), r["decided_by"] or "",
             f"{in_zone(r['updated_at'], zone):%Y-%m-%d %H:%M}",
             APPROVALS[r["approval"]] if r["state"] == "bid" else "", r["approved_by"] or "", r["lead"] or "",
             r["outcome"] or "", _results_due_by(r), *_evaluation_cells(r),
             f"{r['steps_done']} of {r['steps']}" if r["steps"] else "",
             csv_text(r["next_step"]), r["next_step_due"] or "", csv_text(r["partner_names"]), r["confirmed"],
             amount(r["own_budget"]), amount(r["own_cofinancing"]), amount(r["planned_budget"]),
             csv_text(failed_gates(r["overrides"])),
             assessment_mean(r["assessment"], weights) or "", *(r["assessment"].get(key, "") for key in QUESTIONS),
             r["comments"], call_page_url(r["identifier"]), csv_text(r["url"])]
            for r in board(db(), profile_id, settings().as_of()))
    return csv_file("callmatch-decisions.csv", header, rows)


def results_to_record(rows: list[dict], today: date) -> tuple[list[dict], list[dict]]:
    """The bids sent with no result recorded (nothing yet, or only "submitted") whose every deadline has passed,
    each with its `last_deadline`, the `days` since, and when its results are due (`by`, None where nothing
    says; and why, `said`: `results.expected`): those due by now or of unknown timing to record, the longest
    waiting first, and those still awaited, the soonest due first. An outcome left unrecorded makes the team's
    record, the programmes' win rates and the check of the ranking against wins and losses wrong without anyone
    seeing it; one asked for before the programme tells anyone is noise."""
    due, awaited = [], []
    for row in rows:
        dates = deadline_dates(row)
        if not (awaiting_result(row) and row["next_deadline"] is None and dates):
            continue
        timing = results.expected(row) or {}
        entry = {**row, "last_deadline": max(dates), "days": (today - max(dates)).days, "by": timing.get("by"),
                 "said": timing.get("said")}
        (awaited if entry["by"] and entry["by"] > today else due).append(entry)
    return (sorted(due, key=lambda r: (r["last_deadline"], r["identifier"])),
            sorted(awaited, key=lambda r: (r["by"], r["identifier"])))


def _results_due_by(row: dict) -> str:
    """When a bid awaiting its result should hear of it (`results.expected`); '' for a decision with a result, or
    none to wait for, and where nothing says when."""
    timing = results.expected(row) if awaiting_result(row) else None
    return timing["by"].isoformat() if timing else ""


def _evaluation_cells(row: dict) -> list[str]:
    """A decision's evaluation in the register: its numbers as the report writes them, and the comments."""
    evaluation = evaluation_of(row) or {}
    return [evaluation.get(key) or "" for key in ("score", "out_of", "threshold", "funded_from")] + [
        csv_text(criteria_said(evaluation)), csv_text(evaluation.get("comments"))]


def who_writes_what(rows: list[dict], steps: list[dict] = ()) -> list[dict]:
    """The applications still to write (bids not rejected and maybes, with a deadline ahead) by who writes
    them, with the open steps each person does (`steps_by_person`: a colleague handed a step but writing
    nothing has a row too), the busiest first, and what nobody does yet last: in a team of five the writing,
    and the administration with it, tends to rest on one person, and a deadline with nobody on it is found too
    late."""
    ahead = [r for r in rows if planned_application(r) and r["next_deadline"]]
    by_lead: dict = {}

    def person(email, active) -> dict:
        return by_lead.setdefault(email, {"lead": email, "active": active, "calls": [], "steps": 0, "overdue": 0})

    for row in ahead:  # rows come soonest first
        person(row["lead"], row["lead_active"])["calls"].append(row)
    for load in steps:
        person(load["email"], load["active"]).update(steps=load["open"], overdue=load["overdue"])
    return sorted(by_lead.values(), key=lambda g: (g["lead"] is None, -len(g["calls"]), -g["steps"],
                                                   g["calls"][0]["next_deadline"] if g["calls"] else date.max))


def ranking_check(rows: list[dict], weights: dict | None = None, top: int = TOP) -> list[dict]:
    """Where the ranking put the calls the team decided on, and those it won or lost: if bids and wins sit
    high and no-bids low, the scores agree with the team; if not, the profile or the weights need a look."""
    groups = [(label, [r for r in rows if r["state"] == state]) for state, label in STATES.items()]
    groups += [(f"{outcome.capitalize()}", [r for r in rows if r["outcome"] == outcome]) for outcome in ("won", "lost")]
    out = []
    for label, members in groups:
        ranks = [r["rank"] for r in members if r["rank"] is not None]
        # The team's own assessment, checked the same way: did the won bids stand on better grounds?
        assessed = [assessment_mean(r["assessment"], weights) for r in members if r["assessment"]]
        # And the evaluators' own verdict, as a share of each report's maximum (programmes score out of 15 or 100).
        scored = score_shares(members)
        if ranks or assessed or scored:
            out.append({"label": label, "calls": len(members), "ranked": len(ranks),
                        "median_rank": round(median(ranks)) if ranks else None,
                        "in_top": sum(rank <= top for rank in ranks), "top": top, "assessed": len(assessed),
                        "assessment": round(sum(assessed) / len(assessed), 1) if assessed else None,
                        "scored": len(scored), "score_share": sum(scored) / len(scored) if scored else None})
    return out
