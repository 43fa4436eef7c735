"""Users, for admins: add someone, change a role, set a new password, deactivate someone who left, delete
one added by mistake."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for

from store import decisions, users
from store.errors import CallmatchError
from store.text import counted

from . import db, settings
from .background import queue

bp = Blueprint("users", __name__)


@bp.before_request
def admins_only():
    if not users.is_admin(g.user):
        abort(403, "Only an admin can manage users.")


@bp.errorhandler(CallmatchError)
def refused(error):
    """A change the rules refuse (a taken email, a short password, the last admin): say why, on the page."""
    flash(f"Nothing changed: {error}")
    return redirect(url_for("users.index"))


@bp.get("/users")
def index():
    return render_template("users.html", title="Users", people=users.list_users(db()), roles=users.ROLES,
                           writing=decisions.applications_written(db(), settings().as_of()))


@bp.post("/users")
def add():
    """Add a colleague, with a first password to hand over, or, left empty, a welcome email with a link to
    choose their own (their password meanwhile is a random one nobody knows)."""
    email, role = users.normal_email(request.form.get("email", "")), request.form.get("role", "manager")
    password = request.form.get("password", "")
    user_id = users.create_user(db(), email, password or secrets.token_urlsafe(24), role)
    if password:
        flash(f"Added {email} as {role}. Give them the password; they can change it in their settings.")
    elif problem := queue("worker.jobs.send_password_reset", user_id, g.user["email"]):
        flash(f"Added {email} as {role}, but no welcome email can be sent now ({problem.rstrip('.')}): set a"
              " password for them below and give it to them, or they ask for a link on the sign-in page later.")
    else:
        flash(f"Added {email} as {role}. They are emailed a link to choose their password, which works for"
              f" {users.WELCOME_FOR // 86400} days.")
    return redirect(url_for("users.index"))


@bp.post("/users/<int:user_id>/access")
def access(user_id: int):
    """One form per user: the role, and the active box (unticked: the user can no longer sign in)."""
    if user_id == g.user["id"] and not request.form.get("active"):
        raise users.InvalidUser("you cannot deactivate yourself.")
    user = users.update_access(db(), user_id, request.form.get("role"), bool(request.form.get("active")))
    flash(f"{user['email']}: {user['role']}, {'active' if user['active'] else 'deactivated (cannot sign in)'}.")
    handed_over = 0 if user["active"] else decisions.applications_written(db(), settings().as_of()).get(user_id, 0)
    if handed_over:  # a deadline nobody is writing for is found too late
        flash(f"They write {counted(handed_over, 'application')} with a deadline ahead: the Pipeline's Who writes"
              " what lists them, to choose who writes them now.")
    if user_id == g.user["id"] and not users.is_admin(user):  # stepped down: this page is no longer theirs
        return redirect(url_for("calls.index"))
    return redirect(url_for("users.index"))


@bp.post("/users/<int:user_id>/password")
def password(user_id: int):
    users.set_password(db(), user_id, request.form.get("password", ""))
    user = users.get_user(db(), user_id)
    if user_id == g.user["id"]:  # one's own: this session stays signed in
        session["stamp"] = users.session_stamp(user)
    flash(f"New password set for {user['email']}; their other open sessions are signed out.")
    return redirect(url_for("users.index"))


@bp.post("/users/<int:user_id>/welcome")
def welcome(user_id: int):
    """Email a colleague who has never signed in the welcome again, with a new link to choose their password
    (the first may have expired, or gone to spam)."""
    user = users.get_user(db(), user_id)
    if user is None:
        abort(404)
    if not user["active"]:
        raise users.InvalidUser(f"{user['email']} is deactivated: reactivate them first.")
    problem = queue("worker.jobs.send_password_reset", user_id, g.user["email"])
    flash(f"No email can be sent now ({problem.rstrip('.')}): set a password for {user['email']} below instead."
          if problem else f"{user['email']} is emailed a new link to choose their password.")
    return redirect(url_for("users.index"))


@bp.post("/users/<int:user_id>/delete")
def delete(user_id: int):
    if user_id == g.user["id"]:
        raise users.InvalidUser("you cannot delete yourself.")
    if not request.form.get("confirm"):
        raise users.InvalidUser("tick “sure” beside Delete to confirm.")
    flash(f"Deleted {users.delete_user(db(), user_id)}.")
    return redirect(url_for("users.index"))
