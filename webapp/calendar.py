"""The deadlines as a calendar: a file to download, and a private address a calendar application subscribes
to (one profile's deadlines of calls marked bid or maybe, the reader's open steps in its applications, and the
days its bids' results are due)."""

from __future__ import annotations

from datetime import date, datetime, timezone

from flask import Blueprint, Response, abort, current_app, g

from store import decisions
from store.profiles import get_profile
from store.text import stage_note

from . import current_profile_id, db, page_url, settings
from .calls import call_page_url

bp = Blueprint("calendar", __name__)


def _ics_text(value: str) -> str:
    """A crawled text as one iCalendar value: its own line breaks escaped, never a line of the feed."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _ics_fold(line: str) -> str:
    """One content line as RFC 5545 wants it: at most 75 octets a physical line, the rest on lines that
    start with a space (calendar clients join them again). Never splits a UTF-8 character."""
    pieces, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > (75 if not pieces else 74):  # a continuation's leading space is one of its 75
            pieces.append(current)
            current, size = "", 0
        current += char
        size += width
    return "\r\n ".join([*pieces, current])


@bp.route("/calendar.ics")
def download():
    """The deadlines as a file to download (signed in)."""
    return _calendar(current_profile_id())


# A calendar application subscribes without signing in: it fetches a private address instead, signed with
# the app's secret. It names the user and their password's stamp, so a new password (or deactivation)
# turns the old address off, and the profile whose deadlines it holds, so that a subscribed calendar stays
# the one subscribed to when its reader works on another profile (an address made before it named one
# follows the profile they work on).
def _feed_signer():
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer(current_app.secret_key, salt="callmatch-calendar-feed")


def calendar_feed_url(user: dict, profile_id: int) -> str:
    from store.users import session_stamp

    token = _feed_signer().dumps([user["id"], session_stamp(user), profile_id])
    return page_url("calendar.feed", token=token)


@bp.route("/calendar/<token>.ics")
def feed(token):
    """The deadlines of the profile the address names for a calendar application: no session, the address
    is the key. Anything but a valid, current address (of a profile that still exists) is simply not found."""
    from itsdangerous import BadSignature

    from store.users import get_user, stamp_is_current

    try:
        user_id, stamp, *named = _feed_signer().loads(token)
        user = get_user(db(), int(user_id))
        profile_id = int(named[0]) if named else None
    except (BadSignature, TypeError, ValueError):
        abort(404)
    if not stamp_is_current(user, stamp) or (profile_id is not None and get_profile(db(), profile_id) is None):
        abort(404)
    g.user = user
    return _calendar(profile_id or current_profile_id())


def _calendar(profile_id: int) -> Response:
    """The profile's calendar. Its name names the profile, and so do its events' UIDs: two profiles' calendars,
    subscribed side by side, may hold the same call."""
    rows = decisions.planned(db(), profile_id)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    name = _ics_text(f"Call deadlines: {get_profile(db(), profile_id)['name']}")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//callmatch//deadlines//EN", f"X-WR-CALNAME:{name}"]
    for row in rows:
        for n, deadline in enumerate(row["deadlines"]):
            day = date.fromisoformat(deadline["date"])
            lines += ["BEGIN:VEVENT", f"UID:{_ics_text(row['identifier'])}-{n}-p{profile_id}@callmatch",
                      f"DTSTAMP:{stamp}",
                      f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                      "SUMMARY:" + _ics_text(f"[{row['state']}] {row['identifier']}{stage_note(deadline['stage'])}"
                                             + (" - no longer listed by the portal" if row["unlisted_since"] else "")),
                      # The event leads back to the call's page here, where the decision and consortium are.
                      "DESCRIPTION:" + _ics_text(f"{row['title']}\n"
                                                 + (f"{row['lead']} writes it\n" if row["lead"] else "")
                                                 + call_page_url(row["identifier"])),
                      "URL:" + "".join((row["url"] or "").split()),
                      "END:VEVENT"]
    # The steps of the applications the reader writes, while open: ticked off, a step leaves the calendar.
    for step in decisions.steps_to_do(db(), g.user["id"], settings().as_of(), profile_id):
        lines += ["BEGIN:VEVENT", f"UID:step-{step['id']}@callmatch", f"DTSTAMP:{stamp}",
                  f"DTSTART;VALUE=DATE:{step['due']:%Y%m%d}",
                  "SUMMARY:" + _ics_text(f"Step: {step['title']} [{step['identifier']}]"),
                  "DESCRIPTION:" + _ics_text(f"{step['call_title']}\n{call_page_url(step['identifier'])}#steps"),
                  "END:VEVENT"]
    # The days the bids' results are due, while none is recorded: the day to look for the letter, or to ask.
    for bid in decisions.awaiting_results(db(), profile_id):
        lines += ["BEGIN:VEVENT", f"UID:results-{_ics_text(bid['identifier'])}-p{profile_id}@callmatch",
                  f"DTSTAMP:{stamp}",
                  f"DTSTART;VALUE=DATE:{bid['by']:%Y%m%d}",
                  "SUMMARY:" + _ics_text(f"Results due: {bid['identifier']}"),
                  "DESCRIPTION:" + _ics_text(f"{bid['title']}\n{bid['said'][0].upper()}{bid['said'][1:]}.\n"
                                             f"{call_page_url(bid['identifier'])}#outcome"),
                  "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return Response("\r\n".join(_ics_fold(line) for line in lines) + "\r\n", mimetype="text/calendar",
                    headers={"Content-Disposition": "attachment; filename=callmatch-deadlines.ics"})
