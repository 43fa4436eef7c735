"""Search organisations; an organisation's page (its record, projects, collaborators and those whose work
is closest to its own), where it is weighed against the consortia being built and added to one."""

from __future__ import annotations

from difflib import get_close_matches

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from store import calls as call_store
from store import consortium as consortium_store
from store import contacts
from store import partners as partner_store
from store import profiles
from store.decisions import STATES
from store.errors import NotFound
from store.partners import SECTOR_LABELS, sector_label
from store.text import as_searched, counted, each_term_left_out, in_zone, place_name, respelt

from . import (MAX_PAGE, current_profile_id, db, number_in_range, page_url, settings, unknown_sector_or_country,
               vocabulary)
from .consortium import refuse_if_ended
from .spreadsheets import csv_file, csv_text, known_cells, website_cell

bp = Blueprint("partners", __name__)
PER_PAGE = 30
MAX_NEAR_MISSES = 3  # what a name search that finds nothing offers instead
SIMILAR = 15  # organisations listed by what they worked on: the closest, not pages of them
PROJECTS_PER_PAGE = 50  # an organisation's projects
COLLABORATORS = 20  # those it worked with most; the page says how many there are in all
SORT_LABELS = {"projects": "most projects", "coordinated": "most coordinated"}  # the orders of store.partners
STANDINGS = 20  # consortia for which an organisation's page ranks it (the soonest deadlines): each ranks every partner
MATCH, WORKED = ("matches", "match"), ("worked", "worked")  # how `_near_misses` says what those it offers do
# What each filter of the page, left out, lets in: an empty page offers that (`_near_misses`).
WIDER = {"country": "from any country", "sector": "of any sector", "programme": "with no programme asked for",
         "technology": "whether technology-oriented or not", "known": "whether the team knows someone there or not"}
IN_SPREADSHEET = 10_000  # organisations the Partners page's download lists at most: a country's, or a programme's


def _filters() -> tuple[dict, str]:
    """The Partners page's filters from the address, as `search_organisations` takes them, and its sort. A
    country or sector it does not know is left out (`unknown_sector_or_country` says so)."""
    filters = {"q": (request.args.get("q") or "").strip()[:100],
               "country": partner_store.typed_country(request.args.get("country")) or "",  # "EST": EE, not ES
               "sector": partner_store.typed_sector(request.args.get("sector")) or "",
               "programme": (request.args.get("programme") or "").strip()[:60],
               "technology": request.args.get("technology") == "1",
               "known": request.args.get("known") == "1"}  # only where the team knows someone
    return filters, request.args.get("sort") if request.args.get("sort") in SORT_LABELS else "projects"


@bp.route("/partners")
def index():
    filters, sort = _filters()
    country, sector = filters["country"], filters["sector"]
    page, problem = number_in_range((request.args.get("page") or "").strip(), "Page", int, 1, MAX_PAGE)
    page = page or 1
    about = (request.args.get("about") or "").strip()[:200]
    rows, total, similar, not_searchable = [], 0, None, None
    if about:  # the organisations closest to what was asked, within the other filters: that is the answer
        from matcher.organisation_search import NotIndexable, search

        from .partner_cache import embedding_store

        try:
            similar = search(db(), embedding_store(), about, limit=SIMILAR, **filters)
        except NotIndexable as exc:
            similar, not_searchable = [], str(exc)
    else:
        rows, total = partner_store.search_organisations(db(), **filters, sort=sort, page=page, per_page=PER_PAGE)
    # Some found: the programme is one some worked in, with no query to ask.
    unknown_programme, nearest_programme = (None, None) if total or similar else _unknown_programme(
        filters["programme"])
    errors = list(filter(None, [problem, *unknown_sector_or_country(sector, country), unknown_programme]))
    return render_template("partners.html", title="Partners", errors=errors, rows=rows, total=total, page=page,
                           near=[] if total or similar or not_searchable
                           else _near_misses(filters, unknown_programme, nearest_programme),
                           known_at=contacts.organisations_known(db()),
                           about=about, similar=similar, not_searchable=not_searchable,
                           pages=max(1, -(-total // PER_PAGE)), partners_loaded=total or partner_store.any_stored(db()),
                           country=country, sector=sector, filters=filters, sort=sort, sorts=SORT_LABELS,
                           countries=partner_store.countries(db()), sectors=SECTOR_LABELS,
                           programmes=vocabulary.programme_names()["named"],
                           args={k: v for k, v in request.args.items() if k != "page"},
                           in_spreadsheet=IN_SPREADSHEET)


def _unknown_programme(typed: str) -> tuple[str | None, str | None]:
    """(a sentence when no organisation in the partner data worked in the programme or topic typed, naming
    the nearest one some worked in; that one), or (None, None). Read only when partner data is loaded."""
    if not typed or partner_store.count_organisations(db(), programme=typed) \
            or not partner_store.any_stored(db()):
        return None, None
    names = {name.lower(): name for name in vocabulary.programme_names()["all"]}
    near = get_close_matches(typed.lower(), names, n=1, cutoff=0.75)
    nearest = names[near[0]] if near else None
    return (f"No organisation in the partner data worked in a programme or topic “{typed[:60]}”"
            + (f" (did you mean {nearest}?)." if nearest else "."), nearest)


def _near_misses(filters: dict, unknown_programme: str | None, nearest_programme: str | None) -> list[dict]:
    """For a page that found nothing, the searches one step wider that find some, at most MAX_NEAR_MISSES.
    A programme nobody worked in comes first: the nearest one some did ("MSCS" as "MSCA"), or none. Otherwise,
    for a name search: with a word no name holds spelt as the nearest one names hold ("Fraunhofr"), or else with
    each word left out, the narrowest search first, which keeps the rarer words: "Vilnius University" (which the
    data names in Lithuanian) offers "Vilniaus", then "University". Where no word is what keeps them out, with
    one of the other filters left out (`WIDER`), the narrowest first: "from any country".
    Each is {"said": what it finds, "args": the address's arguments it changes, "n": how many}."""
    if unknown_programme:
        wider = [_found_by(filters, {"programme": nearest_programme}, WORKED,
                           f"in {as_searched(nearest_programme)}") if nearest_programme else None,
                 _found_by(filters, {"programme": ""}, MATCH, WIDER["programme"])]
        return list(filter(None, wider))
    wider = []
    if filters["q"]:
        spelt = respelt(filters["q"], vocabulary.organisation_words())
        if spelt and (found := _found_by(filters, {"q": spelt}, MATCH, as_searched(spelt))):
            return [found]  # a slip set right is the answer
        wider = [_found_by(filters, {"q": search}, MATCH, f"{as_searched(search)}, {as_searched(left)} left out")
                 for search, left in each_term_left_out(spelt or filters["q"])]
    if not any(wider):  # no word of the name keeps them out: one of the other filters does
        wider = [_found_by(filters, {key: ""}, MATCH, words) for key, words in WIDER.items() if filters[key]]
    return sorted(filter(None, wider), key=lambda found: found["n"])[:MAX_NEAR_MISSES]


def _found_by(filters: dict, changed: dict, verb: tuple[str, str], rest: str) -> dict | None:
    """The page's search with the `changed` filters, as `_near_misses` offers it, if it finds some: said as
    their number, the `verb` agreeing with it, and the `rest` ("3 organisations match “X”")."""
    total = partner_store.count_organisations(db(), **{**filters, **changed})
    return {"said": f"{counted(total, 'organisation', verb=verb)} {rest}", "args": changed, "n": total} \
        if total else None


@bp.route("/partners.csv")
def organisations_csv():
    """The organisations the Partners page lists with these filters, in its order, the first IN_SPREADSHEET:
    each with its record, whom the team knows there and where to find more."""
    filters, sort = _filters()
    rows, _ = partner_store.search_organisations(db(), **filters, sort=sort, per_page=IN_SPREADSHEET,
                                                 with_total=False)
    known = contacts.known_contacts(db(), [o["id"] for o in rows])
    header = ["organisation", "short name", "PIC", "country", "city", "sector", "projects in the data",
              "projects coordinated", "contact person", "contact email", "website", "organisation page"]

    def row(o: dict) -> list:
        return [csv_text(o["name"]), csv_text(o["short_name"]), o["pic"] or "", o["country"] or "",
                csv_text(place_name(o["city"])), sector_label(o["sector"] or ""), o["projects"], o["coordinated"],
                *known_cells(known.get(o["id"], [])), website_cell(o["website"]),
                page_url("partners.organisation", organisation_id=o["id"])]

    return csv_file("callmatch-partners.csv", header, map(row, rows))


@bp.route("/organisations/<int:organisation_id>")
def organisation(organisation_id):
    org = partner_store.get_organisation(db(), organisation_id)
    if org is None:
        abort(404, "No such organisation.")
    from matcher.organisation_search import similar_to

    page, problem = number_in_range((request.args.get("page") or "").strip(), "Page", int, 1, MAX_PAGE)
    page = page or 1
    record = partner_store.record(db(), organisation_id)
    collaborators, collaborator_count = partner_store.collaborators(db(), organisation_id, limit=COLLABORATORS)
    return render_template("organisation.html", title=org["name"], org=org, errors=[problem] if problem else [],
                           record=record, technology_programmes=partner_store.TECHNOLOGY_PROGRAMMES,
                           contact=partner_store.contact_forms(db(), [organisation_id]).get(organisation_id),
                           known=contacts.known_contacts(db(), [organisation_id]).get(organisation_id, []),
                           contact_limits=contacts.CONTACT_LIMITS,
                           projects=partner_store.projects_of(db(), organisation_id, page=page,
                                                              per_page=PROJECTS_PER_PAGE),
                           page=page, pages=max(1, -(-record["projects"] // PROJECTS_PER_PAGE)),
                           collaborators=collaborators, collaborator_count=collaborator_count,
                           consortia=_consortia(organisation_id), states=STATES,
                           partner_statuses=consortium_store.STATUSES,
                           similar=similar_to(db(), organisation_id, limit=SIMILAR))


def _consortia(organisation_id: int) -> list[dict]:
    """The consortia being built, each open one (still taking partners, and this organisation not in it yet)
    with where the organisation would rank as a partner for that call, given the consortium as it stands:
    which of the team's bids it suits, before adding it to one."""
    from .partner_cache import partner_standing

    profile_id = current_profile_id()
    applicant = profiles.get_profile(db(), profile_id)
    consortia = consortium_store.being_built(db(), profile_id, settings().as_of())
    offered = 0
    for consortium in consortia:
        consortium["status"] = consortium["statuses"].get(organisation_id)  # None: not listed in it
        consortium["offered"] = consortium["open"] and consortium["status"] is None
        offered += consortium["offered"]
        if consortium["offered"] and offered <= STANDINGS:
            consortium["standing"] = partner_standing(consortium["identifier"], organisation_id,
                                                      consortium["member_ids"], applicant, consortium["declined_ids"])
    return consortia


@bp.post("/organisations/<int:organisation_id>/consortium")
def add_to_consortium(organisation_id):
    """Add the organisation to the consortium for a call, from its own page: where a partner is often
    judged, after a search on the Partners page."""
    org = partner_store.get_organisation(db(), organisation_id)
    if org is None:
        abort(404, "No such organisation.")
    identifier = (request.form.get("call") or "").strip()
    call = call_store.get_call(db(), identifier, current_profile_id()) if identifier else None
    if call is None:
        abort(400, "Choose a call whose consortium to add it to.")
    refuse_if_ended(call)
    added = consortium_store.add_members(db(), current_profile_id(), call["id"], [organisation_id], g.user["id"])
    flash(f"{org['name']} {'is' if added else 'was already listed'} in the consortium for {call['identifier']}:"
          f" {call['title']}.")
    return redirect(url_for("partners.organisation", organisation_id=organisation_id))  # the message on top


@bp.post("/organisations/<int:organisation_id>/contact")
def save_contact(organisation_id):
    """Whom the team knows there, kept for every consortium that wants the organisation: someone added, or
    one contact (`contact_id`) changed or, with Remove, forgotten."""
    contact_id = (request.form.get("contact_id") or "").strip()
    if contact_id and not contact_id.isdigit():
        abort(400, "Choose a contact of this organisation.")
    removed = request.form.get("remove") == "1"
    fields = ("", "", "") if removed else (request.form.get(k, "") for k in ("person", "email", "note"))
    try:
        kept = contacts.save_contact(db(), organisation_id, *fields, g.user["id"],
                                     int(contact_id) if contact_id else None)
    except contacts.InvalidContact as exc:
        abort(400, str(exc))
    except NotFound as exc:
        abort(404, str(exc))
    flash("Contact saved." if kept else "Contact forgotten." if contact_id else
          "Nothing to add: give a name, an email address or a note.")
    return redirect(url_for("partners.organisation", organisation_id=organisation_id, _anchor="our-contact"))


@bp.route("/partners/contacts", methods=["GET", "POST"])
def import_contacts():
    """Whom the team knows at partner organisations, brought in from its own spreadsheet (CSV): each contact
    kept at the organisation it names, those known already left as they are, and the rows that could not be
    kept said with their line and why."""
    report, refused = None, None
    if request.method == "POST":
        sheet = request.files.get("sheet")
        if sheet is None or not sheet.filename:
            refused = "Choose the spreadsheet to read, saved as CSV."
        else:
            try:
                report = contacts.import_contacts(db(), contacts.read_contact_sheet(sheet.read()), g.user["id"])
            except contacts.ContactSheetError as problem:
                refused = f"{sheet.filename}: {problem}"
    return render_template("contacts.html", title="Contacts from a spreadsheet", report=report,
                           kept=contacts.counts(db()), refused=refused), 400 if refused else 200


@bp.route("/partners/contacts.csv")
def contacts_csv():
    """Everyone the team knows at partner organisations, as the spreadsheet `import_contacts` reads back."""
    header = ["organisation", "PIC", "country", "person", "email", "note", "saved by", "saved on"]
    zone = settings().zone  # the day on the team's clock
    return csv_file("callmatch-contacts.csv", header, (
        [csv_text(c["organisation"]), c["pic"] or "", c["country"] or "", csv_text(c["person"]), csv_text(c["email"]),
         csv_text(c["note"]), c["updated_by"] or "", in_zone(c["updated_at"], zone).date()]
        for c in contacts.every_contact(db())))
