"""Users and roles. Passwords are stored as salted hashes (werkzeug's scrypt)."""

from __future__ import annotations

import re

from werkzeug.security import check_password_hash, generate_password_hash

from .db import Database
from .errors import CallmatchError, Conflict

ROLES = ("manager", "leadership", "admin")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InvalidUser(CallmatchError):
    pass


def is_leadership(user: dict) -> bool:
    """Leadership approves bids, sees bids waiting for approval and may delete any profile; admins too."""
    return user["role"] in ("leadership", "admin")


def create_user(db: Database, email: str, password: str, role: str) -> int:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise InvalidUser(f"{email!r} is not an email address.")
    if role not in ROLES:
        raise InvalidUser(f"Role must be one of {', '.join(ROLES)}.")
    if len(password) < 8:
        raise InvalidUser("The password must have at least 8 characters.")
    try:
        return db.scalar(
            "INSERT INTO users (email, password_hash, role) VALUES (%s, %s, %s) RETURNING id",
            (email, generate_password_hash(password), role))
    except Conflict:
        raise InvalidUser(f"A user {email} already exists.") from None


def authenticate(db: Database, email: str, password: str) -> dict | None:
    user = db.fetchone("SELECT * FROM users WHERE email = %s", ((email or "").strip().lower(),))
    if user is None or not check_password_hash(user["password_hash"], password or ""):
        return None
    db.execute("UPDATE users SET last_login_at = now() WHERE id = %s", (user["id"],))
    return user


def get_user(db: Database, user_id: int) -> dict | None:
    return db.fetchone("SELECT * FROM users WHERE id = %s", (user_id,))


def update_digest_settings(db: Database, user_id: int, frequency: str, top: int, days_ahead: int) -> None:
    """`top`: a new call goes into the digest when it ranks this high for the profile (among the calls
    that pass the screening gates)."""
    if frequency not in ("daily", "weekly", "never"):
        raise InvalidUser("Digest frequency must be daily, weekly or never.")
    if not (1 <= top <= 1000 and 1 <= days_ahead <= 365):
        raise InvalidUser("The digest's top calls must be 1 to 1000, and days ahead 1 to 365.")
    db.execute("UPDATE users SET digest_frequency = %s, digest_top = %s, digest_days_ahead = %s WHERE id = %s",
               (frequency, top, days_ahead, user_id))


def set_working_profile(db: Database, user_id: int, profile_id: int) -> None:
    db.execute("UPDATE users SET profile_id = %s WHERE id = %s", (profile_id, user_id))
