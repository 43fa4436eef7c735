"""Drafted emails to a consortium's partners, opened in the user's own mail client from the consortium
builder: the invitation to a partner not asked yet, the reminder to one asked, and the call's name as the
subject once it has answered. Writing the same invitation to ten organisations is the administrative load
SIC's strategy wants cut; the draft is read, changed and sent by a person, so nothing is sent from here."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import quote

from store.consortium import FOLLOW_UP_DAYS
from store.text import day, eur


# Drafts in Latvian too, for a Latvian applicant writing to a Latvian partner: SIC writes to Riga's
# municipality or a Latvian university in Latvian. The sentences keep the organisation's name out of the
# cases Latvian would inflect it in ("jūsu organizāciju (…)"), and dates and sums in the Latvian way.
LANGUAGES = {"en": "English", "lv": "latviski"}


def languages_for(applicant_countries, partner_country: str | None) -> list[str]:
    """The languages a draft to this partner is offered in: English, and Latvian between Latvians."""
    return ["en", "lv"] if partner_country == "LV" and "LV" in (applicant_countries or ()) else ["en"]


def mail_draft(status: str, call: dict, organisation: str, person: str | None, applicant: str,
               coordinator: str | None, deadline: date | None, today: date, budget=None,
               language: str = "en", together: str | None = None) -> tuple[str, str]:
    """(subject, body) of an email to `person` (None: nobody by name) at `organisation` about the call, by
    how far the team has got with it (`store.consortium.STATUSES`). `coordinator`: the member that coordinates
    the proposal (None: the applicant); `deadline`: the call's next one; `budget`: the organisation's share
    of the grant in the budget split (None: not planned yet), which an invitation names, since a partner
    weighs the work against it. An answer is asked for within the days after which the builder says to ask
    again. `language`: one of `LANGUAGES`. `together`: the title of the call of the latest of the applicant's
    consortia the organisation confirmed joining, which an invitation recalls (None: never)."""
    named = f"{call['title']} ({call['identifier']})"
    if status not in ("not_asked", "asked"):  # it has answered: whatever comes next is the team's to write
        return named, ""
    if language == "lv":
        return _latvian(status, call, named, organisation, person, applicant, coordinator, deadline, today, budget,
                        together)
    due = f", whose deadline is {day(deadline)}" if deadline else ""
    answer_by = day(today + timedelta(days=FOLLOW_UP_DAYS))
    if status == "asked":
        subject = f"Following up: a partnership in {named}"
        text = (f"We wrote to you about {organisation} joining our application to the call “{call['title']}” "
                f"({call['identifier']}){due}. Could you let us know by {answer_by} whether {organisation} would "
                "take part?")
    else:
        subject = f"Invitation to a partnership: {named}"
        leads = "We would coordinate the proposal." if coordinator is None else (
            f"{coordinator} coordinates the proposal.")
        if budget:
            leads += f" We have planned about {eur(budget)} of the EU contribution for {organisation}'s part."
        again = f" We were glad to have you with us in our application to “{together}”." if together else ""
        text = (f"{applicant} is preparing an application to the call “{call['title']}” ({call['identifier']})"
                f"{due}, and we would like to invite {organisation} to join the consortium as a partner.{again} {leads}"
                f"\n\nCould you let us know by {answer_by} whether you are interested? We would then send the "
                "work plan and what it asks of your organisation.")
    source = f"\n\nThe call: {call['url']}" if call.get("url") else ""
    return subject, f"Dear {person or 'colleagues'},\n\n{text}{source}\n\nKind regards,\n"


def _latvian(status: str, call: dict, named: str, organisation: str, person: str | None, applicant: str,
             coordinator: str | None, deadline: date | None, today: date, budget,
             together: str | None) -> tuple[str, str]:
    due = f", kura iesniegšanas termiņš ir {_lv_day(deadline)}" if deadline else ""
    answer_by = _lv_day(today + timedelta(days=FOLLOW_UP_DAYS))
    if status == "asked":
        subject = f"Atgādinājums: sadarbība konkursā {named}"
        # A date's own dot ends the sentence: Latvian writes no second one.
        text = (f"Rakstījām jums par jūsu organizācijas ({organisation}) dalību mūsu pieteikumā konkursam "
                f"“{call['title']}” ({call['identifier']}){due}{'' if due else '.'} Lūdzu, dariet mums zināmu līdz "
                f"{answer_by}, vai {organisation} piedalīsies.")
    else:
        subject = f"Uzaicinājums uz sadarbību: {named}"
        leads = "Projektu koordinētu mēs." if coordinator is None else f"Projektu koordinē {coordinator}."
        if budget:
            leads += f" Jūsu organizācijas daļai esam plānojuši aptuveni {_lv_eur(budget)} no ES finansējuma."
        again = f" Sadarbojāmies jau iepriekš, gatavojot pieteikumu konkursam “{together}”." if together else ""
        text = (f"{applicant} gatavo pieteikumu konkursam “{call['title']}” ({call['identifier']}){due}, un mēs "
                f"vēlētos aicināt jūsu organizāciju ({organisation}) pievienoties konsorcijam kā partneri.{again}"
                f" {leads}"
                f"\n\nLūdzu, dariet mums zināmu līdz {answer_by}, vai jūs tas interesē. Tad mēs nosūtīsim darba "
                "plānu un aprakstu, kas tajā paredzēts jūsu organizācijai.")
    source = f"\n\nKonkurss: {call['url']}" if call.get("url") else ""
    greeting = f"Labdien, {person}!" if person else "Labdien!"
    return subject, f"{greeting}\n\n{text}{source}\n\nAr cieņu,\n"


def _lv_day(value: date) -> str:
    return f"{value:%d.%m.%Y}."  # "23.09.2026.": a Latvian date, which needs no case ending


def _lv_eur(value) -> str:
    return f"{round(float(value)):,} EUR".replace(",", "\u00a0")  # "120 000 EUR"


def mail_link(address: str, subject: str, body: str = "") -> str:
    """A mailto: address that opens a draft with this subject and body (RFC 6068: every reserved character
    percent-encoded, so a crawled title cannot add a header; line breaks as CRLF)."""
    fields = {"subject": subject, "body": body.replace("\r\n", "\n").replace("\n", "\r\n")}
    return f"mailto:{quote(address, safe='@')}?" + "&".join(
        f"{name}={quote(value, safe='')}" for name, value in fields.items() if value)
