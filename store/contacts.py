"""Whom the team knows at an organisation: a person, an email address, a line of note, kept across calls. Typed
on the organisation's page one at a time, or brought in from the team's own spreadsheet (`import_contacts`);
the consortium builder and the partner list read them back.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata

from .db import Database
from .errors import CallmatchError, NotFound
from .partners import valid_pic
from .text import country_code, one_line, without_accents


class InvalidContact(CallmatchError):
    pass


# Whom the team knows at an organisation: a line each, as a table cell and a CSV column show them.
CONTACT_LIMITS = {"person": 200, "email": 254, "note": 300}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def known_contacts(db: Database, organisation_ids: list[int]) -> dict[int, list[dict]]:
    """Whom the team knows at each organisation, by id: a list each, in the order they were added (id,
    person, email, note, who saved it and when)."""
    rows = db.fetchall(
        """SELECT c.id, c.organisation_id, c.person, c.email, c.note, c.updated_at, u.email AS updated_by
           FROM organisation_contacts c LEFT JOIN users u ON u.id = c.updated_by
           WHERE c.organisation_id = ANY(%s) ORDER BY c.organisation_id, c.id""", (list(organisation_ids),))
    known: dict[int, list[dict]] = {}
    for row in rows:
        known.setdefault(row["organisation_id"], []).append(row)
    return known


def counts(db: Database) -> dict:
    """How many people the team knows (`people`), at how many organisations (`organisations`)."""
    return db.fetchone("SELECT count(*) AS people, count(DISTINCT organisation_id) AS organisations"
                       " FROM organisation_contacts")


def organisations_known(db: Database) -> set[int]:
    """Every organisation where the team knows someone (a few hundred at most): marked where partners are
    chosen, and what those lists can be narrowed to."""
    return {row["organisation_id"] for row in db.fetchall("SELECT DISTINCT organisation_id FROM organisation_contacts")}


def checked_contact(person: str, email: str, note: str) -> dict:
    """A contact's fields as kept (each one line), or InvalidContact saying what is wrong."""
    values = {"person": one_line(person), "email": one_line(email), "note": one_line(note)}
    for key, limit in CONTACT_LIMITS.items():
        if len(values[key]) > limit:
            raise InvalidContact(f"The contact's {key} can be at most {limit} characters; this one has "
                                 f"{len(values[key])}.")
    if values["email"] and not _EMAIL.fullmatch(values["email"]):
        raise InvalidContact(f"{values['email']!r} is not an email address (name@example.org).")
    return values


def save_contact(db: Database, organisation_id: int, person: str, email: str, note: str,
                 user_id: int | None, contact_id: int | None = None) -> dict | None:
    """Add someone the team knows at an organisation, or change the contact `contact_id`; all three empty
    adds nothing, or forgets that contact. Someone kept there already (the same address, or with none the same
    person and note) is refused, as InvalidContact. Returns what is kept (None: nothing)."""
    values = checked_contact(person, email, note)
    with db.transaction() as cur:
        if cur.execute("SELECT 1 FROM organisations WHERE id = %s", (organisation_id,)).fetchone() is None:
            raise NotFound("No such organisation.")
        params = {**values, "id": organisation_id, "contact": contact_id, "user": user_id}
        if any(values.values()):
            _lock_contacts(cur)
            others = cur.execute("SELECT person, email, note FROM organisation_contacts WHERE organisation_id = %s"
                                 " AND id IS DISTINCT FROM %s", (organisation_id, contact_id)).fetchall()
            if _contact_key(values) in {_contact_key(other) for other in others}:
                raise InvalidContact(f"{_who(values)} is already kept for this organisation: change that line"
                                     " instead.")
        if contact_id is None:
            if not any(values.values()):
                return None
            cur.execute("""INSERT INTO organisation_contacts (organisation_id, person, email, note, updated_by)
                           VALUES (%(id)s, %(person)s, %(email)s, %(note)s, %(user)s)""", params)
            return values
        if not cur.execute("SELECT 1 FROM organisation_contacts WHERE id = %(contact)s AND organisation_id = %(id)s",
                           params).fetchone():  # forgotten meanwhile, or someone else's
            raise NotFound("That contact is no longer kept for this organisation.")
        if not any(values.values()):
            cur.execute("DELETE FROM organisation_contacts WHERE id = %(contact)s", params)
            return None
        cur.execute("""UPDATE organisation_contacts SET person = %(person)s, email = %(email)s, note = %(note)s,
                           updated_by = %(user)s, updated_at = now() WHERE id = %(contact)s""", params)
    return values


# -- a spreadsheet of contacts -------------------------------------------------------------------------------

class ContactSheetError(CallmatchError):
    """A file that is not a spreadsheet of contacts: nothing in it is read."""


# A column's heading, as spreadsheets write it (any case, spaces and punctuation aside), -> what it holds. The
# consortium builder's partner list (CSV) reads back as it is: its "contact person" and "contact email" hold
# everyone the team knows there, separated by "; ". "Name" alone is left out: a person's or an organisation's?
SHEET_COLUMNS = {
    "organisation": ("organisation", "organization", "organisation name", "organization name", "institution",
                     "partner", "legal name"),
    "pic": ("pic", "pic number", "pic code"),
    "country": ("country", "country code"),
    "person": ("person", "contact person", "contact name", "contact", "full name"),
    "email": ("email", "e mail", "email address", "e mail address", "contact email", "mail"),
    "note": ("note", "notes", "comment", "comments", "position"),
}
MAX_SHEET_ROWS = 5_000


def every_contact(db: Database) -> list[dict]:
    """Everyone the team knows, at every organisation (its name, PIC and country), by organisation and in the
    order they were added: the list to download, which `read_contact_sheet` reads back."""
    return db.fetchall(
        """SELECT o.name AS organisation, o.pic, o.country, c.person, c.email, c.note, u.email AS updated_by,
                  c.updated_at
           FROM organisation_contacts c JOIN organisations o ON o.id = c.organisation_id
           LEFT JOIN users u ON u.id = c.updated_by ORDER BY o.name, o.id, c.id""")


def read_contact_sheet(data: bytes) -> list[dict]:
    """The rows of a spreadsheet of contacts saved as CSV, each {organisation, pic, country, person, email,
    note} as text with its `line` in the file; blank rows left out. Commas, semicolons (Excel where the comma
    is the decimal sign, as in Latvia) or tabs between fields; UTF-8, or the Baltic Windows code page Excel
    saves in there. ContactSheetError where no column names an organisation, or none says whom."""
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):  # a zip (.xlsx, .ods) or an old .xls
        raise ContactSheetError("This is a workbook, not a CSV file: save it as CSV first (in Excel, File › Save As"
                                " › CSV UTF-8; in LibreOffice, File › Save As › Text CSV) and read that file.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1257", errors="replace")
    # The separator is the one the heading row uses most (csv.Sniffer takes an apostrophe for a quote mark).
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, [])
    columns = {}
    for position, heading in enumerate(header):
        plain = " ".join(re.sub(r"[^a-z0-9]+", " ", heading.casefold()).split())
        kind = next((kind for kind, names in SHEET_COLUMNS.items() if plain in names), None)
        if kind and kind not in columns:
            columns[kind] = position
    if "organisation" not in columns and "pic" not in columns:
        raise ContactSheetError("No column names the organisation: head one “organisation” or “PIC”"
                                f" (the first row reads: {', '.join(h for h in header if h.strip()) or 'nothing'}).")
    if not {"person", "email", "note"} & set(columns):
        raise ContactSheetError("No column says whom the team knows there: head one “person”, “email” or “note”.")
    rows = []
    for line, cells in enumerate(reader, start=2):
        row = {kind: _cell(cells[position]) if position < len(cells) else "" for kind, position in columns.items()}
        if any(row.values()):
            rows.append({kind: row.get(kind, "") for kind in SHEET_COLUMNS} | {"line": line})
        if len(rows) > MAX_SHEET_ROWS:
            raise ContactSheetError(f"The file holds more than {MAX_SHEET_ROWS:,} contacts; split it.")
    return rows


def _cell(text: str) -> str:
    """A cell as written, without the apostrophe a download puts before one that would read as a formula."""
    text = text.strip()
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@") else text


def import_contacts(db: Database, rows: list[dict], user_id: int | None = None) -> dict:
    """Keeps the contacts of a spreadsheet's rows (`read_contact_sheet`) at the organisations they name: by
    PIC, else by name (any case) and, where several organisations share it, by country. A contact already kept
    there (the same email address, or with none the same person or note) is not added twice, so a file read
    again adds nothing. Rows that cannot be kept (no such organisation, several of that name, an address that is
    not one) are reported, each with its line and why, and the others kept: {added, known, problems}."""
    pics = {pic for row in rows if (pic := valid_pic(row["pic"]))}
    names = {_name_key(row["organisation"]) for row in rows if row["organisation"]}
    with db.transaction() as cur:
        _lock_contacts(cur)
        by_pic = {r["pic"]: r for r in cur.execute(
            "SELECT id, name, pic, country FROM organisations WHERE pic = ANY(%s)", (list(pics),)).fetchall()}
        by_name: dict[str, list[dict]] = {}
        # Names compared here rather than in SQL, whose lower() may leave Ā and Š as they are in the C locale.
        for r in cur.execute("SELECT id, name, country FROM organisations ORDER BY id").fetchall() if names else ():
            if (key := _name_key(r["name"])) in names:
                by_name.setdefault(key, []).append(r)
        kept = {}  # organisation id -> the keys of whom the team knows there
        for r in cur.execute("SELECT organisation_id, person, email, note FROM organisation_contacts").fetchall():
            kept.setdefault(r["organisation_id"], set()).add(_contact_key(r))
        added, known, problems = [], 0, []
        for row in rows:
            organisation, why = _organisation_of(row, by_pic, by_name)
            if organisation is None:
                problems.append({"line": row["line"], "why": why})
                continue
            for person, email in _pairs(row["person"], row["email"]):
                try:
                    values = checked_contact(person, email, row["note"])
                except InvalidContact as problem:
                    problems.append({"line": row["line"], "why": str(problem)})
                    continue
                if not any(values.values()):
                    continue
                key = _contact_key(values)
                if key in kept.setdefault(organisation["id"], set()):
                    known += 1
                    continue
                cur.execute("INSERT INTO organisation_contacts (organisation_id, person, email, note, updated_by)"
                            " VALUES (%s, %s, %s, %s, %s)",
                            (organisation["id"], values["person"], values["email"], values["note"], user_id))
                kept[organisation["id"]].add(key)
                added.append({**values, "organisation_id": organisation["id"], "organisation": organisation["name"]})
    return {"added": added, "known": known, "problems": problems}


def _organisation_of(row: dict, by_pic: dict, by_name: dict) -> tuple[dict | None, str]:
    """The organisation a row names, or None and why not, in a sentence."""
    pic = valid_pic(row["pic"])
    if pic and pic in by_pic:
        return by_pic[pic], ""
    named = by_name.get(_name_key(row["organisation"]), []) if row["organisation"] else []
    country = country_code(row["country"]) if row["country"] else None
    if country and len(named) > 1:
        named = [o for o in named if country_code(o["country"]) == country]
    if len(named) == 1:
        return named[0], ""
    said = " or ".join(part for part in (f"the PIC {pic or row['pic']}" if row["pic"] else "",
                                         f"the name “{row['organisation']}”" if row["organisation"] else "") if part)
    if not named:
        return None, (f"No organisation in the partner data has {said}: check its name or PIC on the Partners"
                      " page." if said else "The row names no organisation.")
    where = ", ".join(sorted({o["country"] or "?" for o in named}))
    return None, (f"{len(named)} organisations are named “{row['organisation']}” ({where}): give its PIC, or its"
                  " country in a “country” column.")


def _pairs(persons: str, emails: str) -> list[tuple[str, str]]:
    """Each person with their address: one of each, or as many as the partner list (CSV) joins with "; "."""
    people, addresses = persons.split(";"), emails.split(";")
    if len(people) != len(addresses):  # not a joined list: one contact, as written
        return [(persons, emails)]
    return [(person.strip(), email.strip()) for person, email in zip(people, addresses, strict=True)]


def _name_key(name: str) -> str:
    """A name as rows and records are compared: CORDIS writes "LATVIJAS BIOZINATNU UN TEHNOLOGIJU
    UNIVERSITATE" for what a spreadsheet calls "Latvijas Biozinātņu un tehnoloģiju universitāte", and quotes
    and punctuation vary ('Biedrība "Laba"'), so case, accents, punctuation and spacing are left aside."""
    folded = unicodedata.normalize("NFKD", without_accents(name).casefold())  # the table has ø, ł; NFKD the rest
    bare = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+|_", " ", bare).split())


def _lock_contacts(cur) -> None:
    """Taken before reading whom the team knows to add to it, until the transaction ends: two imports of the
    same sheet at once (or a contact typed meanwhile) would each find it missing and add it twice. Reading
    the contacts is not held up."""
    cur.execute("LOCK TABLE organisation_contacts IN SHARE ROW EXCLUSIVE MODE")


def _who(contact: dict) -> str:
    """A contact as a sentence names it: the address, or with none the person or note."""
    return contact["email"] or contact["person"] or f"“{contact['note']}”"


def _contact_key(contact: dict) -> tuple[str, str]:
    """What tells one contact at an organisation from another: the address, or with none the person and note."""
    if contact["email"]:
        return ("email", contact["email"].casefold())
    return ("person", f"{contact['person'].casefold()}|{contact['note'].casefold()}")
