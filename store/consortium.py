"""The consortium a profile is building for a call: organisations from the partner data."""

from __future__ import annotations

import re
from datetime import timezone, tzinfo
from decimal import Decimal

from .applications import PLANNED
from .calls import NEXT_DEADLINE, STILL_OPEN
from .db import Database
from .errors import CallmatchError, NotFound
from .text import eur, eur_against, in_zone, one_line, typed_euros
from .text import rate as written_rate

# How far the team has got with a partner it wants. One that declined stays listed, so that no one asks it
# again, but it is no longer a member: not counted, not part of the consortium partners are ranked against.
STATUSES = {"not_asked": "not asked yet", "asked": "asked", "confirmed": "confirmed", "declined": "declined"}
MAX_STATUS_NOTE = 300  # whom they wrote to, what was answered: a line, not a correspondence

# The consortium a decision's profile is building for its call, joined to a query over decisions `d` and
# calls `c`: how many partners (`team.partners`, those that declined left out) and how many of them
# confirmed (`team.confirmed`), and their names with their countries, the coordinator first and marked,
# the others in the order they were added (`team.partner_names`).
PARTNERS_OF_DECISION = """LEFT JOIN LATERAL (
    SELECT count(*) AS partners, count(*) FILTER (WHERE cm.status = 'confirmed') AS confirmed,
           string_agg(o.name || coalesce(' (' || nullif(concat_ws(', ', o.country,
                                                              CASE WHEN cm.coordinator THEN 'coordinator' END), '')
                                      || ')', ''),
                      '; ' ORDER BY cm.coordinator DESC, cm.added_at, o.name) AS partner_names
    FROM consortium_members cm JOIN organisations o ON o.id = cm.organisation_id
    WHERE cm.profile_id = d.profile_id AND cm.call_id = c.id AND cm.status <> 'declined') team ON TRUE"""


# The planned budget split of a decision's consortium, joined like PARTNERS_OF_DECISION: the applicant's own
# share (`budget.own_budget`), the funding rate it plans with (`budget.funding_rate`; None: the standard one)
# and the total planned, the members that declined left out (`budget.planned`; None while nothing is planned).
BUDGET_OF_DECISION = """LEFT JOIN LATERAL (
    SELECT cp.own_budget, cp.funding_rate,
           nullif(coalesce(cp.own_budget, 0) + coalesce((
               SELECT sum(cm.budget) FROM consortium_members cm
               WHERE cm.profile_id = d.profile_id AND cm.call_id = c.id AND cm.status <> 'declined'), 0), 0) AS planned
    FROM (SELECT 1) one LEFT JOIN consortium_plans cp ON cp.profile_id = d.profile_id AND cp.call_id = c.id) budget
    ON TRUE"""


class InvalidStatus(CallmatchError):
    pass


class InvalidBudget(CallmatchError):
    pass


_NOT_A_MEMBER = "That organisation is not in this consortium (a colleague may have removed it)."


def members(db: Database, profile_id: int, call_id: int) -> list[dict]:
    """The members, the coordinator first (when a member leads the proposal) and the others in the order
    they were added, with what a proposal's partner list and the first email to them need (PIC, city,
    website), who added them, and how far the team has got with each (those that declined are listed too:
    `taking_part` leaves them out)."""
    return db.fetchall(
        """SELECT o.id, o.name, o.short_name, o.pic, o.country, o.city, o.sector, o.website, m.added_at,
                  u.email AS added_by, m.status, m.status_note, s.email AS status_by, m.status_at, m.coordinator,
                  m.budget,
                  (SELECT count(DISTINCT project_id) FROM participations WHERE organisation_id = o.id) AS projects
           FROM consortium_members m JOIN organisations o ON o.id = m.organisation_id
           LEFT JOIN users u ON u.id = m.added_by LEFT JOIN users s ON s.id = m.status_by
           WHERE m.profile_id = %s AND m.call_id = %s ORDER BY m.coordinator DESC, m.added_at, o.name""",
        (profile_id, call_id))


def taking_part(members: list[dict]) -> list[dict]:
    """The members that have not declined: the consortium that counts."""
    return [m for m in members if m["status"] != "declined"]


def declined_ids(members: list[dict]) -> list[int]:
    """The ids of those listed that declined: neither members nor to be recommended again."""
    return [m["id"] for m in members if m["status"] == "declined"]


def set_status(db: Database, profile_id: int, call_id: int, organisation_id: int, status: str, note: str,
               user_id: int | None) -> dict:
    """Record how far the team has got with a member; who said so and when are kept with it, and in the
    consortium's history. Saving what is recorded already changes nothing."""
    if status not in STATUSES:
        raise InvalidStatus(f"Choose one of: {', '.join(STATUSES.values())}.")
    note = one_line(note)  # it is shown in a table cell and a CSV column
    if len(note) > MAX_STATUS_NOTE:
        raise InvalidStatus(f"A partner's note can be at most {MAX_STATUS_NOTE} characters; this one has "
                            f"{len(note)}. The decision's note has room for more.")
    key = (profile_id, call_id, organisation_id)
    with db.transaction() as cur:
        row = cur.execute("SELECT status, status_note, coordinator FROM consortium_members"
                          " WHERE profile_id = %s AND call_id = %s AND organisation_id = %s FOR UPDATE", key).fetchone()
        if row is None:
            raise NotFound(_NOT_A_MEMBER)
        if (row["status"], row["status_note"]) == (status, note):
            return row
        stops_coordinating = row["coordinator"] and status == "declined"  # one that declined does not lead it
        cur.execute("UPDATE consortium_members SET status = %s, status_note = %s, status_by = %s, status_at = now(),"
                    " coordinator = %s WHERE profile_id = %s AND call_id = %s AND organisation_id = %s",
                    (status, note, user_id, row["coordinator"] and not stops_coordinating, *key))
        _log(cur, profile_id, call_id, [organisation_id], status, user_id, note)
        if stops_coordinating:
            _log(cur, profile_id, call_id, [organisation_id], "not_coordinator", user_id)
    return {"status": status, "status_note": note, "coordinator": row["coordinator"] and not stops_coordinating}


MAX_BUDGET = Decimal(1_000_000_000)  # beyond any one share of an EU grant: a typing slip


def typed_budget(raw: str | None) -> Decimal | None:
    """A planned share of the grant in euros as typed (`120000`, `120 000`, `120,000`, `€120000.50`);
    blank: not planned yet."""
    try:
        amount = typed_euros(raw)
    except ValueError:
        text = " ".join((raw or "").split())
        raise InvalidBudget(f"Write an amount in euros, such as 120000 or 120 000; {text!r} is not one.") from None
    if amount is not None and amount > MAX_BUDGET:
        raise InvalidBudget(f"{eur(amount)} is more than any one share of a grant ({eur(MAX_BUDGET)} at most).")
    return amount


_RATE = re.compile(r"\d{1,3}(?:\.\d{1,2})?")


def typed_rate(raw: str | None) -> Decimal | None:
    """A funding rate in percent as typed (`80`, `80 %`, `62,5`); blank: the call's published rate stands."""
    text = (raw or "").replace("%", "").strip().replace(",", ".")
    if not text:
        return None
    # Below 1 is a share typed as a fraction (0.8 for 80%), not a rate any EU programme pays.
    if not _RATE.fullmatch(text) or not 1 <= Decimal(text) <= 100:
        raise InvalidBudget("Write the funding rate as a percentage from 1 to 100, such as 80 for 80%;"
                            f" {(raw or '').strip()!r} is not one.")
    return Decimal(text)


# Horizon Europe's funding rates by type of action (its General Annexes): the portal publishes none for a
# topic, since the type of action fixes it. An innovation action pays 70%, and 100% to a non-profit legal
# entity (an NGO, a public body, a university; a research organisation may be either, so it is not assumed).
_HORIZON_RATES = {"Research and Innovation Actions": (100, 100, "a research and innovation action"),
                  "Innovation Actions": (70, 100, "an innovation action"),
                  "Coordination and Support Actions": (100, 100, "a coordination and support action")}
_NON_PROFIT = {"ngo", "public", "academic"}
PUBLISHED_RATE = "the call's rate"


def standard_rate(call: dict, organisation_types) -> tuple[Decimal | None, str]:
    """The funding rate that stands for the applicant when it plans with none of its own, and the words
    for where it comes from: the call's published `funding_rate`, else the rate a Horizon Europe topic's
    type of action fixes for an applicant of these `organisation_types`; (None, "") where neither says."""
    if call.get("funding_rate") is not None and 0 < call["funding_rate"] <= 100:  # else a page misread
        return Decimal(call["funding_rate"]), PUBLISHED_RATE
    programme, _, kind = " ".join((call.get("action_type") or "").split()).partition(" ")
    if programme == "HORIZON" and kind in _HORIZON_RATES:
        rate, non_profit_rate, name = _HORIZON_RATES[kind]
        if rate != non_profit_rate and organisation_types and set(organisation_types) <= _NON_PROFIT:
            return Decimal(non_profit_rate), f"what Horizon Europe pays a non-profit in {name}"
        return Decimal(rate), f"what Horizon Europe pays in {name}"
    return None, ""


def cofinancing(own, rate) -> Decimal | None:
    """What a share of the grant costs the one who receives it, in whole euros: at `rate` percent funding a
    grant of `own` stands for own × 100 / rate of eligible costs, and the rest of those costs is its own to
    pay. None where either is unknown (a rate of 0 included)."""
    if own is None or not rate:
        return None
    own = Decimal(own)
    return (own * 100 / Decimal(rate) - own).quantize(Decimal(1))


def budget_plan(db: Database, profile_id: int, call_id: int) -> dict:
    """The applicant's own planned share of the grant (None: not planned yet), the funding rate it plans with
    (None: the standard one, `standard_rate`), and who saved the split last and when (None: nobody yet)."""
    return db.fetchone(
        """SELECT p.own_budget, p.funding_rate, u.email AS set_by, p.set_at FROM consortium_plans p
           LEFT JOIN users u ON u.id = p.set_by WHERE p.profile_id = %s AND p.call_id = %s""",
        (profile_id, call_id)) or {"own_budget": None, "funding_rate": None, "set_by": None, "set_at": None}


def set_budgets(db: Database, profile_id: int, call_id: int, own: str | None, shares: dict[int, str | None],
                user_id: int | None, rate: str | None = None) -> None:
    """Saves the planned split: the applicant's `own` share and each member's (`shares`, by organisation id),
    as typed (`typed_budget`), and the funding rate the applicant plans with (`typed_rate`; blank: the call's).
    All of it is saved or none: a share that is not an amount is refused, naming whose it is, and so is a
    member no longer in the consortium (a colleague removed it meanwhile)."""
    with db.transaction() as cur:
        names = {row["organisation_id"]: row["name"] for row in cur.execute(
            """SELECT m.organisation_id, o.name
               FROM consortium_members m JOIN organisations o ON o.id = m.organisation_id
               WHERE m.profile_id = %s AND m.call_id = %s FOR UPDATE OF m""", (profile_id, call_id)).fetchall()}
        if set(shares) - set(names):
            raise NotFound(_NOT_A_MEMBER)
        amounts = {}
        for organisation_id, raw in shares.items():
            try:
                amounts[organisation_id] = typed_budget(raw)
            except InvalidBudget as problem:
                raise InvalidBudget(f"{names[organisation_id]}'s share: {problem}") from None
        try:
            own_amount = typed_budget(own)
        except InvalidBudget as problem:
            raise InvalidBudget(f"The applicant's own share: {problem}") from None
        funding_rate = typed_rate(rate)
        for organisation_id, amount in amounts.items():
            cur.execute("UPDATE consortium_members SET budget = %s WHERE profile_id = %s AND call_id = %s"
                        " AND organisation_id = %s", (amount, profile_id, call_id, organisation_id))
        cur.execute("""INSERT INTO consortium_plans (profile_id, call_id, own_budget, funding_rate, set_by)
                       VALUES (%s, %s, %s, %s, %s) ON CONFLICT (profile_id, call_id) DO UPDATE
                       SET own_budget = excluded.own_budget, funding_rate = excluded.funding_rate,
                           set_by = excluded.set_by, set_at = now()""",
                    (profile_id, call_id, own_amount, funding_rate, user_id))


def budget_split(own: Decimal | None, taking_part: list[dict], call: dict, rate: Decimal | None = None,
                 organisation_types=()) -> dict:
    """The planned split read against the call: the total planned (the applicant's share and those of the
    members taking part: one that declined no longer counts), each share's percentage of it (by organisation
    id, and "own"), how many members have none yet, and a sentence on how the total fits what the call gives
    a project (`grant_min`, `grant_max`; empty when it says nothing), `outside` when it does not. With the
    applicant's share planned, what it costs the applicant at the funding `rate` it plans with (None: the
    `standard_rate` for an applicant of its `organisation_types`, also given as `standard` and `standard_why`):
    `cofinancing`, and a sentence, `costs`."""
    amounts = {"own": own, **{m["id"]: m["budget"] for m in taking_part}}
    total = sum((a for a in amounts.values() if a is not None), Decimal(0))
    shares = {key: round(100 * float(a) / float(total)) if total and a is not None else None
              for key, a in amounts.items()}
    low, high = call.get("grant_min"), call.get("grant_max")
    fits, outside = "", True
    if total and high is not None and total > high:
        fits = "{} planned is more than the {} the call gives a project at most.".format(*eur_against(total, high))
    elif total and low is not None and total < low:
        fits = "{} planned is less than the {} the call gives a project at least.".format(*eur_against(total, low))
    else:
        outside = False
        if total and (low or high):
            given = (f"{eur(low)} to {eur(high)}" if low and high else f"up to {eur(high)}" if high
                     else f"from {eur(low)}")
            fits = f"Within what the call gives a project ({given})."
        elif total:
            fits = "The call publishes no grant size to read the total against."
    standard, standard_why = standard_rate(call, organisation_types)
    rate = rate if rate is not None else standard
    own_funds, costs = cofinancing(own, rate), ""
    if own is not None and rate is None:
        costs = "The call publishes no funding rate: give the rate we are funded at to see what our share costs us."
    elif own_funds:
        costs = (f"At {written_rate(rate)}% funding, our {eur(own)} stands for {eur(own + own_funds)} of eligible"
                 f" costs: {eur(own_funds)} to co-finance from our own funds.")
    elif own is not None:
        costs = f"At {written_rate(rate)}% funding, our share needs no co-financing."
    return {"own": own, "total": total, "shares": shares, "fits": fits, "outside": outside,
            "unplanned": sum(m["budget"] is None for m in taking_part), "rate": rate, "cofinancing": own_funds,
            "costs": costs, "standard": standard, "standard_why": standard_why}


def set_coordinator(db: Database, profile_id: int, call_id: int, organisation_id: int | None,
                    user_id: int | None) -> None:
    """Make a member the proposal's coordinator, or none (`None`: the applicant coordinates); recorded in
    the history. A member that declined cannot coordinate."""
    with db.transaction() as cur:
        # The whole consortium is locked: two colleagues choosing at once take turns, and the second one's
        # choice stands, rather than one failing on the one-coordinator rule.
        statuses = {row["organisation_id"]: row["status"] for row in cur.execute(
            "SELECT organisation_id, status FROM consortium_members WHERE profile_id = %s AND call_id = %s FOR UPDATE",
            (profile_id, call_id)).fetchall()}
        if organisation_id is not None:
            if organisation_id not in statuses:
                raise NotFound(_NOT_A_MEMBER)
            if statuses[organisation_id] == "declined":
                raise InvalidStatus("An organisation that declined to join cannot coordinate the proposal.")
        before = cur.execute("UPDATE consortium_members SET coordinator = false WHERE profile_id = %s AND call_id = %s"
                             " AND coordinator AND organisation_id IS DISTINCT FROM %s RETURNING organisation_id",
                             (profile_id, call_id, organisation_id)).fetchall()
        _log(cur, profile_id, call_id, [row["organisation_id"] for row in before], "not_coordinator", user_id)
        if organisation_id is not None and cur.execute(
                "UPDATE consortium_members SET coordinator = true WHERE profile_id = %s AND call_id = %s"
                " AND organisation_id = %s AND NOT coordinator", (profile_id, call_id, organisation_id)).rowcount:
            _log(cur, profile_id, call_id, [organisation_id], "coordinator", user_id)


def add_members(db: Database, profile_id: int, call_id: int, organisation_ids: list[int], user_id: int | None,
                note: str = "") -> int:
    """Add organisations (one already listed is left as it is, declined or not); all or none, and none if
    one is unknown. `note` says in the history where they came from. Returns how many were added."""
    with db.transaction() as cur:
        known = cur.execute("SELECT count(*) AS n FROM organisations WHERE id = ANY(%s)",
                            (organisation_ids,)).fetchone()["n"]
        if known != len(set(organisation_ids)):
            raise NotFound("No such organisation.")
        added = []
        for organisation_id in dict.fromkeys(organisation_ids):
            # clock_timestamp(), not the transaction's now(): those added together keep the order given (the
            # suggestion's, or an earlier consortium's), where one time would list them by name.
            if cur.execute("INSERT INTO consortium_members (profile_id, call_id, organisation_id, added_by, added_at)"
                           " VALUES (%s, %s, %s, %s, clock_timestamp()) ON CONFLICT DO NOTHING",
                           (profile_id, call_id, organisation_id, user_id)).rowcount:
                added.append(organisation_id)
        _log(cur, profile_id, call_id, added, "added", user_id, note)
    return len(added)


def confirmed_with_us(db: Database, profile_id: int, except_call_id: int | None = None) -> dict[int, dict]:
    """Per organisation id: how many of the profile's consortia (but the one for `except_call_id`) it confirmed
    joining (`times`), and the title of the call of the latest it confirmed (`latest`). The team's own
    collaborations, which the partner data does not hold (SIC's proposals are not in CORDIS unless they were
    won, and then years later)."""
    return {row["organisation_id"]: {"times": row["times"], "latest": row["latest"]} for row in db.fetchall(
        """SELECT m.organisation_id, count(*) AS times,
                  (array_agg(c.title ORDER BY m.status_at DESC NULLS LAST, c.id DESC))[1] AS latest
           FROM consortium_members m JOIN calls c ON c.id = m.call_id
           WHERE m.profile_id = %s AND m.status = 'confirmed' AND m.call_id IS DISTINCT FROM %s
           GROUP BY m.organisation_id""", (profile_id, except_call_id))}


def earlier_consortium(db: Database, profile_id: int, call_ids: list[int]) -> tuple[int, list[dict]] | None:
    """Of the calls given (the latest first: a series' earlier calls), the first whose consortium has members
    that did not decline, with those members (their status there, the coordinator first): a series comes back
    year after year, and a proposal sent again is most often sent with the same partners. None without any."""
    rows = db.fetchall(
        """SELECT m.call_id, o.id, o.name, o.country, o.sector, m.status, m.coordinator
           FROM consortium_members m JOIN organisations o ON o.id = m.organisation_id
           WHERE m.profile_id = %s AND m.call_id = ANY(%s) AND m.status <> 'declined'
           ORDER BY m.coordinator DESC, m.added_at, o.name""", (profile_id, call_ids))
    for call_id in call_ids:
        if members := [row for row in rows if row["call_id"] == call_id]:
            return call_id, members
    return None


def remove_members(db: Database, profile_id: int, call_id: int, organisation_ids: list[int],
                   user_id: int | None = None) -> None:
    """Take organisations out; the history keeps that they were in, and how far the team had got."""
    with db.transaction() as cur:
        removed = cur.execute("DELETE FROM consortium_members WHERE profile_id = %s AND call_id = %s"
                              " AND organisation_id = ANY(%s) RETURNING organisation_id",
                              (profile_id, call_id, organisation_ids)).fetchall()
        _log(cur, profile_id, call_id, [row["organisation_id"] for row in removed], "removed", user_id)


def _log(cur, profile_id: int, call_id: int, organisation_ids: list[int], change: str, user_id: int | None,
         note: str = "") -> None:
    if organisation_ids:
        cur.execute("INSERT INTO consortium_events (profile_id, call_id, organisation_id, organisation_name, change,"
                    " note, user_id) SELECT %s, %s, o.id, o.name, %s, %s, %s FROM organisations o"
                    " WHERE o.id = ANY(%s) ORDER BY array_position(%s, o.id)",
                    (profile_id, call_id, change, note, user_id, organisation_ids, organisation_ids))


def history(db: Database, profile_id: int, call_id: int) -> list[dict]:
    """What happened to the consortium, oldest first: each change (`added`, `removed` or a status), the
    organisation (its name as it was, and its id while it exists), the note, who and when."""
    return db.fetchall(
        """SELECT e.at, e.change, e.note, e.organisation_id, e.organisation_name, u.email
           FROM consortium_events e LEFT JOIN users u ON u.id = e.user_id
           WHERE e.profile_id = %s AND e.call_id = %s ORDER BY e.at, e.id""", (profile_id, call_id))


def being_built(db: Database, profile_id: int, today) -> list[dict]:
    """The consortia the team is building: the calls marked bid or maybe, and any other call with members
    already (unless marked no bid), each with its members' ids, how far the team has got with each
    (`statuses`, by id), the ids of those that declined, who are not members, the coordinator's id (None:
    the applicant coordinates) and whether partners may still join (`open`: an application still to write,
    `PLANNED`, with a deadline ahead, or none published: a call added by hand may have a rolling one); the
    soonest next deadline (after `today`) first."""
    rows = db.fetchall(
        f"""SELECT c.id AS call_id, c.identifier, c.title, d.state, {NEXT_DEADLINE} AS next_deadline,
                   coalesce(jsonb_object_agg(m.organisation_id, m.status)
                            FILTER (WHERE m.organisation_id IS NOT NULL), '{{}}') AS statuses,
                   coalesce(array_agg(m.organisation_id ORDER BY m.added_at)
                            FILTER (WHERE m.status <> 'declined'), '{{}}') AS member_ids,
                   coalesce(array_agg(m.organisation_id ORDER BY m.added_at)
                            FILTER (WHERE m.status = 'declined'), '{{}}') AS declined_ids,
                   max(m.organisation_id) FILTER (WHERE m.coordinator) AS coordinator_id,
                   bool_and(d.id IS NULL OR {PLANNED}) AND {STILL_OPEN} AS open
            FROM calls c
            LEFT JOIN decisions d ON d.call_id = c.id AND d.profile_id = %(profile)s
            LEFT JOIN consortium_members m ON m.call_id = c.id AND m.profile_id = %(profile)s
            WHERE (d.state IN ('bid', 'maybe') OR m.organisation_id IS NOT NULL) AND d.state IS DISTINCT FROM 'no_bid'
            GROUP BY c.id, d.state ORDER BY next_deadline NULLS LAST, c.identifier""",
        {"profile": profile_id, "today": today})
    for row in rows:  # JSON keys are text
        row["statuses"] = {int(key): status for key, status in row["statuses"].items()}
    return rows


def answers_since(db: Database, profile_id: int, since, reader_id: int | None = None) -> list[dict]:
    """The partners recorded as having confirmed or declined since `since`, for a digest: the news a remote
    team needs from whoever heard it. What the reader recorded themselves is left out: they know it."""
    return db.fetchall(
        """SELECT o.name, o.country, c.identifier, c.title, m.status, m.status_note, m.status_at, u.email AS status_by
           FROM consortium_members m JOIN organisations o ON o.id = m.organisation_id
           JOIN calls c ON c.id = m.call_id LEFT JOIN users u ON u.id = m.status_by
           WHERE m.profile_id = %s AND m.status IN ('confirmed', 'declined') AND m.status_at > %s
             AND m.status_by IS DISTINCT FROM %s
           ORDER BY m.status_at, o.name""", (profile_id, since, reader_id))


FOLLOW_UP_DAYS = 7  # a partner asked this long ago without an answer is worth a second message


def unanswered_days(member: dict, today, zone: tzinfo = timezone.utc) -> int | None:
    """How many days ago the team asked a member that has not answered, once that is FOLLOW_UP_DAYS or
    more (time to ask again, as `to_follow_up` finds for a digest); None otherwise. Days on the clock of
    `zone`, the team's."""
    if member["status"] != "asked":
        return None
    waited = (today - in_zone(member["status_at"], zone).date()).days
    return waited if waited >= FOLLOW_UP_DAYS else None


def to_follow_up(db: Database, user_id: int, today, zone: str = "UTC") -> list[dict]:
    """The partners this user asked FOLLOW_UP_DAYS or more days ago (`unanswered_days`) that have not
    answered yet, in the consortia of every profile (each with its `profile_id` and `profile`), for calls whose
    next deadline is still ahead (after `today`) and undecided or with an application still to write
    (`PLANNED`: not no bid, rejected or ended): a reminder, for a digest, to the one who asked."""
    return db.fetchall(
        f"""SELECT * FROM (
              SELECT o.name, o.country, c.identifier, c.title, m.status_note, m.status_at,
                     {NEXT_DEADLINE} AS next_deadline, m.profile_id, p.name AS profile
              FROM consortium_members m JOIN organisations o ON o.id = m.organisation_id
              JOIN profiles p ON p.id = m.profile_id
              JOIN calls c ON c.id = m.call_id LEFT JOIN decisions d ON d.call_id = c.id AND d.profile_id = m.profile_id
              WHERE m.status = 'asked' AND m.status_by = %(user)s
                AND (m.status_at AT TIME ZONE %(zone)s)::date <= %(today)s::date - %(days)s::int
                AND (d.id IS NULL OR {PLANNED})) asked
            WHERE next_deadline IS NOT NULL ORDER BY next_deadline, status_at, name""",
        {"user": user_id, "today": today, "days": FOLLOW_UP_DAYS, "zone": zone})


# SIC's strategy: at least three new collaborations a year with technology-oriented organisations.
TECHNOLOGY_TARGET = 3


def new_partners(db: Database, profile_id: int, year: int, zone: str = "UTC") -> list[dict]:
    """The organisations that confirmed joining one of the profile's consortia in `year` (on the clock of
    `zone`, the team's: CALLMATCH_TIMEZONE) and that it had not worked with before: neither beside its own
    organisation in a past project of the partner data, nor confirmed in one of its consortia in an earlier
    year. New collaborations are what a small team's strategy counts (SIC's asks for at least three a year
    with technology-oriented organisations)."""
    return db.fetchall(  # each organisation once, at its first confirmation of the year; in that order
        """SELECT * FROM (
           SELECT DISTINCT ON (o.id) o.id, o.name, o.country, o.sector, c.identifier, c.title, m.status_at
           FROM consortium_members m JOIN organisations o ON o.id = m.organisation_id JOIN calls c ON c.id = m.call_id
           JOIN profiles p ON p.id = m.profile_id
           WHERE m.profile_id = %(profile)s AND m.status = 'confirmed'
             AND m.status_at >= make_timestamptz(%(year)s, 1, 1, 0, 0, 0, %(zone)s)
             AND m.status_at < make_timestamptz(%(year)s + 1, 1, 1, 0, 0, 0, %(zone)s)
             AND NOT EXISTS (SELECT 1 FROM participations ours JOIN participations theirs USING (project_id)
                             WHERE ours.organisation_id = p.organisation_id AND theirs.organisation_id = o.id)
             AND NOT EXISTS (SELECT 1 FROM consortium_members before
                             WHERE before.profile_id = m.profile_id AND before.organisation_id = o.id
                               AND before.status = 'confirmed'
                               AND before.status_at < make_timestamptz(%(year)s, 1, 1, 0, 0, 0, %(zone)s))
           ORDER BY o.id, m.status_at) first ORDER BY status_at, name""",
        {"profile": profile_id, "year": year, "zone": zone})
