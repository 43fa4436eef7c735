"""The ranked list of calls and its export, one call's page (its consortium builder is in `consortium`), and the
decisions recorded there: bid or no bid, approval, who writes it, and how it ended."""

from __future__ import annotations

import math
from datetime import date
from difflib import get_close_matches
from decimal import Decimal

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from matcher import learn
from matcher.scoring import SIGNAL_LABELS
from matcher.texts_fit import fitting_texts
from store import calls as call_store
from store import checklist
from store import consortium as consortium_store
from store import (applications, decisions, discussion, evaluations, own_calls, profiles, results, runs, texts, users,
                   watches)
from store.codes import series_of
from store.text import (as_searched, capitalised, consortium_progress, counted, each_term_left_out, eur,
                        failed_gates, quoted, search_terms, searches_instead)
from store.text import rate as written_rate

from . import MAX_PAGE, background, call_or_404, current_profile_id, db, number_in_range, page_url, settings, vocabulary
from .auth import safe_next
from .partner_cache import embedding_store
from .spreadsheets import csv_file, csv_text
from .consortium import builder as consortium_builder
from .consortium import earlier_consortium
from .steps import step_change_words

bp = Blueprint("calls", __name__)
PER_PAGE = 25
MAX_NEAR_MISSES = 3  # what a search that finds nothing offers instead (`_near_misses`)
# What each of the page's filters other than the search lets in when it is left out (its address's argument, the
# words): an empty page offers that (`_near_misses`).
WIDER = {"programme": ("programme", "in any programme"), "status": ("status", "of any status"),
         "within_days": ("within_days", "with no deadline window"), "min_grant": ("min_grant", "with no minimum grant"),
         "decision": ("decision", "with any decision or none"), "changed": ("changed", "changed lately or not"),
         "new": ("new", "new or not")}
# The sort orders of store.calls.SORTS as the calls page names them, in the order it offers them.
SORT_LABELS = {"score": "best fit", "deadline": "deadline", "grant": "largest grant", "new": "newest"}


def call_filters(args) -> tuple[dict, list[str]]:
    """Validated filters from the query string, and a message for each value that was refused."""
    errors, f = [], {}
    f["programme"], problem = _programme(args.get("programme"))
    if problem:
        errors.append(problem)
    status = args.get("status") or None
    if status and status not in ("open", "forthcoming", "closed"):
        errors.append("Status must be open, forthcoming or closed.")
        status = None
    f["status"] = status
    # Upper bounds keep numbers within what the database takes: ten years, a trillion euros.
    for name, label, cast, low, high in (("within_days", "Deadline window", int, 0, 3650),
                                         ("min_grant", "Minimum grant", float, 0, 10**12),
                                         ("page", "Page", int, 1, MAX_PAGE)):
        # Spaces between thousands, as amounts are often typed.
        f[name], problem = number_in_range((args.get(name) or "").strip().replace(" ", ""), label, cast, low, high)
        if problem:
            errors.append(problem)
    f["text"] = (args.get("q") or "").strip()[:200] or None
    decision = args.get("decision") or None
    if decision and decision not in (*decisions.STATES, "none"):
        errors.append("Decision must be bid, maybe, no bid or none.")
        decision = None
    f["decision"] = decision
    f["show_screened"] = args.get("screened") == "1"
    f["changed"] = args.get("changed") == "1"
    f["new"] = args.get("new") == "1"
    sort = args.get("sort") or "score"
    if sort not in call_store.SORTS:
        *first, last = SORT_LABELS.values()
        errors.append(f"Sort by {', '.join(first)} or {last}.")
        sort = "score"
    f["sort"] = sort
    return f, errors


def _programme(typed: str | None) -> tuple[str | None, str | None]:
    """(the programme a filter names, as the stored calls name it: "horizon europe" is Horizon Europe; a
    sentence when no stored call is in it, which leaves it out, naming the nearest that some are in)."""
    typed = (typed or "").strip()
    if not typed:
        return None, None
    named = {programme.lower(): programme for programme in _programmes()}
    if typed.lower() in named:
        return named[typed.lower()], None
    near = get_close_matches(typed.lower(), named, n=1, cutoff=0.8)
    return None, (f"No stored call is in the programme “{typed[:60]}”"
                  + (f" (did you mean {named[near[0]]}?)" if near else "") + ", so every programme is shown.")


def _programmes() -> list[str]:
    """The programmes the stored calls are in, read once a request: the filter reads a typed one against them,
    and the page lists them."""
    if "programmes" not in g:
        g.programmes = call_store.programmes(db())
    return g.programmes


def _today() -> date:
    return settings().as_of()


def _near_misses(filters: dict) -> list[dict]:
    """For a search that found nothing, the searches one step wider that find some, at most MAX_NEAR_MISSES: with
    a word no call holds spelt as the nearest one calls hold ("sustainabilty"), with a word in the form calls
    write ("entrepreneurial" as "entrepreneurship"), with the screened-out calls shown, with the words of a
    phrase apart, and, unless a slip set right finds some, with one word left out: the narrowest search first,
    which keeps the rarer words ("Latvia" alone before "tourism" alone). Where no word is what keeps them out,
    with one of the other filters left out (`WIDER`), the narrowest first. Each is {"said": what it finds,
    "link": what following it does, "args": the address's arguments, "n": how many, "widened": the filters it
    changes}. Only read when a page is empty."""
    text = filters["text"] or ""
    spelt, instead = searches_instead(text, vocabulary.call_words()) if text else (None, [])
    # Each: (the filters it changes, the address's arguments for them, what the calls it finds do, the link).
    wider = [({"text": search}, {"q": search}, ("call", "matches", "match", as_searched(search)),
              "search for that instead") for search in instead]
    if not filters["show_screened"]:
        wider.append(({"show_screened": True}, {"screened": "1"}, ("screened-out call", "matches", "match", ""),
                      "show them"))
    if quoted(text):
        apart = " ".join(search_terms(text))
        wider.append(({"text": apart}, {"q": apart}, ("call", "holds", "hold", "the words apart"),
                      "search for them in any order"))
    left_out = [({"text": search}, {"q": search},
                 ("call", "matches", "match", f"{as_searched(search)}, {as_searched(left)} left out"),
                 "search for that instead") for search, left in each_term_left_out(spelt or text)]
    near = _finding(filters, wider, MAX_NEAR_MISSES)
    set_right = spelt is not None and any(found["args"].get("q") == spelt for found in near)
    if not set_right and len(near) < MAX_NEAR_MISSES:  # each word left out, the narrowest search first
        near += sorted(_finding(filters, left_out), key=lambda found: found["n"])[:MAX_NEAR_MISSES - len(near)]
    if len(near) < MAX_NEAR_MISSES and not any("text" in found["widened"] for found in near):
        # No word of the search is what keeps them out (or there is none): one of the other filters may be.
        left_out = [({name: None}, {arg: ""}, ("call", "matches", "match", words), "show them")
                    for name, (arg, words) in WIDER.items()
                    if filters[name] is not None and filters[name] is not False]  # 0 days is a filter too
        near += sorted(_finding(filters, left_out), key=lambda found: found["n"])[:MAX_NEAR_MISSES - len(near)]
    return near


def _finding(filters: dict, wider: list[tuple], most: int | None = None) -> list[dict]:
    """Those of the `wider` searches (`_near_misses`) that find some calls, the first `most` (all: None), each as
    the page offers it, with `n` calls found."""
    near, kept = [], {k: v for k, v in request.args.items() if k not in ("page", "tick")}
    chosen = {key: value for key, value in filters.items() if key != "sort"}  # no order to a count
    for widened, args, (noun, does, do, what), link in wider:
        if len(near) == most:
            break
        if calls := call_store.count_calls(db(), current_profile_id(), _today(), **{**chosen, **widened}):
            near.append({"said": " ".join(filter(None, (counted(calls, noun, verb=(does, do)), what))),
                         "link": link, "args": {**kept, **args}, "n": calls, "widened": widened})
    return near


@bp.route("/")
def home():
    return redirect(url_for("calls.index"))


@bp.route("/calls")
def index():
    filters, errors = call_filters(request.args)
    page = filters.pop("page") or 1
    rows, total = call_store.search_calls(db(), current_profile_id(), _today(), page=page, per_page=PER_PAGE,
                                          user_id=g.user["id"], **filters)
    pages = max(1, math.ceil(total / PER_PAGE))
    screened_total = call_store.screened_count(db(), current_profile_id())
    args = {k: v for k, v in request.args.items() if k not in ("page", "tick")}  # a tick is for this page only
    first_crawl_pending = not total and not call_store.any_stored(db())
    return render_template("calls.html", title="Calls", rows=rows, total=total, page=page, pages=pages,
                           first_crawl_pending=first_crawl_pending, crawl_hour=settings().crawl_hour,
                           near=[] if total or first_crawl_pending else _near_misses(filters),
                           crawl_spiders=settings().crawl_spiders,
                           filters=filters, errors=errors, programmes=_programmes(), args=args,
                           today=_today(), screened_total=screened_total, states=decisions.STATES, sorts=SORT_LABELS,
                           reasons=decisions.REASONS, many_states=MANY_STATES, max_note=decisions.MAX_NOTE,
                           recent_change_days=call_store.RECENT_CHANGE_DAYS, new_call_days=call_store.NEW_CALL_DAYS,
                           failing=runs.failing_sources(db(), settings().crawl_spiders),
                           watched=watches.watching(db(), g.user["id"], current_profile_id(), filters))


def passage_rows(matches: list[dict]) -> list[dict]:
    """The explanation's (call passage, profile item) pairs with each passage once, its profile items
    under it, best first: two parts of the profile often match the same passage."""
    rows: dict[str, dict] = {}
    for m in matches:
        rows.setdefault(m["call"], {"call": m["call"], "items": []})["items"].append(m)
    return list(rows.values())


# The decision's fields in the order the form asks for them; the database keeps a change's keys unordered.
HISTORY_ORDER = ("state", "reason", "note", "assessment", "overrides", "approval", "lead", "outcome", "evaluation")


def history_changes(change: dict, weights: dict | None = None) -> list[str]:
    """One event of a decision's history in the page's words: "state Maybe → Bid", a first value alone
    ("note “Ask the Riga lab”"), fields in the form's order; an assessment's mean as the profile's
    `weights` weigh it now."""
    words = {"state": decisions.STATES, "approval": decisions.APPROVALS}

    def said(field: str, value) -> str:
        if value in (None, ""):
            return "—"
        value = words.get(field, {}).get(value, value)
        return f"“{value}”" if field == "note" else str(value)

    order = {field: n for n, field in enumerate(HISTORY_ORDER)}
    out = []
    for field in sorted(change, key=lambda f: (order.get(f, len(order)), f)):
        old, new = change[field]
        if field == "overrides":  # the gates failed when it was decided: a list, said as the calls page does
            out.append(f"overrides the screening ({failed_gates(new)})" if new else "no longer overrides the screening")
        elif field == "assessment":  # ratings: their line, or that they were taken back
            out.append(f"assessment {decisions.assessment_summary(new, weights)}" if new else "assessment taken back")
        elif field == "evaluation":  # the report's scores, and whether its comments were written down
            out.append(evaluation_change(old, new))
        elif old in (None, ""):
            out.append(f"{field} {said(field, new)}")
        else:
            out.append(f"{field} {said(field, old)} → {said(field, new)}")
    return out


def evaluation_change(old: dict | None, new: dict | None) -> str:
    """A change of a bid's evaluation in the history's words: "evaluation scored 12.5 of 15: below the
    threshold of 10; the evaluators' comments added"."""
    if not new:
        return "evaluation taken back"
    scored = evaluations.evaluation_summary(new)
    said = [scored] if scored else ["score taken out"] if evaluations.evaluation_summary(old) else []
    if (new.get("criteria") or []) != ((old or {}).get("criteria") or []):
        said.append(f"by criterion {evaluations.criteria_said(new)}" if new.get("criteria")
                    else "the scores by criterion taken out")
    if new["comments"] != (old or {}).get("comments", ""):
        said.append("the evaluators' comments " + ("taken out" if not new["comments"] else
                                                   "changed" if (old or {}).get("comments") else "added"))
    return "evaluation " + ("; ".join(said) if said else "changed")


def history_sentence(call: dict) -> str:
    """What the profile's preferences and history say about the call, as one sentence ('' for nothing)."""
    history = (call.get("explanation") or {}).get("history") or {}
    notes = []
    if history.get("programme_preferred"):
        notes.append(f"{call.get('programme') or 'its programme'} is one of our preferred programmes")
    if history.get("past_projects"):
        past = counted(history["past_projects"], "past project")
        note = (f"{history.get('in_programme_family') or 0} of our {past}"
                f" in the {history.get('programme_family') or '—'} family")
        if history.get("in_strand"):
            note += f", {history['in_strand']} of them in its strand {history.get('strand')}"
        notes.append(note)
    if history.get("already_held"):
        notes.append("we already hold a project under this call, so it ranks below the new ones")
    sentence = "; ".join(notes)
    return capitalised(sentence) + "." if sentence else ""


@bp.route("/calls/<path:identifier>")
def detail(identifier):
    return _call_page(call_or_404(identifier))


def _linked_profile() -> dict | None:
    """The profile a link names (`?profile=`, as a digest's or a mention's link to a comment does) when it is
    not the one the user works on: the page shows the working profile's discussion, and offers to switch."""
    named = request.args.get("profile", type=int)
    if named is None or named == current_profile_id():
        return None
    return profiles.get_profile(db(), named)


def _reply_text(comments: list[dict]) -> str:
    """What the comment box starts with after "reply" under a colleague's comment (`?reply=`): a mention of
    them, so that they are told of the answer."""
    asked = request.args.get("reply", type=int)
    replied = next((c for c in comments if c["id"] == asked and c["active"] and c["user_id"] != g.user["id"]), None)
    return f"@{discussion.handle(replied['email'])} " if replied else ""


def _call_page(call: dict, draft: dict | None = None, refused: str | None = None, status: int = 200,
               outcome_draft: dict | None = None, outcome_refused: str | None = None):
    """The call's page. `draft` is a decision the user wrote that was not recorded (`refused` says why), and
    `outcome_draft` an outcome with its evaluation (`outcome_refused`): the form shows it again rather than
    losing it."""
    decision = decisions.get_decision(db(), current_profile_id(), call["id"])
    builder = consortium_builder(call, decision)
    history = decisions.history(db(), decision["id"]) if decision else []
    for event in history:
        event["changes"] = history_changes(event["change"], builder["applicant"]["assessment_weights"])
    matched = passage_rows((call.get("explanation") or {}).get("matches", []))
    due_near = decisions.due_near(db(), current_profile_id(), call["id"], _today())
    # Who may write the application: the colleagues who can sign in (and whoever leads it now, active or not).
    everyone = users.list_users(db())
    lead = next((u for u in everyone if decision and u["id"] == decision["lead_id"]), None)
    team = [u for u in everyone if u["active"] or u is lead]
    decided = decisions.decided_calls(db(), current_profile_id())
    series = decisions.same_series(call, decided)
    earlier = None if builder["ended"] else earlier_consortium(series, builder["members"])
    comments = discussion.comments_of(db(), current_profile_id(), call["id"])
    read_before = discussion.mark_read(db(), current_profile_id(), call["id"], g.user["id"])
    versions = discussion.versions_of(db(), [comment["id"] for comment in comments])
    for comment in comments:  # a colleague's comment since the user last read the discussion is new to them
        comment["new"] = comment["user_id"] != g.user["id"] and (read_before is None or comment["at"] > read_before)
        comment["versions"] = versions.get(comment["id"], [])
    page = render_template("call.html", title=call["title"], call=call, decision=decision, history=history,
                           twins=own_calls.twins(db(), call), earlier=earlier,
                           fitting_texts=_fitting_texts(call, decision),
                           changes=call_store.changes_of(db(), call["id"]), series=series,
                           **_steps(call, decision, builder["applicant"]),
                           due_near=due_near, workload_days=decisions.WORKLOAD_DAYS, lead=lead, team=team,
                           colleagues=[u for u in everyone if u["active"]],
                           comments=comments, reply_text=_reply_text(comments),
                           following=discussion.following(db(), current_profile_id(), call["id"], g.user["id"]),
                           linked_profile=_linked_profile(),
                           handles=sorted({discussion.handle(u["email"]) for u in everyone if u["active"]}),
                           max_comment=discussion.MAX_COMMENT,
                           matched=matched, labels=SIGNAL_LABELS, history_sentence=history_sentence(call),
                           **builder, questions=decisions.QUESTIONS, ratings=decisions.RATINGS,
                           evidence=assessment_evidence(call, builder["applicant"], due_near, builder["taking_part"],
                                                        builder["confirmed"], builder["declined"],
                                                        lead["email"] if lead else None, series,
                                                        builder["split"], _others_at_stake(call, builder["applicant"]),
                                                        programme_record(call, decided)),
                           states=decisions.STATES, reasons=decisions.REASONS, outcomes=decisions.OUTCOMES,
                           approvals=decisions.APPROVALS, version=decisions.version(decision),
                           draft=draft or decision, refused=refused,
                           outcome_open=bool(decision) and applications.takes_outcome(decision),
                           outcome_form=outcome_draft or _outcome_form(decision), outcome_refused=outcome_refused,
                           evaluation_numbers=evaluations.EVALUATION_NUMBERS, evaluated=evaluations.EVALUATED,
                           usual_scale=evaluations.usual_scale(call), results_timing=results.expected(call),
                           first_deadline=checklist.first_deadline(call),
                           criteria_rows=evaluations.criteria_rows(call, outcome_draft or _outcome_form(decision)),
                           max_evaluation_comments=evaluations.MAX_EVALUATION_COMMENTS,
                           max_criterion_name=evaluations.MAX_CRITERION_NAME,
                           max_note=decisions.MAX_NOTE,
                           today=_today())
    return page, status


def _fitting_texts(call: dict, decision: dict | None) -> list[dict]:
    """The profile's texts for applications closest to the call, while an application may be written for it
    (a bid or maybe, not rejected or ended): the paragraphs to start from (`matcher.texts_fit`)."""
    if not decision or not applications.planned_application(decision):
        return []
    kept = texts.texts_of(db(), current_profile_id())
    return fitting_texts(embedding_store(), call, kept) if kept else []


def _outcome_form(decision: dict | None) -> dict:
    """What the outcome form starts with: the outcome and evaluation recorded."""
    evaluation = (evaluations.evaluation_of(decision) if decision else None) or {}
    return {"outcome": (decision or {}).get("outcome") or "", "criteria": evaluation.get("criteria") or [],
            **{key: evaluation.get(key) or "" for key in (*evaluations.EVALUATION_NUMBERS, "comments")}}


def _others_at_stake(call: dict, applicant: dict) -> dict | None:
    """What the profile's other open applications would need of the own funds it sets aside for
    co-financing (`decisions.at_stake`); None while it sets none aside."""
    if applicant.get("cofinancing_reserve") is None:
        return None
    rows = decisions.board(db(), current_profile_id(), _today())
    return decisions.at_stake([r for r in rows if r["identifier"] != call["identifier"]],
                              applicant["cofinancing_reserve"])


def _steps(call: dict, decision: dict | None, applicant: dict) -> dict:
    """What the call page's steps to submission show: the decision's steps, the usual list for the call (the
    `applicant` profile's own steps with it) and how many of it are not in the steps yet, the deadline the
    usual steps count back from, the open steps dated against a deadline the portal has moved since, and what
    happened to the steps (each change in words, `said`). An application no longer to write (no bid, rejected,
    or ended) keeps its steps as they were, a record (`unwritten` says why): nothing is offered to add, move,
    tick off, remove or put back."""
    steps = checklist.steps_of(db(), decision["id"]) if decision else []
    label, usual, deadline = checklist.usual_list(call, _today(), applicant.get("own_steps") or "")
    history = checklist.step_history(db(), decision["id"]) if decision else []
    writing = decision is not None and applications.planned_application(decision)
    return {"steps": steps, "usual": (label, usual),
            "unwritten": applications.unwritten_words(decision) if decision and not writing else None,
            "step_history": [{**e, "said": step_change_words(e)} for e in history],
            "usual_missing": len(checklist.missing_usual(steps, [title for title, _ in usual])) if writing else 0,
            "next_deadline": deadline,
            "behind": checklist.left_behind(steps, deadline, checklist.deadline_dates(call)) if writing else None,
            "max_step": checklist.MAX_TITLE}


def programme_record(call: dict, decided: list[dict]) -> str | None:
    """How the profile's other bids in the call's programme ended (`decisions.win_record`), what the
    evaluators scored them (`evaluations.scores_record`) and which criterion they marked down most, where the
    programme is wider than the call's series (a strand of Horizon Europe, say); None before any ended."""
    programme = call.get("programme")
    if not programme or series_of(call) == programme:
        return None  # the series' record says it already
    bids = [c for c in decided if c["programme"] == programme and c["identifier"] != call["identifier"]
            and c["state"] == "bid"]
    shares = evaluations.score_shares(bids)
    criteria = evaluations.by_criterion(c for c in bids if c["outcome"] in evaluations.EVALUATED)
    said = [decisions.record_of(c["outcome"] for c in bids),
            evaluations.scores_record(len(shares), sum(shares) / len(shares) if shares else None),
            # the part of the application its evaluators mark down most: what this one must do better
            f"its evaluators marked {criteria[0]['name']} down most ({float(criteria[0]['share']):.0%} of its"
            " maximum)" if len(criteria) > 1 else None]
    return "; ".join(part for part in said if part) or None


def assessment_evidence(call: dict, applicant: dict, due_near: list[dict], taking_part: list[dict],
                        confirmed: int, declined: list[int], lead: str | None = None,
                        series: dict | None = None, split: dict | None = None,
                        others: dict | None = None, programme_record: str | None = None) -> dict[str, str]:
    """What the app knows that bears on each question of the bid/no-bid assessment, a line each, shown
    beside its ratings: whoever rates sees the facts first, gathered from the ranking, the gates, the
    team's other bids (and who writes them: `lead` writes this one), how its bids in the programme ended
    (`programme_record`, `decisions.win_record`), its decisions in the call's `series`
    and the consortium builder (with its budget `split`, `consortium.budget_split`), and what the other open
    applications already ask of the own funds set aside for co-financing (`others`: `decisions.at_stake`
    without this call; None while the profile sets none aside)."""
    gates = {gate["gate"]: gate for gate in call.get("gates") or []}

    def gate_said(name: str) -> list[str]:
        return [gates[name]["reason"]] if name in gates else []

    failed = [gate for gate in gates.values() if not gate.get("passed")]
    fit = [f"ranked {call['rank']:,} for {applicant['name']}" if call.get("rank") else "not ranked yet"] + (
        [f"fails the screening: {failed_gates(failed)}" if failed else "passes every screening gate"] if gates else [])
    programme = call.get("programme") or ""
    rate = decisions.success_rate(programme)
    record = sum(m["projects"] or 0 for m in taking_part)
    win = ([rate] if rate else []) + (
        [f"our record in {programme}: {ours}"] if (ours := programme_record) else []) + (
        [f"{counted(call['expected_grants'], 'grant')} expected"] if call.get("expected_grants") else []) + (
        [f"the partners so far have {counted(record, 'project')} in the partner data between them"]
        if taking_part else []) + ([f"our record in {series['name']}: {series['summary']}"] if series else []) + (
        [f"our latest bid in it with a score, {last['identifier']}, {evaluations.outcome_said(last)}"]
        if series and (last := series["last_scored"]) else [])
    least = applicant.get("min_project_size")
    rate, rate_why = consortium_store.standard_rate(call, applicant.get("organisation_types"))
    value = gate_said("size") + (
        [f"our smallest project worth bidding for is {eur(least)}"] if least and gates.get("size", {}).get("passed")
        else []) + ([f"it funds {written_rate(rate)}% of eligible costs"
                     + ("" if rate_why == consortium_store.PUBLISHED_RATE else f" ({rate_why})")]
                    if rate is not None else []) + (
        [f"the budget split planned so far gives us {eur(split['own'])} of {eur(split['total'])}"
         + (f", with {eur(split['cofinancing'])} of our own funds to add at {written_rate(split['rate'])}% funding"
            if split["cofinancing"] else "")]
        if split and split["total"] and split["own"] is not None else []) + (
        [_reserve_said(others, split["cofinancing"] if split else None)] if others else [])
    capacity = gate_said("deadline") + [
        f"{counted(len(due_near), 'other call')} marked bid or maybe due within {decisions.WORKLOAD_DAYS} days of it"
        if due_near else f"no other call marked bid or maybe is due within {decisions.WORKLOAD_DAYS} days of it"]
    if lead:  # whoever writes it may be writing the others too
        also = sum(other.get("lead") == lead for other in due_near)
        capacity.append(f"{lead} writes it" + (f" and {also} of those" if also else ""))
    partners = [consortium_progress(len(taking_part), confirmed)] + (
        [f"{counted(len(declined), 'organisation')} declined"] if declined else [])
    said = {key: "; ".join(lines) for key, lines in
            {"fit": fit, "win": win, "value": value, "capacity": capacity, "partners": partners}.items()}
    return {key: capitalised(said[key]) + "." if said[key] else "" for key in decisions.QUESTIONS}


def _reserve_said(others: dict, own: Decimal | None) -> str:
    """The own funds set aside for co-financing, against what the other open applications already need of
    them and, where this one's is planned, what it would add."""
    reserve, need = others["reserve"], others["cofinancing"]
    if others["over"]:
        return (f"the other open applications already need {eur(need)} of own funds, more than the {eur(reserve)}"
                " set aside")
    if own:
        return ((f"with the other open applications' {eur(need)}, " if need else "")
                + f"our co-financing would come to {eur(need + own)}"
                + (f", more than the {eur(reserve)} set aside" if need + own > reserve
                   else f" of the {eur(reserve)} set aside"))
    if need:
        return f"the other open applications need {eur(need)} of the {eur(reserve)} set aside for co-financing"
    return f"no other open application needs any of the {eur(reserve)} set aside for co-financing yet"


@bp.post("/calls/<path:identifier>/decision")
def decide(identifier):
    call = call_or_404(identifier)
    profile_id = current_profile_id()
    draft = {k: request.form.get(k, "") for k in ("state", "reason", "note")}
    draft["assessment"] = {key: request.form.get(f"assessment-{key}", "") for key in decisions.QUESTIONS}
    try:
        decisions.decide(db(), profile_id, call["id"], **draft, user=g.user, seen=request.form.get("seen"))
    except decisions.ChangedSince as changed:  # a colleague decided meanwhile: show theirs, keep this one
        return _call_page(call, draft=draft, refused=str(changed), status=409)
    except decisions.InvalidDecision as problem:  # said beside the form, which keeps what was written
        return _call_page(call, draft=draft, refused=str(problem), status=400)
    flash("Decision recorded." + _reweighing(profile_id))
    return redirect(url_for("calls.detail", identifier=identifier) + "#decision")


def _reweighing(profile_id: int) -> str:
    """Every decision past the minimum re-weighs the signals (and one that drops below it sets learned weights
    aside; the worker re-ranks if the weights in use change): queued now, and said after what was recorded."""
    if not learn.worth_learning(db(), profile_id):
        return ""
    problem = background.queue("worker.jobs.learn_from_decisions", profile_id)
    return (f" Re-weighing from decisions could not be queued ({problem}); run `callmatch learn`." if problem
            else " The signals are being re-weighed from your decisions in the background.")


# What the calls page records for several calls at once: screening, not bidding. A bid is decided on its call's
# page, where its assessment, the bids due near it and its partners are.
MANY_STATES = ("no_bid", "maybe")
MANY_AT_MOST = 100


@bp.post("/calls/decide")
def decide_many():
    """Maybe or no bid, with one reason (and note), for the calls ticked on the calls page: leadership screening
    fifty fitting calls should not open fifty pages. Only calls nobody had decided on when the page was shown
    are recorded; one a colleague decided on meanwhile, or that the decision cannot take as it is (a maybe on a
    call that failed the screening needs a note), is left as it is, and the page says which and why."""
    back = safe_next(request.form.get("next") or url_for("calls.index"))
    state, reason, note = (request.form.get(key, "") for key in ("state", "reason", "note"))
    identifiers = list(dict.fromkeys(request.form.getlist("call")))
    if state not in MANY_STATES:
        flash("Choose maybe or no bid for the ticked calls: a bid is decided on its call's page.")
        return redirect(back)
    if reason not in decisions.REASONS:
        flash("Nothing was recorded: choose a reason from the list.")
        return redirect(back)
    if not identifiers:
        flash("Tick the calls to mark first.")
        return redirect(back)
    if len(identifiers) > MANY_AT_MOST:
        flash(f"Mark at most {MANY_AT_MOST} calls at once; {len(identifiers)} were ticked.")
        return redirect(back)
    profile_id, recorded, left = current_profile_id(), 0, []
    for identifier in identifiers:
        call = call_store.get_call(db(), identifier, profile_id)
        try:
            if call is None:
                raise decisions.InvalidDecision("it is no longer stored.")
            decisions.decide(db(), profile_id, call["id"], state, reason, note, g.user, seen=decisions.version(None))
        except decisions.ChangedSince:
            left.append(f"{identifier} (a colleague decided on it meanwhile)")
        except decisions.InvalidDecision as problem:
            left.append(f"{identifier} ({str(problem).rstrip('.')})")
        else:
            recorded += 1
    message = f"{counted(recorded, 'call')} marked {decisions.STATES[state].lower()}."
    if left:
        message += f" Left as {'it was' if len(left) == 1 else 'they were'}: {'; '.join(left)}."
    flash(message + (_reweighing(profile_id) if recorded else ""))
    return redirect(back)


@bp.post("/decisions/<int:decision_id>/approval")
def approve(decision_id):
    try:
        row = decisions.approve(db(), decision_id, g.user, request.form.get("approve") == "1",
                                seen=request.form.get("seen"))
    except decisions.ChangedSince as changed:  # show the bid as it is now, where it can be decided again
        flash(str(changed))
        return redirect(url_for("calls.detail", identifier=call_store.identifier_of(db(), changed.call_id))
                        + "#decision")
    identifier = call_store.identifier_of(db(), row["call_id"])
    flash(f"Bid {row['approval']}" + background.telling_each("worker.jobs.tell_answered_bid", row["id"], row["told"]))
    if request.form.get("next"):  # approved from the pipeline's list: back there
        return redirect(safe_next(request.form["next"]))
    return redirect(url_for("calls.detail", identifier=identifier) + "#decision")


@bp.post("/decisions/<int:decision_id>/lead")
def lead(decision_id):
    """Who writes the application: a colleague, or nobody yet (empty)."""
    chosen = (request.form.get("lead") or "").strip()
    if chosen and not chosen.isdigit():
        abort(400, "Choose a colleague, or nobody yet.")
    row = decisions.set_lead(db(), decision_id, int(chosen) if chosen else None, g.user)
    flash("Who writes the application is saved" + (background.telling(
        "worker.jobs.tell_named_writer", row["id"], row["lead"], row["emailed"]) if row["named"] else "."))
    return redirect(url_for("calls.detail", identifier=call_store.identifier_of(db(), row["call_id"])) + "#decision")


@bp.post("/decisions/<int:decision_id>/outcome")
def outcome(decision_id):
    """How a bid ended and, won or lost, what its evaluation summary report said. A problem is said beside
    the form, which keeps what was typed (pasted comments are pages long)."""
    call = call_or_404(decisions.call_identifier(db(), decision_id))
    evaluation = {key: request.form.get(f"evaluation-{key}", "")
                  for key in (*evaluations.EVALUATION_NUMBERS, "comments")}
    evaluation["criteria"] = [{key: request.form.get(f"criterion-{key}-{n}", "") for key in ("name", "score", "out_of")}
                              for n in range(evaluations.MAX_CRITERIA)]
    read = ""  # what a report pasted whole gave, where the form's numbers were left blank
    if request.form.get("outcome") in evaluations.EVALUATED:
        evaluation, filled = evaluations.filled_from_report(evaluation)
        read = (f"Read from the pasted report: {'; '.join(filled)}. Correct them in the form if the report says"
                " otherwise.") if filled else ""
    try:
        row = decisions.set_outcome(db(), decision_id, request.form.get("outcome", ""), g.user, evaluation,
                                    today=_today())
    except decisions.InvalidDecision as problem:
        return _call_page(call, outcome_draft={"outcome": request.form.get("outcome", ""), **evaluation},
                          outcome_refused=f"{problem} {read}".strip(), status=400)
    flash(f"Outcome recorded: {evaluations.outcome_said(row)}.")
    if read:
        flash(read)
    return redirect(url_for("calls.detail", identifier=call["identifier"]) + "#outcome")


@bp.route("/calls/export.csv")
def export_csv():
    filters, _ = call_filters(request.args)
    filters.pop("page")
    rows, _ = call_store.search_calls(db(), current_profile_id(), _today(), page=1, per_page=100000, say_where=False,
                                      **filters)
    # The rate the profile is funded at: the call's published one, or the one its type of action fixes.
    kinds = profiles.get_profile(db(), current_profile_id())["organisation_types"]
    header = ["rank", "score", "identifier", "programme", "title", "status", "next deadline", "grant max EUR",
              "topic budget EUR", "funding rate %", "decision", "outcome", "screened out", "why screened out", "url"]
    return csv_file("callmatch-calls.csv", header, (
        [r["rank"], f"{r['score']:.4f}" if r["score"] is not None else "", csv_text(r["identifier"]),
         csv_text(r["programme"]), csv_text(r["title"]), r["status"], r["next_deadline"] or "",
         r["grant_max"] or "", r["topic_budget"] or "",
         written_rate(rate) if (rate := consortium_store.standard_rate(r, kinds)[0]) is not None else "",
         r["decision"] or "", r["outcome"] or "",
         "yes" if r["screened_out"] else "no", csv_text(failed_gates(r["gates"])), csv_text(r["url"])]
        for r in rows))


def call_page_url(identifier: str) -> str:
    """The call's page here as a whole address, for what is read outside the app (a calendar, a spreadsheet)."""
    return page_url("calls.detail", identifier=identifier)
