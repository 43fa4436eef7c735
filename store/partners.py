"""Organisations, projects and participations.

One organisation from several sources is one row only where an identifier says so: the
source's own id (organisation_identifiers) or the PIC. Names are never used to merge.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from decimal import Decimal
from urllib.parse import quote

from .db import Database, every_word_in, like_literal, words_held
from .errors import NotFound
from .text import country_code, country_from, without_accents

# CORDIS activityType -> sector used for complementarity (SIC's strategy is cross-sector).
SECTORS = {"HES": "academic", "REC": "research", "PRC": "private", "PUB": "public", "OTH": "other"}
SECTOR_LABELS = {"academic": "higher education", "research": "research organisation", "private": "company",
                 "public": "public body", "ngo": "NGO", "other": "other (often NGOs and associations)"}


def sector_label(sector: str) -> str:
    """A sector as people read it; a code this project does not know shows as it is."""
    return SECTOR_LABELS.get(sector, sector)


# What a past project is known by where its topic is not enough: its topic's title (keep.eu's themes, an
# Erasmus+ action), else its own title or acronym. The partner ranking measures fit on it; `p` is the
# project, `t` its topic (LEFT JOIN topics t ON t.code = p.topic_code).
PROJECT_LABEL = "coalesce(nullif(p.topic_title, ''), t.title, p.title, p.acronym, '')"

# SIC's strategy asks for new collaborations with technology-oriented organisations (socio-technological
# social innovation). A project was funded for digital and technology work when its topic code is in
# H2020's ICT, FET, digitising and transforming industry (DT), digital security (DS), ECSEL or
# e-infrastructure topics, Horizon Europe's Cluster 4 (digital, industry and space), its Chips (and KDT)
# or EuroHPC joint undertakings, the Digital Europe programme or CEF Digital; or when its label says
# digital or ICT work (a keep.eu project's theme "ICT and digital society", an H2020 health topic "…with
# ICT"). The patterns read the same in Python and in PostgreSQL (the words without regard to case).
TECHNOLOGY_TOPICS = (r"^(ICT|DT|DS|FETOPEN|FETPROACT|FETFLAG|FETHPC|ECSEL|EINFRA|HORIZON-CL4|HORIZON-KDT"
                     r"|HORIZON-JU-CHIPS|HORIZON-EUROHPC|DIGITAL|CEF-DIG)(-|$)")
TECHNOLOGY_WORDS = r"(^|[^a-z])(digital|ict([^a-z]|$)|information and communication technolog)"
TECHNOLOGY_PROGRAMMES = ("H2020's ICT, FET, digital-industry and digital-security topics, Horizon Europe's Cluster 4"
                         " (digital, industry and space), Digital Europe, and topics or themes that name digital"
                         " or ICT work")
# A technology project in SQL, with the patterns as the parameters technology_topics and technology_words.
TECHNOLOGY_PROJECT = (f"(p.topic_code ~ %(technology_topics)s OR {PROJECT_LABEL} ~* %(technology_words)s)")
# An organisation is technology-oriented when at least this share of its projects with a known topic is
# of those: one ICT project among a university's hundreds does not make it one, a third of Fraunhofer's
# does. Pages say the rule in these words.
TECHNOLOGY_SHARE, TECHNOLOGY_SHARE_WORDS = 1 / 4, "a quarter"
TECHNOLOGY_RULE = f"at least {TECHNOLOGY_SHARE_WORDS} of its projects funded for digital work"


def technology_project(code: str | None, label: str | None) -> bool:
    """Whether a project with this topic code and label (`PROJECT_LABEL`) was funded for digital work."""
    return bool(code and re.match(TECHNOLOGY_TOPICS, code)) or bool(
        label and re.search(TECHNOLOGY_WORDS, label, re.IGNORECASE))


TECHNOLOGY_PATTERNS = {"technology_topics": TECHNOLOGY_TOPICS, "technology_words": TECHNOLOGY_WORDS}
_TECHNOLOGY_COUNTS = (f"count(DISTINCT p.id) FILTER (WHERE {TECHNOLOGY_PROJECT}) AS technology_projects,"
                      " count(DISTINCT p.id) AS coded_projects")


def technology_oriented(technology_projects: int, coded_projects: int) -> bool:
    """Whether an organisation with `technology_projects` of its `coded_projects` (those with a topic
    code) in digital and technology topics counts as technology-oriented."""
    return coded_projects > 0 and technology_projects >= TECHNOLOGY_SHARE * coded_projects


def technology_of(db: Database, organisation_ids: list[int]) -> dict[int, dict]:
    """For those of these organisations that took part in a project with a topic code: how many of their
    projects were in digital and technology topics, of how many, and whether that makes them
    technology-oriented."""
    rows = db.fetchall(
        f"""SELECT x.organisation_id AS id, {_TECHNOLOGY_COUNTS}
            FROM participations x JOIN projects p ON p.id = x.project_id LEFT JOIN topics t ON t.code = p.topic_code
            WHERE x.organisation_id = ANY(%(ids)s) AND p.topic_code <> '' GROUP BY x.organisation_id""",
        {**TECHNOLOGY_PATTERNS, "ids": list(organisation_ids)})
    return {r["id"]: {**r, "oriented": technology_oriented(r["technology_projects"], r["coded_projects"])}
            for r in rows}


# Where each partner source shows a project to people, by the project's id in that source.
PROJECT_PAGES = {
    "cordis": "https://cordis.europa.eu/project/id/{}",
    "keep_eu": "https://keep.eu/projects/{}/",
    "erasmus_results": "https://erasmus-plus.ec.europa.eu/projects/search/details/{}",
}


def project_page(source: str, source_id: str | None) -> str | None:
    """The address of a project's own page at its source, or None where the source has no such page."""
    pattern = PROJECT_PAGES.get(source)
    return pattern.format(quote(str(source_id), safe="")) if pattern and source_id else None


# CORDIS gives every participant of a project a contact form on the Funding & Tenders Portal, the way to
# write to an organisation one has no address for: organization.csv's contactForm column holds this
# address, by the organisation's PIC and the project's id, on every row.
CONTACT_FORM = "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/contact-form/project/{}/{}"


def contact_forms(db: Database, organisation_ids: list[int]) -> dict[int, dict]:
    """Each organisation's contact form on the portal (`url`), through its latest CORDIS project (`acronym`),
    by organisation id; those without a PIC or a CORDIS project are left out."""
    rows = db.fetchall(
        """SELECT DISTINCT ON (x.organisation_id) x.organisation_id, o.pic, p.source_id, p.acronym
           FROM participations x JOIN projects p ON p.id = x.project_id JOIN organisations o ON o.id = x.organisation_id
           WHERE x.organisation_id = ANY(%s) AND p.source = 'cordis' AND o.pic IS NOT NULL
           ORDER BY x.organisation_id, p.start_date DESC NULLS LAST, p.id DESC""", (list(organisation_ids),))
    return {r["organisation_id"]: {"url": CONTACT_FORM.format(quote(r["pic"], safe=""), quote(r["source_id"], safe="")),
                                   "acronym": r["acronym"]} for r in rows}


def typed_sector(value: str | None) -> str | None:
    """A sector a user asked for, or None unless it is one this project knows."""
    return value if value in SECTOR_LABELS else None


def typed_country(value: str | None) -> str | None:
    """A country a user asked for, as stored (`store.text.country_from`: a code of two or three letters in any
    case, EL and UK as GR and GB, or an English name), or None when it names none."""
    return country_from(value) if value and value.strip() else None


def valid_pic(value: object) -> str | None:
    """A PIC (the EU's nine-digit Participant Identification Code), spaces aside, or None. A placeholder
    such as "N/A", "0" or blanks is no PIC: as one, it would merge every organisation that has it."""
    text = str(value or "").replace(" ", "")
    return text if len(text) == 9 and text.isdigit() and text.strip("0") else None


def name_key(name: str, country: str | None) -> str:
    """An organisation's identity within a source that gives it no id of its own (never across sources):
    its name and country. A re-crawl then finds it again rather than adding it twice."""
    return f"{name.lower()}|{country_code(country) or ''}"


# What a second source may fill in about an organisation when the first left it out (the name and PIC
# identify it and are handled apart).
_FILLABLE = ("short_name", "country", "city", "sector", "org_type", "website")


def resolve_organisation(cur, scheme: str, source_id: str | None, fields: dict) -> tuple[int, bool]:
    """(organisation id, created?) for an organisation as one source describes it."""
    fields = {**fields, "pic": valid_pic(fields.get("pic"))}
    pic = fields.get("pic")

    def holder_of_pic() -> int | None:
        row = cur.execute("SELECT id FROM organisations WHERE pic = %s", (pic,)).fetchone()
        return row["id"] if row else None

    org_id = None
    if source_id:
        row = cur.execute(
            "SELECT i.organisation_id, o.pic FROM organisation_identifiers i JOIN organisations o"
            " ON o.id = i.organisation_id WHERE i.scheme = %s AND i.value = %s", (scheme, source_id)
        ).fetchone()
        if row:
            org_id = row["organisation_id"]
            if row["pic"] is None and pic and (holder := holder_of_pic()) is not None:
                # Known by this source's id without a PIC, and now given one that another organisation
                # holds: they are one organisation, and the PIC is the key across sources.
                _merge_into(cur, holder, org_id)
                org_id = holder
    if org_id is None and pic:
        org_id = holder_of_pic()
    created = org_id is None
    if created:
        # Another transaction may be storing the same PIC (an import beside a crawl): the insert waits for
        # it, and once it has committed, its organisation is the one.
        row = cur.execute(
            "INSERT INTO organisations (pic, name, short_name, country, city, sector, org_type, website)"
            " VALUES (%(pic)s, %(name)s, %(short_name)s, %(country)s, %(city)s, %(sector)s, %(org_type)s, %(website)s)"
            " ON CONFLICT (pic) DO NOTHING RETURNING id",
            {k: fields.get(k) for k in ("pic", "name", *_FILLABLE)},
        ).fetchone()
        if row is None:
            org_id, created = holder_of_pic(), False
        else:
            org_id = row["id"]
    if not created:
        # Fill what is missing; never overwrite what another source already said.
        columns = ("pic", *_FILLABLE)
        cur.execute(
            f"UPDATE organisations SET {', '.join(f'{c} = COALESCE({c}, %({c})s)' for c in columns)},"
            " updated_at = now()"
            f" WHERE id = %(id)s AND ({' OR '.join(f'{c} IS NULL AND %({c})s::text IS NOT NULL' for c in columns)})",
            {"id": org_id, **{c: fields.get(c) for c in columns}},
        )
    if source_id:
        cur.execute(
            "INSERT INTO organisation_identifiers (scheme, value, organisation_id) VALUES (%s, %s, %s)"
            " ON CONFLICT DO NOTHING",
            (scheme, source_id, org_id),
        )
    return org_id, created


def _merge_into(cur, keep: int, gone: int) -> None:
    """Organisation `gone` is `keep` under another name: its projects, identifiers, consortium places (and
    their history), the team's contacts there and profile links move over, it fills in what `keep` lacks,
    and it goes."""
    ids = {"keep": keep, "gone": gone}
    cur.execute("INSERT INTO participations (project_id, organisation_id, role, position, eu_contribution)"
                " SELECT project_id, %(keep)s, role, position, eu_contribution FROM participations"
                " WHERE organisation_id = %(gone)s ON CONFLICT DO NOTHING", ids)
    led = cur.execute("UPDATE consortium_members SET coordinator = false WHERE organisation_id = %(gone)s"
                      " AND coordinator RETURNING profile_id, call_id", ids).fetchall()  # one coordinator a consortium
    # In a consortium that has both, the place `keep` has stays, with the budget planned for either.
    cur.execute("INSERT INTO consortium_members (profile_id, call_id, organisation_id, added_by, added_at, status,"
                " status_note, status_by, status_at, budget)"
                " SELECT profile_id, call_id, %(keep)s, added_by, added_at, status, status_note, status_by, status_at,"
                " budget FROM consortium_members WHERE organisation_id = %(gone)s ON CONFLICT (profile_id, call_id,"
                " organisation_id) DO UPDATE SET budget = coalesce(consortium_members.budget, excluded.budget)", ids)
    for row in led:
        cur.execute("UPDATE consortium_members SET coordinator = true WHERE profile_id = %s AND call_id = %s"
                    " AND organisation_id = %s", (row["profile_id"], row["call_id"], keep))
    cur.execute("UPDATE consortium_events SET organisation_id = %(keep)s WHERE organisation_id = %(gone)s", ids)
    # Whom the team knows at either: all of them, a person known at both once (as kept for `keep`).
    cur.execute("DELETE FROM organisation_contacts g USING organisation_contacts k WHERE g.organisation_id = %(gone)s"
                " AND k.organisation_id = %(keep)s AND g.person = k.person AND g.email = k.email", ids)
    cur.execute("UPDATE organisation_contacts SET organisation_id = %(keep)s WHERE organisation_id = %(gone)s", ids)
    cur.execute("UPDATE organisation_identifiers SET organisation_id = %(keep)s WHERE organisation_id = %(gone)s", ids)
    cur.execute("UPDATE profiles SET organisation_id = %(keep)s WHERE organisation_id = %(gone)s", ids)
    cur.execute(f"UPDATE organisations k SET {', '.join(f'{c} = COALESCE(k.{c}, g.{c})' for c in _FILLABLE)},"
                " updated_at = now()"
                " FROM organisations g WHERE k.id = %(keep)s AND g.id = %(gone)s", ids)
    cur.execute("DELETE FROM organisations WHERE id = %(gone)s", ids)  # what is left of it goes with it


PROJECT_FIELDS = ("acronym", "title", "objective", "framework", "programme", "topic_code", "topic_title", "call_id",
                  "funding_scheme", "start_date", "end_date", "total_cost", "eu_contribution")


def save_project(cur, source: str, source_id: str, fields: dict) -> tuple[int, str]:
    """(project id, 'new'|'updated'|'unchanged').

    A value the source leaves out keeps the stored one: a CORDIS extract without topics.csv, or with
    a project's title blank (most rows of a weekly extract), must not erase what an earlier one gave.
    """
    values = {k: fields.get(k) for k in PROJECT_FIELDS}
    merged = [f"coalesce(EXCLUDED.{k}, projects.{k})" for k in PROJECT_FIELDS]
    row = cur.execute(
        f"INSERT INTO projects (source, source_id, {', '.join(PROJECT_FIELDS)})"
        f" VALUES (%(source)s, %(source_id)s, {', '.join(f'%({k})s' for k in PROJECT_FIELDS)})"
        f" ON CONFLICT (source, source_id) DO UPDATE"
        f" SET {', '.join(f'{k} = {value}' for k, value in zip(PROJECT_FIELDS, merged, strict=True))}"
        f" WHERE ({', '.join(f'projects.{k}' for k in PROJECT_FIELDS)}) IS DISTINCT FROM ({', '.join(merged)})"
        f" RETURNING id, (xmax = 0) AS inserted",
        {"source": source, "source_id": source_id, **values},
    ).fetchone()
    if row is None:
        existing = cur.execute("SELECT id FROM projects WHERE source = %s AND source_id = %s",
                               (source, source_id)).fetchone()
        return existing["id"], "unchanged"
    return row["id"], "new" if row["inserted"] else "updated"


def save_participation(cur, project_id: int, org_id: int, role: str, eu_contribution: Decimal | None,
                       position: int = 1) -> str | None:
    """'new', 'updated' (its EU contribution changed) or None when the participation is already stored as is."""
    row = cur.execute(
        "INSERT INTO participations (project_id, organisation_id, role, position, eu_contribution)"
        " VALUES (%s, %s, %s, %s, %s)"
        " ON CONFLICT (project_id, organisation_id, role, position) DO UPDATE"
        " SET eu_contribution = EXCLUDED.eu_contribution"
        " WHERE participations.eu_contribution IS DISTINCT FROM EXCLUDED.eu_contribution"
        " RETURNING xmax = 0 AS inserted",  # PostgreSQL: a row the INSERT made has no deleting transaction yet
        (project_id, org_id, role, position, eu_contribution),
    ).fetchone()
    if row is None:
        return None
    return "new" if row["inserted"] else "updated"


def upsert_project(db: Database, project: dict) -> str:
    """A crawled project with its participants (keep.eu, Erasmus+): 'new', 'updated' or 'unchanged'."""
    scheme = project["source"]
    with db.transaction() as cur:
        project_id, outcome = save_project(cur, project["source"], project["source_id"], project)
        changed = False
        for position, person in enumerate(project["participants"], 1):
            fields = {**person, "country": country_code(person.get("country"))}
            org_id, created = resolve_organisation(cur, scheme, person.get("source_id"), fields)
            changed |= save_participation(cur, project_id, org_id, person["role"], person.get("eu_contribution"),
                                          position) is not None
            changed |= created
    if outcome == "unchanged" and changed:
        outcome = "updated"
    return outcome


def upsert_topics(cur, topics: dict[str, str], framework: str | None = None) -> int:
    """Insert or retitle topics; returns how many were new or changed."""
    changed = 0
    for code, title in topics.items():
        row = cur.execute(
            "INSERT INTO topics (code, title, framework) VALUES (%s, %s, %s) ON CONFLICT (code) DO UPDATE"
            " SET title = EXCLUDED.title WHERE topics.title IS DISTINCT FROM EXCLUDED.title RETURNING 1",
            (code, title, framework),
        ).fetchone()
        changed += row is not None
    return changed


# The framework programmes by the names people use, as CORDIS codes them (its topic codes start so too).
FRAMEWORK_CODES = {"horizon europe": "HORIZON", "horizon 2020": "H2020"}


def organisation_filters(params: dict, *, q: str = "", country: str = "", sector: str = "",
                         programme: str = "", technology: bool = False, known: bool = False) -> list[str]:
    """SQL conditions on organisations (`o`) for the Partners page's filters: a name or PIC, a country, a
    sector, a programme or topic worked in, technology-oriented only (`technology_oriented`, in SQL), only
    those where the team knows someone (`known`: store.contacts). Their values go into `params`, never into
    the text."""
    where = []
    if q:
        # search_name is the name and short name without accents (migration 0047): "Rīgas" finds "RIGAS".
        where.append(f"(o.pic = %(exact)s OR {every_word_in(('o.search_name',), without_accents(q), params, 'q')})")
        params["exact"] = valid_pic(q)  # typed with spaces, as it is often printed
    if country:
        where.append("o.country = %(country)s")
        params["country"] = country
    if sector:
        where.append("o.sector = %(sector)s")
        params["sector"] = sector
    if programme:
        # The start of a topic code or of one of its parts ("MSCA" in HORIZON-MSCA-2021-PF-01), a framework
        # programme ("Horizon Europe" as CORDIS codes it), or words of a programme's name, as keep.eu gives it
        # ("Central Baltic" in "Interreg Central Baltic 2014-2020").
        where.append("EXISTS (SELECT 1 FROM participations x JOIN projects p ON p.id = x.project_id"
                     " WHERE x.organisation_id = o.id AND (p.topic_code ILIKE %(prog)s"
                     " OR p.topic_code ILIKE %(prog_part)s OR p.framework ILIKE %(prog)s"
                     " OR p.programme ILIKE %(prog_words)s))")
        typed = " ".join(programme.split())
        literal = like_literal(FRAMEWORK_CODES.get(typed.lower(), typed))
        params.update(prog=f"{literal}%", prog_part=f"%-{literal}%", prog_words=f"%{like_literal(typed)}%")
    if technology:  # technology_oriented, in SQL
        where.append(f"""EXISTS (SELECT 1 FROM (
                            SELECT {_TECHNOLOGY_COUNTS}
                            FROM participations x JOIN projects p ON p.id = x.project_id
                            LEFT JOIN topics t ON t.code = p.topic_code
                            WHERE x.organisation_id = o.id AND p.topic_code <> '') counts
                          WHERE coded_projects > 0 AND technology_projects >= %(technology_share)s * coded_projects)""")
        params.update(TECHNOLOGY_PATTERNS, technology_share=TECHNOLOGY_SHARE)
    if known:
        where.append("EXISTS (SELECT 1 FROM organisation_contacts k WHERE k.organisation_id = o.id)")
    return where


# The Partners page's orders: the most active first, or those that led the most projects (a coordinator
# for a consortium the team would join, or a partner who knows the work of leading one); then by name.
ORGANISATION_SORTS = {"projects": "projects DESC, coordinated DESC", "coordinated": "coordinated DESC, projects DESC"}


# An organisation's (`o`) projects in the partner data and those it coordinated, as `r`: counted for the
# organisations listed only.
_PROJECT_COUNTS = """CROSS JOIN LATERAL (
    SELECT count(DISTINCT project_id) AS projects,
           count(DISTINCT project_id) FILTER (WHERE role = 'coordinator') AS coordinated
    FROM participations WHERE organisation_id = o.id) r"""


def programme_names(db: Database) -> dict[str, list[str]]:
    """What the Partners page's programme filter finds organisations by, as the partner data writes it:
    "named", the framework programmes (by the names people use) and the programmes' names, which the filter
    offers as one types; "all", those and the parts of the topic codes that hold a letter ("MSCA", "SC1"),
    which a typed programme that finds nobody is read against."""
    rows = db.fetchall(
        """SELECT framework AS name, true AS named FROM projects WHERE framework IS NOT NULL
           UNION SELECT programme, true FROM projects WHERE programme IS NOT NULL
           UNION SELECT part, false FROM (SELECT DISTINCT topic_code FROM projects WHERE topic_code <> '') codes,
                 unnest(string_to_array(topic_code, '-')) part WHERE part ~ '[[:alpha:]]' AND length(part) > 1""")
    named = {FRAMEWORK_NAMES.get(row["name"], row["name"]) for row in rows if row["named"]}
    return {"named": sorted(named, key=str.lower),
            "all": sorted(named | {row["name"] for row in rows if not row["named"]}, key=str.lower)}


def count_organisations(db: Database, **filters) -> int:
    """How many organisations `search_organisations` finds with these `filters` (its own), the rows not read."""
    params: dict = {}
    where = " AND ".join(["TRUE", *organisation_filters(params, **filters)])
    return db.scalar(f"SELECT count(*) FROM organisations o WHERE {where}", params)


def search_organisations(db: Database, *, q: str = "", country: str = "", sector: str = "", programme: str = "",
                         technology: bool = False, known: bool = False, sort: str = "projects", page: int = 1,
                         per_page: int = 30, with_total: bool = True) -> tuple[list[dict], int | None]:
    """(organisations of this page, each with its projects and those it coordinated, in the `sort` order;
    total count: None unless `with_total`). Every value is a parameter."""
    filters = {"q": q, "country": country, "sector": sector, "programme": programme, "technology": technology,
               "known": known}
    params = {"limit": per_page, "offset": (page - 1) * per_page}
    where = " AND ".join(["TRUE", *organisation_filters(params, **filters)])
    total = count_organisations(db, **filters) if with_total else None
    rows = db.fetchall(
        f"""SELECT o.*, r.projects, r.coordinated FROM organisations o {_PROJECT_COUNTS}
            WHERE {where}
            ORDER BY {ORGANISATION_SORTS.get(sort, ORGANISATION_SORTS['projects'])}, o.name
            LIMIT %(limit)s OFFSET %(offset)s""", params)
    return rows, total


def organisations_by_id(db: Database, organisation_ids: Collection[int]) -> dict[int, dict]:
    """Those organisations, by id, each with its projects and those it coordinated (as listed on the Partners
    page): what a list of them ranked elsewhere needs beyond its rank."""
    rows = db.fetchall(f"SELECT o.*, r.projects, r.coordinated FROM organisations o {_PROJECT_COUNTS}"
                       " WHERE o.id = ANY(%s)", (list(organisation_ids),))
    return {row["id"]: row for row in rows}


def any_stored(db: Database) -> bool:
    """Whether any organisation is stored at all (a new installation has none until partner data is loaded)."""
    return bool(db.scalar("SELECT EXISTS (SELECT 1 FROM organisations)"))


def countries(db: Database) -> list[str]:
    return [r["country"] for r in db.fetchall(
        "SELECT DISTINCT country FROM organisations WHERE country IS NOT NULL ORDER BY country")]


def get_organisation(db: Database, organisation_id: int) -> dict | None:
    """The organisation with its identifiers (scheme, value), or None."""
    org = db.fetchone("SELECT * FROM organisations WHERE id = %s", (organisation_id,))
    if org is not None:
        org["identifiers"] = db.fetchall(
            "SELECT scheme, value FROM organisation_identifiers WHERE organisation_id = %s ORDER BY scheme, value",
            (organisation_id,))
    return org


def organisations_by_reference(db: Database, references: list) -> list[dict]:
    """Each reference (an id or a PIC) as organisation_id, name, country and sector, in the order given.
    A PIC wins over an id of the same digits; an unknown reference raises NotFound."""
    rows = []
    for reference in references:
        value = str(reference).strip()
        pic = valid_pic(value)  # as printed on documents too: 998 877 665
        row = db.fetchone("SELECT id AS organisation_id, name, country, sector FROM organisations"
                          " WHERE pic = %s OR id::text = %s ORDER BY pic = %s DESC LIMIT 1", (pic, value, pic))
        if row is None:
            raise NotFound(f"No organisation with id or PIC {value}.")
        rows.append(row)
    return rows


def organisation_summary(db: Database, organisation_id: int) -> dict | None:
    """Id, PIC, name, country and number of projects: enough to say which organisation is meant."""
    return db.fetchone(
        "SELECT o.id, o.pic, o.name, o.country, count(DISTINCT pa.project_id) AS projects FROM organisations o"
        " LEFT JOIN participations pa ON pa.organisation_id = o.id WHERE o.id = %s GROUP BY o.id", (organisation_id,))


# A project's framework programme as CORDIS codes it, by the name people use (the other sources give names).
FRAMEWORK_NAMES = {code: name.title() for name, code in FRAMEWORK_CODES.items()}


def record(db: Database, organisation_id: int) -> dict:
    """Its track record at a glance: projects, those it coordinated, EU contribution in all, the years they
    span (those of its `dated` projects), the programmes they were in (most projects first) and whether it
    is technology-oriented, over all its projects, not one page."""
    row = db.fetchone(
        """SELECT count(DISTINCT x.project_id) AS projects,
                  count(DISTINCT x.project_id) FILTER (WHERE x.role = 'coordinator') AS coordinated,
                  sum(x.eu_contribution) AS eu_contribution,
                  count(DISTINCT x.project_id) FILTER (WHERE p.start_date IS NOT NULL) AS dated,
                  min(extract(year FROM p.start_date))::int AS first_year,
                  max(extract(year FROM coalesce(p.end_date, p.start_date)))::int AS last_year
           FROM participations x JOIN projects p ON p.id = x.project_id WHERE x.organisation_id = %s""",
        (organisation_id,))
    row["technology"] = technology_of(db, [organisation_id]).get(organisation_id)
    programmes = db.fetchall(
        """SELECT coalesce(p.framework, p.programme) AS programme, count(DISTINCT p.id) AS projects
           FROM participations x JOIN projects p ON p.id = x.project_id
           WHERE x.organisation_id = %s AND coalesce(p.framework, p.programme) IS NOT NULL
           GROUP BY 1 ORDER BY projects DESC, 1""", (organisation_id,))
    row["programmes"] = [(FRAMEWORK_NAMES.get(r["programme"], r["programme"]), r["projects"]) for r in programmes]
    return row


def projects_of(db: Database, organisation_id: int, *, page: int = 1, per_page: int = 50) -> list[dict]:
    """This page of its projects (`record` counts them all), the latest started first (those without dates
    after them, newest stored first), each with its role and EU contribution in it, and its page at its
    source (`url`). Paged, since a large research organisation in the CORDIS files has thousands."""
    rows = db.fetchall(
        """SELECT * FROM (SELECT DISTINCT ON (p.id) p.*, x.role, x.eu_contribution FROM participations x
                          JOIN projects p ON p.id = x.project_id WHERE x.organisation_id = %s ORDER BY p.id) mine
           ORDER BY start_date DESC NULLS LAST, id DESC LIMIT %s OFFSET %s""",
        (organisation_id, per_page, (page - 1) * per_page))
    return [{**row, "url": project_page(row["source"], row["source_id"])} for row in rows]


def projects_with_members(db: Database, project_ids: list[int]) -> list[dict]:
    """These projects, in the order given, each with its page at its source (`url`) and its organisations
    (the coordinator first; one that took part twice, once)."""
    rows = db.fetchall(
        """SELECT p.id, p.source, p.source_id, p.acronym, p.title, p.objective, p.topic_code, p.start_date,
                  json_agg(json_build_object('id', o.id, 'name', o.name, 'country', o.country,
                                             'coordinator', x.coordinator)
                           ORDER BY x.coordinator DESC, o.name, o.id) AS members
           FROM projects p
           JOIN (SELECT project_id, organisation_id, bool_or(role = 'coordinator') AS coordinator
                 FROM participations WHERE project_id = ANY(%(ids)s) GROUP BY project_id, organisation_id) x
             ON x.project_id = p.id
           JOIN organisations o ON o.id = x.organisation_id
           GROUP BY p.id""", {"ids": list(project_ids)})
    by_id = {row["id"]: {**row, "url": project_page(row["source"], row["source_id"])} for row in rows}
    return [by_id[i] for i in project_ids if i in by_id]


def collaborators(db: Database, organisation_id: int, limit: int = 20) -> tuple[list[dict], int]:
    """(The `limit` organisations it worked with most, most projects together first; how many it worked
    with in all.)"""
    rows = db.fetchall(
        """SELECT o.id, o.name, o.country, count(DISTINCT a.project_id) AS projects, count(*) OVER () AS everyone
           FROM participations a
           JOIN participations b ON a.project_id = b.project_id AND b.organisation_id <> a.organisation_id
           JOIN organisations o ON o.id = b.organisation_id
           WHERE a.organisation_id = %s GROUP BY o.id ORDER BY projects DESC, o.name LIMIT %s""",
        (organisation_id, limit))
    return rows, rows[0]["everyone"] if rows else 0


def organisation_words(db: Database) -> dict[str, int]:
    """The words of the organisations' names and short names, as the name search reads them (`words_held`)."""
    return words_held(db, "organisations", "search_name")


def participations_version(db: Database) -> tuple[int, int, int]:
    """(participations, newest project id, sum of their organisation ids): changes whenever partner data
    is imported or crawled, and when an organisation's projects move to another (a merge by PIC)."""
    row = db.fetchone("SELECT count(*) AS n, coalesce(max(project_id), 0) AS p,"
                      " coalesce(sum(organisation_id), 0) AS o FROM participations")
    return row["n"], row["p"], int(row["o"])
