"""Login, logout, and the rule that every page but login needs a signed-in, active user."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from urllib.parse import urlparse

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for

from store import users

from . import db
from .background import background_unavailable, queue

bp = Blueprint("auth", __name__)
# The feed's address is its own key; a forgotten password is asked for, and chosen anew, signed out.
PUBLIC = {"auth.login", "auth.forgot", "auth.reset", "static", "calendar.feed"}


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


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot():
    """Ask for an emailed link to choose a new password. The answer is the same whether the address has an
    account or not, so the page tells no one who has one; each request counts against the login limit, so no
    one's inbox is flooded from here."""
    if request.method == "GET":
        return render_template("password.html", title="Forgot your password?", stage="ask")
    address = request.remote_addr or "unknown"
    if _too_many(address):
        return render_template("password.html", title="Forgot your password?", stage="ask",
                               error="Too many attempts. Wait a few minutes and try again."), 429
    _failures()[address].append(time.monotonic())
    email = (request.form.get("email") or "").strip()
    user = users.find_user(db(), email) if email else None
    problem = background_unavailable() or (
        queue("worker.jobs.send_password_reset", user["id"]) if user is not None and user["active"] else None)
    if problem:
        return render_template("password.html", title="Forgot your password?", stage="ask",
                               error=f"No email can be sent now ({problem.rstrip('.')}). Try again later, or ask"
                                     " an admin to set a new password for you."), 503
    return render_template("password.html", title="Check your email", stage="sent", email=email,
                           hours=users.RESET_FOR // 3600)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset(token):
    """Choose a new password from the emailed link (a forgotten password's or a welcome's): once, in time."""
    user = users.user_for_reset(db(), token, current_app.secret_key)
    private = {"Cache-Control": "no-store"}  # the address is a key: no browser or proxy keeps the page
    if user is None:
        return render_template("password.html", title="Link expired", stage="expired", hours=users.RESET_FOR // 3600,
                               days=users.WELCOME_FOR // 86400), 410, private
    error = None
    if request.method == "POST":
        new = request.form.get("new_password", "")
        if new != request.form.get("repeat_password", ""):
            error = "The two new passwords differ."
        else:
            try:
                users.set_password(db(), user["id"], new)
            except users.InvalidUser as problem:
                error = str(problem)
            else:
                session.clear()  # whoever was signed in on this browser signs in again, with the new password
                flash("Your new password is set: sign in with it.")
                return redirect(url_for("auth.login"))
    return render_template("password.html", title="Choose a new password", stage="choose", email=user["email"],
                           error=error), 400 if error else 200, private
