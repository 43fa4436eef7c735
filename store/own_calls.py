"""Calls the team adds by hand: those no crawler collects, such as an Erasmus+ cooperation partnership run by
a national agency, a national fund's or a foundation's call. Once stored they are calls like any other:
ranked for every profile, screened, decided on, and in the digests and the calendar."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from markupsafe import escape

from .calls import ensure_source, get_call, status_on, upsert_call, upsert_call_in
from .checklist import FIRST_STEP_STAGES
from .consortium import InvalidBudget, typed_rate
from .db import Database
from .errors import CallmatchError, NotFound
from .html import web_address
from .results import stated
from .text import MAX_EUROS, amount, one_line, typed_countries, typed_euros

SOURCE = "team"  # in store.calls.SOURCES
PREFIX = f"{SOURCE}:"  # identifiers read "team:erasmus-ka220-adult-education", as Interreg ones name their source
MAX_TITLE = 300
MAX_PROGRAMME = 120
MAX_REFERENCE = 80
MAX_DESCRIPTION = 50_000
MAX_SLUG = 60
MAX_RESULTS = 80
FIELDS = ("title", "reference", "programme", "url", "opening_date", "deadline", "first_deadline", "first_stage",
          "topic_budget", "grant_min", "grant_max", "funding_rate", "countries", "description", "results")
# When the results come, as the team types it from the call ("March 2027", "4 months"), is kept as the line a
# portal call's conditions give it in: `store.results` then reads both the same way, in Python and in queries.
RESULTS_PREFIX = "Information on evaluation results: "
AMOUNTS = {"topic_budget": "The call's whole budget", "grant_min": "The smallest grant",
           "grant_max": "The largest grant"}


class InvalidCall(CallmatchError):
    """What was typed for a call cannot be stored; the message lists every problem, one sentence each."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


def is_own(call: dict) -> bool:
    return call.get("source") == SOURCE


def slug(text: str) -> str:
    """Words as an identifier's part: "Jaunatnes darbā 2027!" is "jaunatnes-darba-2027"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:MAX_SLUG].strip("-")


def _day(value: str, label: str, problems: list[str]) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"{label} is a date written 2027-03-05: {value!r} is not one.")
        return None


def _amount(value: str, label: str, problems: list[str]) -> Decimal | None:
    try:
        amount = typed_euros(value)
    except ValueError:
        problems.append(f"{label} is an amount in euros, e.g. 250000 or 250 000: {value.strip()!r} is not one.")
        return None
    if amount is not None and amount > MAX_EUROS:
        problems.append(f"{label} is at most {MAX_EUROS:,} euros.")
        return None
    return amount


def _rate(value: str, problems: list[str]) -> Decimal | None:
    """The funding rate typed, read as the budget split's is (`80`, `80 %`, `62,5`)."""
    try:
        return typed_rate(value)
    except InvalidBudget as problem:
        problems.append(str(problem))
        return None


def _paragraphs(text: str) -> str:
    """Typed text as the page shows a call's description: a paragraph for each blank-line-separated part,
    escaped (it is shown as HTML, as a crawled call's sanitised text is)."""
    parts = [part.strip() for part in re.split(r"\n\s*\n", text) if part.strip()]
    return "".join(f"<p>{escape(part)}</p>".replace("\n", "<br>") for part in parts)


def read_form(form: Mapping[str, str], today: date) -> dict:
    """The call a form describes, as the store keeps calls, with every problem said at once (InvalidCall).
    Blank is unknown: a grant size nobody typed is not a grant of 0, and passes the size gate as unknown."""
    problems: list[str] = []
    get = {name: str(form.get(name) or "") for name in FIELDS}
    title = one_line(get["title"])
    if not title:
        problems.append("Give the call its title.")
    elif len(title) > MAX_TITLE:
        problems.append(f"A call's title has at most {MAX_TITLE} characters (this one has {len(title)}).")
    programme = one_line(get["programme"])
    if not programme:
        problems.append("Say which programme or funder the call is from (Erasmus+ via VIAA, say): the Programmes"
                        " page counts calls by it.")
    elif len(programme) > MAX_PROGRAMME:
        problems.append(f"A programme's name has at most {MAX_PROGRAMME} characters.")
    url = None
    if get["url"].strip():
        address = web_address(get["url"])
        if address is None:
            problems.append(f"The call's page is a web address, https://…: {get['url'].strip()!r} is not one.")
        else:
            url = address[0]
    opening = _day(get["opening_date"], "The opening day", problems)
    deadline = _day(get["deadline"], "The deadline", problems)
    first = _day(get["first_deadline"], "The first step's deadline", problems)
    stage = get["first_stage"].strip() or FIRST_STEP_STAGES[0]
    if stage not in FIRST_STEP_STAGES:
        problems.append(f"The first step is one of: {', '.join(FIRST_STEP_STAGES)}.")
    if first and not deadline:
        problems.append("A first step comes before the deadline of the application itself: give that deadline too.")
    elif first and deadline and first >= deadline:
        problems.append("The first step's deadline comes before the application's.")
    if opening and deadline and opening > deadline:
        problems.append("The call opens before its deadline.")
    amounts = {field: _amount(get[field], label, problems) for field, label in AMOUNTS.items()}
    if None not in (amounts["grant_min"], amounts["grant_max"]) and amounts["grant_min"] > amounts["grant_max"]:
        problems.append("The smallest grant is at most the largest.")
    rate = _rate(get["funding_rate"], problems)
    countries, not_countries = typed_countries(get["countries"])
    problems += not_countries
    description = get["description"].replace("\r\n", "\n").strip()
    if len(description) > MAX_DESCRIPTION:
        problems.append(f"A description has at most {MAX_DESCRIPTION:,} characters (this one has"
                        f" {len(description):,}).")
    results = one_line(get["results"])
    if len(results) > MAX_RESULTS:
        problems.append(f"When the results come is said in at most {MAX_RESULTS} characters.")
    elif results and not deadline:
        problems.append("The results come after the deadline: give the deadline too.")
    elif results and (by := stated(RESULTS_PREFIX + results, deadline)) is None:
        problems.append(f"Say when the results come as a month (March 2027) or as months after the deadline (4 months):"
                        f" {results!r} is neither.")
    elif results and by <= deadline:
        problems.append("The results come after the deadline.")
    reference = one_line(get["reference"])
    if len(reference) > MAX_REFERENCE:
        problems.append(f"A reference has at most {MAX_REFERENCE} characters.")
    elif reference and not slug(reference):
        problems.append("A reference needs a letter or a digit (KA220-ADU, say).")
    if problems:
        raise InvalidCall(problems)
    deadlines = ([{"date": first, "stage": stage}] if first else []) + (
        [{"date": deadline, "stage": "full application" if first else "single-stage"}] if deadline else [])
    return {
        "source": SOURCE, "programme": programme, "programme_code": None, "call_id": reference or None,
        "call_title": None, "title": title, "description_html": _paragraphs(description),
        "description_text": description, "conditions_html": _paragraphs(RESULTS_PREFIX + results) if results else "",
        "conditions_text": RESULTS_PREFIX + results if results else "", "opening_date": opening,
        "deadlines": deadlines, "deadline_model": "two-stage" if first else "single-stage",
        "status": status_on(opening, [d["date"] for d in deadlines], today), "expected_grants": None,
        "funding_rate": rate, "action_type": None, "keywords": [],
        "eligibility": {"countries": countries} if countries else {}, "partner_search": None, "url": url,
        **amounts,
    }


def form_of(call: dict) -> dict:
    """A stored call as its form shows it again, for editing."""
    deadlines = call.get("deadlines") or []
    first = deadlines[0] if len(deadlines) > 1 else None
    last = deadlines[-1] if deadlines else None

    return {
        "title": call["title"], "reference": call.get("call_id") or "", "programme": call.get("programme") or "",
        "url": call.get("url") or "", "opening_date": str(call.get("opening_date") or ""),
        "deadline": last["date"] if last else "", "first_deadline": first["date"] if first else "",
        "first_stage": first["stage"] if first else "", "funding_rate": amount(call.get("funding_rate")),
        "countries": ", ".join((call.get("eligibility") or {}).get("countries") or []),
        "description": call.get("description_text") or "",
        "results": (call.get("conditions_text") or "").removeprefix(RESULTS_PREFIX),
        **{field: amount(call.get(field)) for field in AMOUNTS},
    }


def twins(db: Database, call: dict) -> list[dict]:
    """The calls that may be this one under another source: for a call added by hand, the crawled calls of
    the same title (in any case and spacing) or whose identifier is its reference; for a crawled call, the
    calls added by hand that way. A call the team typed in may be listed by a source later (or already
    was): two copies would be ranked, decided on and counted twice."""
    own = is_own(call)
    return db.fetchall(
        f"""SELECT identifier, title, source FROM calls
            WHERE source {'<>' if own else '='} %(team)s
              AND (lower(regexp_replace(title, '\\s+', ' ', 'g')) = lower(%(title)s)
                   OR {'identifier' if own else 'call_id'} = %(code)s)
            ORDER BY identifier""",
        {"team": SOURCE, "title": one_line(call["title"]),
         "code": (call.get("call_id") if own else call["identifier"]) or ""})


# Two colleagues adding calls of one title at once would both find its identifier free, and the second
# would overwrite the first: choosing one and storing the call wait for each other (an advisory lock).
_ADDING = 0x6F776E63  # "ownc" in ASCII: a number no other lock of the project uses (see store.migrate, services)


def _free_identifier(cur, words: str) -> str:
    base = PREFIX + (slug(words) or "call")
    taken = {row["identifier"] for row in cur.execute(
        "SELECT identifier FROM calls WHERE identifier = %s OR identifier LIKE %s", (base, base + "-%")).fetchall()}
    identifier, n = base, 1
    while identifier in taken:
        n += 1
        identifier = f"{base}-{n}"
    return identifier


def add(db: Database, form: Mapping[str, str], user: dict, today: date) -> dict:
    """Store the call a form describes under a new identifier (from its reference, else its title); returns it."""
    row = read_form(form, today)
    ensure_source(db, SOURCE)
    with db.transaction() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (_ADDING,))
        row["identifier"] = _free_identifier(cur, row["call_id"] or row["title"])
        row["raw"] = {"added_by": user["email"]}
        upsert_call_in(cur, row)
    return get_call(db, row["identifier"])


def _own(db: Database, identifier: str) -> dict:
    call = get_call(db, identifier)
    if call is None or not is_own(call):
        raise NotFound(f"No call added by the team is stored as {identifier!r}.")
    return call


def update(db: Database, identifier: str, form: Mapping[str, str], user: dict, today: date) -> dict:
    """Change a call the team added; what it changes in the dates, amounts or text is in its changes, as a
    crawl's is, for whoever writes the application. A field emptied is emptied (a crawl keeps it)."""
    stored = _own(db, identifier)
    row = {**read_form(form, today), "identifier": identifier,
           "raw": {**(stored.get("raw") or {}), "edited_by": user["email"]}}
    upsert_call(db, row, keep_stored=False)
    return get_call(db, identifier)


def remove(db: Database, identifier: str) -> None:
    """Take back a call the team added (one typed twice, say), as long as no profile has decided on it or
    started its consortium: those are the team's record, and a call that turned out wrong is better marked
    no bid, with the reason."""
    call = _own(db, identifier)
    # One statement: a decision recorded between a check and the delete would go with the call (cascade).
    if not db.execute("""DELETE FROM calls WHERE id = %(id)s
                           AND NOT EXISTS (SELECT 1 FROM decisions WHERE call_id = %(id)s)
                           AND NOT EXISTS (SELECT 1 FROM consortium_events WHERE call_id = %(id)s)
                           AND NOT EXISTS (SELECT 1 FROM call_comments WHERE call_id = %(id)s)""",
                      {"id": call["id"]}) and get_call(db, identifier) is not None:  # (else removed meanwhile)
        raise InvalidCall(["A decision, a consortium or a discussion is recorded for this call: mark it no bid, with"
                           " the reason, rather than remove it."])
