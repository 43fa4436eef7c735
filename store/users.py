"""Users and roles. Passwords are stored as salted hashes (werkzeug's scrypt).

A manager reviews calls and records decisions; leadership also approves bids; an admin also manages
the users. A user who leaves is deactivated, not deleted, so their decisions keep their author; there
is always at least one active admin.
"""

from __future__ import annotations

import hashlib
import re

from werkzeug.security import check_password_hash, generate_password_hash

from .db import Database
from .errors import CallmatchError, Conflict, NotFound

ROLES = ("manager", "leadership", "admin")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL = 254  # RFC 5321's longest deliverable address


def normal_email(email: str) -> str:
    """An address as stored and signed in with: trimmed, in lower case."""
    return (email or "").strip().lower()


class InvalidUser(CallmatchError):
    pass


class Deactivated(CallmatchError):
    """The password is right, but an admin deactivated the account."""


def is_leadership(user: dict) -> bool:
    """Leadership approves bids, sees bids waiting for approval and may delete any profile; admins too."""
    return user["role"] in ("leadership", "admin")


def is_admin(user: dict) -> bool:
    return user["role"] == "admin"


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidUser(f"Role must be one of {', '.join(ROLES)}.")


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise InvalidUser("The password must have at least 8 characters.")


def create_user(db: Database, email: str, password: str, role: str) -> int:
    email = normal_email(email)
    if not _EMAIL.match(email) or len(email) > MAX_EMAIL:
        raise InvalidUser(f"{email!r} is not an email address.")
    _check_role(role)
    _check_password(password)
    try:
        return db.scalar(
            "INSERT INTO users (email, password_hash, role) VALUES (%s, %s, %s) RETURNING id",
            (email, generate_password_hash(password), role))
    except Conflict:
        raise InvalidUser(f"A user {email} already exists.") from None


def password_matches(user: dict, password: str) -> bool:
    return check_password_hash(user["password_hash"], password or "")


def find_user(db: Database, email: str) -> dict | None:
    return db.fetchone("SELECT * FROM users WHERE email = %s", (normal_email(email),))


def authenticate(db: Database, email: str, password: str) -> dict | None:
    """The user, when the password is right (None otherwise); Deactivated when the account is not active."""
    user = find_user(db, email)
    if user is None or not password_matches(user, password):
        return None
    if not user["active"]:
        raise Deactivated("This account is deactivated: ask an admin to reactivate it.")
    db.execute("UPDATE users SET last_login_at = now() WHERE id = %s", (user["id"],))
    return user


def get_user(db: Database, user_id: int) -> dict | None:
    return db.fetchone("SELECT * FROM users WHERE id = %s", (user_id,))


# What a user leaves on record: a user with any of it is deactivated, never deleted.
_ON_RECORD = """(EXISTS (SELECT 1 FROM decisions d WHERE u.id IN (d.decided_by, d.approved_by))
                 OR EXISTS (SELECT 1 FROM decision_events e WHERE e.user_id = u.id)
                 OR EXISTS (SELECT 1 FROM consortium_members m WHERE u.id IN (m.added_by, m.status_by))
                 OR EXISTS (SELECT 1 FROM consortium_events c WHERE c.user_id = u.id)
                 OR EXISTS (SELECT 1 FROM organisation_contacts k WHERE k.updated_by = u.id)
                 OR EXISTS (SELECT 1 FROM call_comments t WHERE t.user_id = u.id))"""


def list_users(db: Database) -> list[dict]:
    return db.fetchall(f"SELECT u.id, u.email, u.role, u.active, u.created_at, u.last_login_at,"
                       f" {_ON_RECORD} AS on_record FROM users u ORDER BY NOT u.active, u.email")


def delete_user(db: Database, user_id: int) -> str:
    """Remove a user added by mistake; one with decisions, consortium changes, contacts or comments on record is
    refused (deactivate them instead, so the record keeps its author). Returns the email."""
    user = db.fetchone(f"SELECT u.email, {_ON_RECORD} AS on_record FROM users u WHERE u.id = %s", (user_id,))
    if user is None:
        raise NotFound(f"There is no user {user_id}.")
    refused = InvalidUser(f"{user['email']} has decisions, consortium changes, contacts or comments on record:"
                          " deactivate them instead.")
    if user["on_record"]:
        raise refused
    try:
        db.execute("DELETE FROM users WHERE id = %s", (user_id,))
    except Conflict:  # something recorded since the check: the foreign keys keep its author
        raise refused from None
    return user["email"]


def session_stamp(user: dict) -> str:
    """Changes with the password, so that a new password signs out the sessions opened with the old one."""
    return hashlib.sha256(user["password_hash"].encode()).hexdigest()[:16]


def stamp_is_current(user: dict | None, stamp: str | None) -> bool:
    """Whether what was handed out with `stamp` (a session, a calendar address) still stands for `user`:
    they exist, are active, and have not changed their password since."""
    return user is not None and user["active"] and stamp == session_stamp(user)


# A forgotten password: an emailed link to choose a new one, signed with the app's secret. It names the user
# and their password's stamp, so it works once (the new password changes the stamp), and for an hour. A new
# colleague's welcome carries the same kind of link, for a week: an admin need not hand over a password.
RESET_FOR = 3600  # seconds
WELCOME_FOR = 7 * 86400
_LINK_SALTS = {"reset": ("callmatch-password-reset", RESET_FOR), "welcome": ("callmatch-welcome", WELCOME_FOR)}


def reset_token(user: dict, secret: str, kind: str = "reset") -> str:
    """The key of a link that lets `user` choose a new password (see `user_for_reset`); `kind`: "reset" for a
    forgotten password, "welcome" for a new colleague."""
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(secret, salt=_LINK_SALTS[kind][0]).dumps([user["id"], session_stamp(user)])


def user_for_reset(db: Database, token: str, secret: str, max_age: int | None = None) -> dict | None:
    """The user a password link was made for, while it stands: signed with `secret`, younger than its kind
    allows (or `max_age` seconds), the user active and their password unchanged since. None otherwise."""
    from itsdangerous import BadSignature, URLSafeTimedSerializer

    for salt, lasts in _LINK_SALTS.values():
        try:
            user_id, stamp = URLSafeTimedSerializer(secret, salt=salt).loads(
                token, max_age=lasts if max_age is None else max_age)
            user = get_user(db, int(user_id))
        except (BadSignature, TypeError, ValueError):  # an expired key is a BadSignature too
            continue
        return user if stamp_is_current(user, stamp) else None
    return None


def set_password(db: Database, user_id: int, password: str) -> None:
    _check_password(password)
    if not db.execute("UPDATE users SET password_hash = %s WHERE id = %s", (generate_password_hash(password), user_id)):
        raise NotFound(f"There is no user {user_id}.")


def change_password(db: Database, user: dict, current: str, new: str) -> None:
    """A user's own change: the current password proves it is them."""
    if not password_matches(user, current):
        raise InvalidUser("The current password is wrong.")
    set_password(db, user["id"], new)


def update_access(db: Database, user_id: int, role: str | None = None, active: bool | None = None) -> dict:
    """Change a user's role or deactivate (or reactivate) them; refused when no active admin would be left.
    Returns the user as changed."""
    if role is not None:
        _check_role(role)
    with db.transaction() as cur:
        # Lock the admins first: two admins demoting each other at once must not leave none.
        admins = {row["id"] for row in cur.execute(
            "SELECT id FROM users WHERE role = 'admin' AND active ORDER BY id FOR UPDATE").fetchall()}
        user = cur.execute("SELECT * FROM users WHERE id = %s FOR UPDATE", (user_id,)).fetchone()
        if user is None:
            raise NotFound(f"There is no user {user_id}.")
        role = user["role"] if role is None else role
        active = user["active"] if active is None else active
        if admins == {user_id} and not (role == "admin" and active):
            raise InvalidUser(f"{user['email']} is the only active admin: make someone else an admin first.")
        return cur.execute("UPDATE users SET role = %s, active = %s WHERE id = %s RETURNING *",
                           (role, active, user_id)).fetchone()


def update_digest_settings(db: Database, user_id: int, frequency: str, top: int, days_ahead: int,
                           emails_at_once: bool = True) -> None:
    """`top`: a new call goes into the digest when it ranks this high for the profile (among the calls
    that pass the screening gates). `emails_at_once`: a comment that mentions the user, a step handed to them
    and an application they are named to write are emailed at once (else the digest tells them)."""
    if frequency not in ("daily", "weekly", "never"):
        raise InvalidUser("Digest frequency must be daily, weekly or never.")
    if not (1 <= top <= 1000 and 1 <= days_ahead <= 365):
        raise InvalidUser("The digest's top calls must be 1 to 1000, and days ahead 1 to 365.")
    db.execute("""UPDATE users SET digest_frequency = %s, digest_top = %s, digest_days_ahead = %s, emails_at_once = %s
                  WHERE id = %s""", (frequency, top, days_ahead, emails_at_once, user_id))


def set_working_profile(db: Database, user_id: int, profile_id: int) -> None:
    db.execute("UPDATE users SET profile_id = %s WHERE id = %s", (profile_id, user_id))
