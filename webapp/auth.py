"""Login, logout, and the rule that every page but login needs a signed-in, active user."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from urllib.parse import urlparse

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for

from store import users

from . import db

bp = Blueprint("auth", __name__)
PUBLIC = {"auth.login", "static", "calls.calendar_feed"}  # the feed's address is its own key


def _failures() -> dict[str, deque]:
    """Failed logins per client address, kept by this app in this process (one web process on a small team's server)."""
    return current_app.extensions.setdefault("callmatch.login_failures", defaultdict(deque))


def init_app(app) -> None:
    @app.before_request
    def require_login():
        g.user = None
        user_id = session.get("user_id")
        if user_id:
            g.user = users.get_user(db(), user_id)
            # A deactivated user, or a session opened before the password last changed, is signed out.
            if g.user is not None and not users.stamp_is_current(g.user, session.get("stamp")):
                session.clear()
                g.user = None
        if g.user is None and request.endpoint not in PUBLIC:
            return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))
        return None


def _too_many(address: str) -> bool:
    window = current_app.config["LOGIN_WINDOW_SECONDS"]
    attempts = _failures()[address]
    while attempts and attempts[0] < time.monotonic() - window:
        attempts.popleft()
    return len(attempts) >= current_app.config["LOGIN_ATTEMPTS"]


def safe_next(target: str | None) -> str:
    """A path on this site to go back to, else the calls page. Browsers read a backslash as a slash and
    drop tabs and line breaks, so "/\\evil.example" or "/(tab)/evil.example" would leave the site."""
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and all(ch.isprintable() and not ch.isspace() for ch in target) and urlparse(target).netloc == ""):
        return target
    return url_for("calls.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    status = 200
    if request.method == "POST":
        address = request.remote_addr or "unknown"
        if _too_many(address):
            error, status = "Too many failed attempts. Wait a few minutes and try again.", 429
        else:
            try:
                user = users.authenticate(db(), request.form.get("email", ""), request.form.get("password", ""))
            except users.Deactivated as exc:
                return render_template("login.html", error=str(exc), title="Sign in"), 403
            if user is None:
                _failures()[address].append(time.monotonic())
                error, status = "Wrong email or password.", 401
            else:
                session.clear()
                session.permanent = True
                session["user_id"] = user["id"]
                session["stamp"] = users.session_stamp(user)
                return redirect(safe_next(request.args.get("next")))
    return render_template("login.html", error=error, title="Sign in"), status


@bp.post("/logout")
def logout():
    session.clear()
    flash("Signed out.")
    return redirect(url_for("auth.login"))
