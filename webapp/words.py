"""How stored values read on the pages: money, grant sizes, sectors, roles, days left. Registered as
Jinja filters, so that every page words a value the same way."""

from __future__ import annotations

import re
from datetime import date

from markupsafe import Markup, escape

from store.calls import SOURCES, change_summary
from store.decisions import assessment_headline, assessment_summary
from store.evaluations import criteria_scored, outcome_said, plain_number, scored
from store.html import clean_html, html_to_text, nest_headings, web_address
from store.partners import TECHNOLOGY_RULE, TECHNOLOGY_SHARE_WORDS, sector_label
from store.text import (amount, area_text, consortium_progress, counted, country_name, day, eur, failed_gates, moment,
                        place_name, points, rate, stage_note, unlisted, zone_words)


def init_app(app) -> None:
    # What makes an organisation technology-oriented, as every page says it.
    app.jinja_env.globals.update(technology_rule=TECHNOLOGY_RULE, technology_share=TECHNOLOGY_SHARE_WORDS)
    zone = app.extensions["callmatch.settings"].zone  # times read on the team's clock
    app.jinja_env.globals["clock"] = zone_words(zone)  # "05:00 Riga time"
    app.jinja_env.filters.update(day=lambda value: day(value, zone), moment=lambda value: moment(value, zone))
    app.jinja_env.filters.update(eur=eur, grant_range=grant_range, days_left=days_left,
                                 counted=counted, points=points, sector=sector, role=role, sanitise=sanitise,
                                 web_address=web_address, failed_gates=failed_gates,
                                 country=country_name, country_abbr=country_abbr,
                                 place=place_name, source_name=source_name, stage_note=stage_note,
                                 unlisted=unlisted, plain_text=html_to_text,
                                 consortium_progress=consortium_progress, assessment=assessment_summary,
                                 assessment_headline=assessment_headline, change_summary=change_summary,
                                 amount=amount, rate=rate, area=area_text, scored=scored,
                                 outcome_said=outcome_said, plain_number=plain_number,
                                 criteria_said=criteria_scored)



def grant_range(smallest, largest) -> str:
    """A call's grant size, from what the source gave: one end, both, or neither."""
    if smallest is None and largest is None:
        return "not published"
    if smallest is None:
        return f"up to {eur(largest)}"
    if largest is None:
        return f"from {eur(smallest)}"
    return eur(smallest) if smallest == largest else f"{eur(smallest)} – {eur(largest)}"


def sanitise(raw: str | None, below: int = 2) -> str:
    """Foreign HTML for a page: sanitised again (what was stored may predate today's allow-list), its
    headings placed under the page's own h`below`."""
    return nest_headings(clean_html(raw), below)


def source_name(source: str) -> str:
    """A source as its pages name it ('CORDIS bulk data' for cordis); a name it does not know, as stored."""
    return SOURCES[source][1] if source in SOURCES else source


def country_abbr(code) -> Markup:
    """A country as a table column shows it: the code, short enough for the column, with the name on
    hover and for screen readers ("DE", read as Germany)."""
    if not code:
        return Markup("—")
    name = country_name(code)
    if name == code.strip().upper():  # names no country
        return escape(code)
    return Markup('<abbr title="{}">{}</abbr>').format(name, code)


def sector(value) -> str:
    """An organisation's sector as people read it ("company", not the stored "private")."""
    return sector_label(value) if value else "—"


def role(value) -> str:
    """A role in a project as CORDIS writes it ("thirdParty", "internationalPartner"), in words."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", value).lower() if value else "—"


def days_left(deadline, today: date) -> str:
    if not deadline:
        return ""
    days = (deadline - today).days
    return "today" if days == 0 else f"{counted(days, 'day')} left"
