"""The consortium builder of a call's page: the members and how far the team has got with each, whom it knows
there and the emails drafted to them, the recommended partners, the budget split, the consortium gathered for
an earlier call of the series, and the partner list to download; the changes to it come back to the builder."""

from __future__ import annotations

import re
from collections.abc import Collection

from flask import Blueprint, abort, flash, g, redirect, request, url_for

from matcher.partner_search import ORDERS, coverage, suggested_consortium
from store import calls as call_store
from store import applications, checklist, decisions, profiles
from store import consortium as consortium_store
from store.errors import NotFound
from store.contacts import known_contacts, organisations_known
from store.partners import (SECTOR_LABELS, contact_forms, organisations_by_id, search_organisations, sector_label,
                            technology_of, typed_country, typed_sector)
from store.text import amount, in_zone, place_name, respelt

from . import call_or_404, current_profile_id, db, page_url, settings, unknown_sector_or_country, vocabulary
from .outreach import LANGUAGES, languages_for, mail_draft, mail_link
from .partner_cache import partner_suggestions
from .spreadsheets import csv_file, csv_text, known_cells, website_cell

bp = Blueprint("consortium", __name__)
FOUND_AT_MOST = 10  # organisations a search from the consortium builder lists (the Partners page pages them all)
PARTNERS_IN_SPREADSHEET = 100  # recommended partners a download lists: more than any outreach gets through


def earlier_consortium(series: dict | None, members: list[dict]) -> dict | None:
    """The latest consortium the profile gathered in the call's series (`decisions.same_series`), to start this one
    from: its call, its partners that did not decline (with how far the team got with each there), and those
    of them not listed here yet (`missing`, as they are listed there). None without one, or with all of them
    here already: a proposal sent again, most often after a loss, goes with the same partners."""
    if not series:
        return None
    found = consortium_store.earlier_consortium(db(), current_profile_id(), [c["call_id"] for c in series["calls"]])
    if found is None:
        return None
    call_id, partners = found
    listed = {m["id"] for m in members}  # one that declined here is not asked again
    missing = [p for p in partners if p["id"] not in listed]
    if not missing:
        return None
    return {"call": next(c for c in series["calls"] if c["call_id"] == call_id), "partners": partners,
            "missing": missing, "confirmed": sum(p["status"] == "confirmed" for p in partners)}


def builder(call: dict, decision: dict | None) -> dict:
    """What the call page's consortium builder shows: the members (those that declined too, listed so that
    no one asks them again), how far the team has got with each, whom it knows there, the recommended
    partners around those taking part, organisations found by name, and how the consortium came together.
    The consortium of a bid that ended (`applications.ended`: `ended` says how) is a record: nothing is
    recommended, found or drafted for it."""
    ended = applications.ended(decision)
    profile_id = current_profile_id()
    members = consortium_store.members(db(), profile_id, call["id"])
    for member in members:  # asked long enough ago to ask again (a digest reminds whoever asked, too)
        member["unanswered_days"] = consortium_store.unanswered_days(member, settings().as_of(), settings().zone)
    taking_part = consortium_store.taking_part(members)
    declined = consortium_store.declined_ids(members)
    applicant = profiles.get_profile(db(), profile_id)
    sector, country, technology, known_only, order = _narrowed()
    # Those that confirmed joining the profile's other consortia: ranked as partners it worked with, and reminded
    # of it in an invitation. Read once for both.
    with_us = consortium_store.confirmed_with_us(db(), profile_id, call["id"])
    known_at = organisations_known(db())  # marked where they are listed, and what the list may be narrowed to
    suggestions = None if ended else _recommended(call, members, applicant, with_us, known_at)
    # A partner the team already knows may rank far down the list: found by name or PIC, added directly.
    find = "" if ended else (request.args.get("find") or "").strip()[:200]
    listed = {m["id"] for m in members}
    found = _found(find, listed) if find else []
    ids = [m["id"] for m in members]
    known = known_contacts(db(), ids)
    drafted = 0 if ended else _draft_mails(call, members, known, applicant, with_us)
    plan = consortium_store.budget_plan(db(), profile_id, call["id"])
    return {"members": members, "taking_part": taking_part, "declined": declined,
            "confirmed": sum(m["status"] == "confirmed" for m in taking_part),
            "contacts": contact_forms(db(), ids), "known": known, "drafted": drafted,
            "technical": {i for i, t in technology_of(db(), ids).items() if t["oriented"]},
            "consortium_history": [{**e, "words": consortium_change_words(e["change"])}
                                   for e in consortium_store.history(db(), profile_id, call["id"])],
            "partner_statuses": consortium_store.STATUSES, "max_status_note": consortium_store.MAX_STATUS_NOTE,
            "plan": plan, "split": consortium_store.budget_split(
                plan["own_budget"], taking_part, call, plan["funding_rate"], applicant["organisation_types"]),
            "applicant": applicant, "covered": coverage(applicant, taking_part), "suggestions": suggestions,
            "suggested": suggested_consortium(suggestions, taking_part, applicant), "sectors": SECTOR_LABELS,
            "known_at": known_at,
            "ended": applications.unwritten_words(decision) if ended else None,
            "unknown_narrowing": unknown_sector_or_country(sector, country),
            "narrow": {"sector": sector, "country": country, "technology": "1" if technology else None,
                       "known": "1" if known_only else None, "order": order if order != "overall" else None},
            "find": find, "found": found, "found_at_most": FOUND_AT_MOST,
            "find_instead": _find_instead(find, listed) if find and not found else None,
            "partners_in_spreadsheet": PARTNERS_IN_SPREADSHEET}


def _found(find: str, listed: Collection[int]) -> list[dict]:
    """The first FOUND_AT_MOST organisations outside the consortium (`listed`: its members' ids) whose name or
    PIC has `find`."""
    rows, _ = search_organisations(db(), q=find, per_page=FOUND_AT_MOST + len(listed), with_total=False)
    return [o for o in rows if o["id"] not in listed][:FOUND_AT_MOST]


def _find_instead(find: str, listed: Collection[int]) -> str | None:
    """For a name that finds nobody, the name with a word no name holds spelt as the nearest one that names hold
    ("Fraunhofr"), where that finds someone outside the consortium; as the Partners page sets a name right."""
    spelt = respelt(find, vocabulary.organisation_words())
    return spelt if spelt and _found(spelt, listed) else None


def _narrowed() -> tuple[str | None, str | None, bool, bool, str]:
    """How the recommended partners are narrowed and ordered, from the address: one sector or country (an
    unknown value means any, and `unknown_sector_or_country` says so), technology-oriented only (SIC's strategy
    counts them), only where the team knows someone, and the order (`ORDERS`)."""
    order = request.args.get("order") if request.args.get("order") in ORDERS else "overall"
    return (typed_sector(request.args.get("sector")), typed_country(request.args.get("country")),
            request.args.get("technology") == "1", request.args.get("known") == "1", order)


def _recommended(call: dict, members: list[dict], applicant: dict, with_us: dict[int, dict],
                 known_at: Collection[int], limit: int = 15) -> dict | None:
    """The partners recommended around the consortium as it stands (`members`), narrowed and ordered as the
    address asks (`_narrowed`; `known_at`: the organisations where the team knows someone), the first `limit`;
    None without partner data."""
    sector, country, technology, known_only, order = _narrowed()
    return partner_suggestions(
        call, [m["id"] for m in consortium_store.taking_part(members)], applicant, limit=limit, sector=sector,
        country=country, declined=consortium_store.declined_ids(members), technology=technology, with_us=with_us,
        order=order, among=known_at if known_only else None)


def _draft_mails(call: dict, members: list[dict], known: dict[int, list[dict]], applicant: dict,
                 before: dict[int, dict]) -> int:
    """Gives each address the team knows at a member (`known`, by organisation) its `mail` link: a drafted
    invitation, reminder or subject (`outreach.mail_draft`), by how far the team has got with the member, and
    its `other_drafts` (language, its name, link) where the draft is offered in Latvian too; an invitation to
    one that joined an earlier consortium of ours (`before`: `consortium.confirmed_with_us`) recalls it.
    Returns how many it drafted."""
    coordinator = next((m["name"] for m in members if m["coordinator"]), None)
    today = settings().as_of()
    deadline = checklist.next_deadline(call, today)[0]
    drafted = 0
    for member in members:
        first, *others = languages_for(applicant["countries"], member["country"])
        for contact in known.get(member["id"], []):
            if contact["email"]:
                drafts = {language: mail_link(contact["email"], *mail_draft(
                    member["status"], call, member["name"], contact["person"], applicant["name"], coordinator,
                    deadline, today, member["budget"], language, before.get(member["id"], {}).get("latest")))
                    for language in (first, *others)}
                contact["mail"] = drafts[first]
                contact["other_drafts"] = [(language, LANGUAGES[language], drafts[language]) for language in others]
                drafted += 1
    return drafted


def consortium_change_words(change: str) -> tuple[str, str]:
    """The words before and after the organisation's name in a line of a consortium's history."""
    if change in consortium_store.STATUSES:
        return "marked", consortium_store.STATUSES[change]
    return {"added": ("added", ""), "removed": ("removed", ""), "coordinator": ("made", "the coordinator"),
            "not_coordinator": ("", "no longer the coordinator")}[change]


@bp.post("/calls/<path:identifier>/consortium")
def change_members(identifier):
    """Add or remove consortium members: one organisation, or several at once (the suggested consortium)."""
    call = call_or_404(identifier)
    try:
        organisation_ids = [int(value) for value in request.form.getlist("organisation_id")]
    except ValueError:
        abort(400, "Choose an organisation.")
    if not organisation_ids:
        abort(400, "Choose an organisation.")
    profile_id, user_id = current_profile_id(), g.user["id"]
    if request.form.get("action") == "remove":
        return _changed_consortium(call, lambda: consortium_store.remove_members(
            db(), profile_id, call["id"], organisation_ids, user_id))
    # Partners brought from an earlier call's consortium say so in the history.
    earlier = call_store.get_call(db(), source, profile_id) if (source := request.form.get("from")) else None
    note = f"from the consortium for {earlier['identifier']}" if earlier else ""
    return _changed_consortium(call, lambda: consortium_store.add_members(
        db(), profile_id, call["id"], organisation_ids, user_id, note))


@bp.post("/calls/<path:identifier>/consortium/<int:organisation_id>/status")
def partner_status(identifier, organisation_id):
    """How far the team has got with a partner: asked, confirmed, declined, and a line of note."""
    call = call_or_404(identifier)
    return _changed_consortium(call, lambda: consortium_store.set_status(
        db(), current_profile_id(), call["id"], organisation_id, request.form.get("status", ""),
        request.form.get("note", ""), g.user["id"]))


@bp.post("/calls/<path:identifier>/consortium/budget")
def budget(identifier):
    """The planned split of the grant: the applicant's own share (`own`) and each member's (`budget-ID`), and
    the funding rate the applicant plans with (`rate`; blank: the call's)."""
    call = call_or_404(identifier)
    shares = {int(key.removeprefix("budget-")): value for key, value in request.form.items()
              if key.startswith("budget-") and key.removeprefix("budget-").isdigit()}

    def save():
        consortium_store.set_budgets(db(), current_profile_id(), call["id"], request.form.get("own"), shares,
                                     g.user["id"], rate=request.form.get("rate"))
        flash("Budget split saved.")

    return _changed_consortium(call, save, anchor="budget-split")


@bp.post("/calls/<path:identifier>/consortium/coordinator")
def coordinator(identifier):
    """Who leads the proposal: a member (the consortium that invited us), or the applicant (empty)."""
    call = call_or_404(identifier)
    chosen = (request.form.get("coordinator") or "").strip()
    if chosen and not chosen.isdigit():
        abort(400, "Choose a member of the consortium, or the applicant.")
    return _changed_consortium(call, lambda: consortium_store.set_coordinator(
        db(), current_profile_id(), call["id"], int(chosen) if chosen else None, g.user["id"]))


def refuse_if_ended(call: dict, ending: str = "and no longer changes") -> None:
    """The consortium of a bid that ended is kept as it was: a change sent from a page left open elsewhere
    is refused, in a sentence (`ending` ends it)."""
    decision = decisions.get_decision(db(), current_profile_id(), call["id"])
    if applications.ended(decision):
        abort(409, f"{applications.unwritten_words(decision)}: its consortium is kept as it was, {ending}.")


def _changed_consortium(call: dict, change, anchor: str = "consortium"):
    """Make a change to the consortium (a refusal is said in a sentence), then go back to the builder with
    the recommended partners narrowed as they were: the form's address carries the sector, country,
    whether only technology-oriented organisations were shown, and their order."""
    refuse_if_ended(call)
    try:
        change()
    except (consortium_store.InvalidStatus, consortium_store.InvalidBudget) as exc:
        abort(400, str(exc))
    except NotFound as exc:
        abort(404, str(exc))
    narrow = {key: request.args.get(key) for key in ("sector", "country", "technology", "known", "order")}
    return redirect(url_for("calls.detail", identifier=call["identifier"], _anchor=anchor, **narrow))


@bp.route("/calls/<path:identifier>/consortium.csv")
def partner_list(identifier):
    """The consortium being built, for the proposal's partner list and the first emails to the partners;
    those that declined are listed too, with their status, so that no one asks them again."""
    call = call_or_404(identifier)
    header = ["organisation", "role", "short name", "PIC", "country", "city", "sector", "contact person",
              "contact email", "website", "contact form", "projects in the data", "planned budget EUR", "status",
              "status note", "status set by", "status set on", "added by", "added on"]
    members = consortium_store.members(db(), current_profile_id(), call["id"])
    contacts = contact_forms(db(), [m["id"] for m in members])  # for one with no address: the portal's form
    known = known_contacts(db(), [m["id"] for m in members])  # whom the team knows there
    zone = settings().zone  # the days on the team's clock
    rows = ([csv_text(m["name"]), "coordinator" if m["coordinator"] else "partner", csv_text(m["short_name"]),
             m["pic"] or "", m["country"] or "",
             csv_text(place_name(m["city"])), sector_label(m["sector"] or ""), *known_cells(known.get(m["id"], [])),
             website_cell(m["website"]), contacts.get(m["id"], {}).get("url", ""),
             m["projects"], amount(m["budget"]), consortium_store.STATUSES[m["status"]], csv_text(m["status_note"]),
             m["status_by"] or "", in_zone(m["status_at"], zone).date() if m["status_at"] else "",
             m["added_by"] or "", in_zone(m["added_at"], zone).date()]
            for m in members)
    return csv_file(f"consortium-{_file_name(call['identifier'])}.csv", header, rows)


@bp.route("/calls/<path:identifier>/partners.csv")
def recommended_csv(identifier):
    """The recommended partners around the consortium as it stands, narrowed and ordered as on the call's
    page, the first PARTNERS_IN_SPREADSHEET of them: for planning whom to ask, with why each, whom the team
    knows there and how to reach them."""
    call = call_or_404(identifier)
    refuse_if_ended(call, "and no partners are recommended for it")
    profile_id = current_profile_id()
    suggestions = _recommended(call, consortium_store.members(db(), profile_id, call["id"]),
                               profiles.get_profile(db(), profile_id),
                               consortium_store.confirmed_with_us(db(), profile_id, call["id"]),
                               organisations_known(db()), limit=PARTNERS_IN_SPREADSHEET)
    if suggestions is None:
        abort(404, "No partner data is stored yet: `callmatch import-cordis` or a partner crawl brings it in.")
    ranked = suggestions["ranked"]
    ids = [p["organisation_id"] for p in ranked]
    details, known, contacts = organisations_by_id(db(), ids), known_contacts(db(), ids), contact_forms(db(), ids)
    header = ["rank", "organisation", "short name", "PIC", "country", "city", "sector", "technology-oriented",
              "in the suggested consortium", "why", "projects in the data", "projects coordinated",
              "contact person", "contact email", "website", "contact form", "organisation page", "score"]

    def row(p: dict) -> list:
        o = details[p["organisation_id"]]
        return [p["rank"], csv_text(p["name"]), csv_text(o["short_name"]), o["pic"] or "", p["country"] or "",
                csv_text(place_name(o["city"])), sector_label(p["sector"] or ""), "yes" if p["technology"] else "",
                "yes" if p["suggested"] else "", csv_text("; ".join(p["reasons"])), o["projects"], o["coordinated"],
                *known_cells(known.get(o["id"], [])), website_cell(o["website"]),
                contacts.get(o["id"], {}).get("url", ""), page_url("partners.organisation", organisation_id=o["id"]),
                f"{p['score']:.4f}"]

    return csv_file(f"partners-{_file_name(call['identifier'])}.csv", header, map(row, ranked))


def _file_name(text: str) -> str:
    """An identifier as a download's file name: letters, digits, dots and dashes."""
    return re.sub(r"[^A-Za-z0-9.-]+", "-", text).strip("-.")[:80] or "call"
