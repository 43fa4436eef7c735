"""Texts for applications: what the team writes into every application (the organisation's description, its
experience in the field, key staff, the projects that show it can do the work), kept once per profile.

SIC's administration rests on one person, and every application asks for the same paragraphs: copied from
last year's proposal, they drift apart and the best version is lost. Here each has one current version,
counted as the portal's forms count (characters with spaces), and an edit keeps what it said before.
"""

from __future__ import annotations

from .db import Database
from .errors import CallmatchError, NotFound
from .text import counted

MAX_TITLE = 200
MAX_TEXT = 20_000  # a few pages: the longest part of a partner description, with room to spare


class InvalidText(CallmatchError):
    pass


class ChangedSince(CallmatchError):
    """A colleague saved the text after the form was opened: `current` is theirs, to read before saving again."""

    def __init__(self, current: dict):
        super().__init__(f"{current['written_by'] or 'A colleague'} changed “{current['title']}” after you opened"
                         " it. Theirs is shown above; yours is kept in the form, to save again if it should replace"
                         " theirs.")
        self.current = current


def version(text: dict | None) -> str:
    """What a form opened on the text saw: a later save by anyone changes it."""
    return text["written_at"].isoformat() if text else ""


def size(body: str) -> str:
    """"1,234 characters, 180 words": as the portal's forms count a field (characters with spaces)."""
    return f"{counted(len(body), 'character')}, {counted(len(body.split()), 'word')}"


def _checked(title: str | None, body: str | None) -> tuple[str, str]:
    """The title on one line and the text with the browser's line breaks as one character each (as it counted
    them against the field's maxlength); InvalidText naming every problem at once."""
    title = " ".join((title or "").split())
    body = (body or "").replace("\r\n", "\n").strip()
    problems = []
    if not title:
        problems.append("Give the text a title, such as “About us (short)”.")
    elif len(title) > MAX_TITLE:
        problems.append(f"A title can be at most {MAX_TITLE} characters; this one has {len(title):,}.")
    if not body:
        problems.append("Write the text itself.")
    elif len(body) > MAX_TEXT:
        problems.append(f"A text can be at most {MAX_TEXT:,} characters; this one has {len(body):,}.")
    if problems:
        raise InvalidText(" ".join(problems))
    return title, body


_WITH_WRITER = """SELECT t.*, u.email AS written_by_email FROM application_texts t
                  LEFT JOIN users u ON u.id = t.written_by"""


def _shaped(row: dict | None) -> dict | None:
    if row is None:
        return None
    row["written_by"] = row.pop("written_by_email")
    return row


def texts_of(db: Database, profile_id: int) -> list[dict]:
    """The profile's texts by title, each with who wrote its current version (`written_by`, an address) and
    when (`written_at`)."""
    return [_shaped(row) for row in db.fetchall(f"{_WITH_WRITER} WHERE t.profile_id = %s ORDER BY lower(t.title)",
                                                (profile_id,))]


def get_text(db: Database, text_id: int) -> dict:
    text = _shaped(db.fetchone(f"{_WITH_WRITER} WHERE t.id = %s", (text_id,)))
    if text is None:
        raise NotFound(f"No text {text_id}: it was removed.")
    return text


def as_document(profile_name: str, texts: list[dict]) -> str:
    """The texts as one plain-text document, each under its title (underlined, as Markdown reads it too): to
    attach to a partner's email, or to keep beside a proposal's template."""
    parts = [f"Texts for applications: {profile_name}", ""]
    for text in texts:
        parts += ["", text["title"], "=" * len(text["title"]), "", text["body"], ""]
    return "\n".join(parts).rstrip("\n") + "\n"


def _title_taken(cur, profile_id: int, title: str, other_than: int | None = None) -> None:
    if cur.execute("SELECT 1 FROM application_texts WHERE profile_id = %s AND lower(title) = lower(%s)"
                   " AND id IS DISTINCT FROM %s", (profile_id, title, other_than)).fetchone():
        raise InvalidText(f"There is a text called “{title}” already: change that one, or choose another title.")


def add_text(db: Database, profile_id: int, title: str | None, body: str | None, user: dict) -> dict:
    title, body = _checked(title, body)
    with db.transaction() as cur:
        cur.execute("SELECT id FROM profiles WHERE id = %s FOR UPDATE", (profile_id,))  # one title at a time
        _title_taken(cur, profile_id, title)
        return cur.execute("INSERT INTO application_texts (profile_id, title, body, written_by) VALUES (%s, %s, %s, %s)"
                           " RETURNING *", (profile_id, title, body, user["id"])).fetchone()


def change_text(db: Database, text_id: int, title: str | None, body: str | None, user: dict,
                seen: str | None = None) -> dict:
    """Save a new version; the one it replaces is kept (`versions_of`). `seen` is the `version` the form was
    opened on: when a colleague saved it since, nothing is saved and ChangedSince says so. Unchanged, it is no
    new version."""
    title, body = _checked(title, body)
    with db.transaction() as cur:
        old = cur.execute("SELECT * FROM application_texts WHERE id = %s FOR UPDATE", (text_id,)).fetchone()
        if old is None:
            raise NotFound(f"No text {text_id}: it was removed.")
        if (old["title"], old["body"]) == (title, body):
            return old
        if seen is not None and version(old) != seen:
            raise ChangedSince(get_text(db, text_id))
        _title_taken(cur, old["profile_id"], title, text_id)
        cur.execute("INSERT INTO application_text_versions (text_id, title, body, written_by, written_at)"
                    " VALUES (%s, %s, %s, %s, %s)", (text_id, old["title"], old["body"], old["written_by"],
                                                     old["written_at"]))
        return cur.execute("UPDATE application_texts SET title = %s, body = %s, written_by = %s,"
                           " written_at = clock_timestamp() WHERE id = %s RETURNING *",
                           (title, body, user["id"], text_id)).fetchone()


def versions_of(db: Database, text_ids: list[int]) -> dict[int, list[dict]]:
    """What each text said before its edits, the latest first: title, text, who wrote it (`written_by`, an
    address), when it was written and replaced."""
    versions: dict[int, list[dict]] = {}
    for row in db.fetchall(
            """SELECT v.id, v.text_id, v.title, v.body, u.email AS written_by, v.written_at, v.replaced_at
               FROM application_text_versions v LEFT JOIN users u ON u.id = v.written_by
               WHERE v.text_id = ANY(%s) ORDER BY v.written_at DESC, v.id DESC""", (text_ids,)):
        versions.setdefault(row.pop("text_id"), []).append(row)
    return versions


def earlier_version(db: Database, version_id: int) -> dict:
    """An earlier version (`text_id`: the text it is of); NotFound once its text, and with it the version, was
    removed."""
    row = db.fetchone("SELECT * FROM application_text_versions WHERE id = %s", (version_id,))
    if row is None:
        raise NotFound(f"No earlier version {version_id}: its text was removed.")
    return row


def restore_version(db: Database, version_id: int, user: dict) -> dict:
    """Make an earlier version the current one again (by `user`, now); the current one is kept in turn."""
    row = earlier_version(db, version_id)
    return change_text(db, row["text_id"], row["title"], row["body"], user)


def remove_text(db: Database, text_id: int) -> dict:
    """Remove a text with its earlier versions; returns what it was (its title, its profile)."""
    row = db.fetchone("DELETE FROM application_texts WHERE id = %s RETURNING id, profile_id, title", (text_id,))
    if row is None:
        raise NotFound(f"No text {text_id}: it was removed already.")
    return row
