"""The user's own settings: digest frequency, how many of the top calls, unsubscribe, a preview of the next
digest; and their password."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from store import activity, digests, discussion, profiles, users, watches
from store.checklist import DUE_WITHIN_DAYS
from store.errors import CallmatchError

from . import current_profile_id, db, settings, waiting_bids
from .background import background_unavailable

bp = Blueprint("account", __name__)


def init_app(app) -> None:
    app.jinja_env.globals.update(is_leadership=users.is_leadership, is_admin=users.is_admin)

    @app.context_processor
    def queue_status():
        return {"background_unavailable": background_unavailable() if g.get("user") else None}

    @app.context_processor
    def approvals_waiting():
        """Leadership sees in the header how many bids wait for its approval (listed on the pipeline page)."""
        if not g.get("user") or not users.is_leadership(g.user):
            return {}
        return {"approvals_waiting": len(waiting_bids())}

    @app.context_processor
    def lately_news():
        """Everyone sees in the header how much colleagues did since they last looked at the Pipeline's "Lately"
        (which notes the look, so the Pipeline itself need not count)."""
        if not g.get("user") or request.endpoint == "pipeline.index":
            return {}
        news = activity.news(db(), current_profile_id(), g.user)
        return {"lately_news": f"{activity.MOST_NEWS}+" if news > activity.MOST_NEWS else news}

    @app.context_processor
    def working_profile():
        """The profile's name in the header, once there is more than one to tell apart."""
        if not g.get("user"):
            return {}
        names = profiles.profile_names(db())
        if len(names) < 2:
            return {"working_profile": None}
        return {"working_profile": next((p["name"] for p in names if p["id"] == current_profile_id()), None)}


@bp.route("/settings", methods=["GET", "POST"])
def edit():
    if request.method == "POST":
        try:
            top = int(request.form.get("digest_top", "50"))
            days = int(request.form.get("digest_days_ahead", "30"))
        except ValueError:
            flash("The digest's top calls and the days ahead must be whole numbers.")
            return redirect(url_for("account.edit"))
        # Unsubscribing is from every email: the digest and the one a mention sends at once.
        unsubscribe = bool(request.form.get("unsubscribe"))
        frequency = "never" if unsubscribe else request.form.get("digest_frequency", "weekly")
        emails_at_once = not unsubscribe and bool(request.form.get("emails_at_once"))
        try:
            users.update_digest_settings(db(), g.user["id"], frequency, top, days, emails_at_once)
        except CallmatchError as exc:
            flash(str(exc))
            return redirect(url_for("account.edit"))
        flash("Unsubscribed: no digest, and no email when a colleague mentions you." if unsubscribe
              else "Email settings saved.")
        return redirect(url_for("account.edit"))
    start = digests.period_start(db(), g.user)
    return render_template("settings.html", title="Settings", step_days=DUE_WITHIN_DAYS, since=start,
                           discussions=discussion.choices(db(), g.user["id"]), working_profile_id=current_profile_id(),
                           watched=watches.watches(db(), g.user["id"]),
                           next_run=digests.next_run(g.user, start, digests.utcnow(), settings().digest_hour,
                                                     settings().zone))


@bp.post("/settings/password")
def change_password():
    new = request.form.get("new_password", "")
    try:
        if new != request.form.get("repeat_password", ""):
            raise users.InvalidUser("The new password and its repetition differ.")
        users.change_password(db(), g.user, request.form.get("current_password", ""), new)
    except CallmatchError as exc:
        flash(f"Password not changed: {exc}")
        return redirect(url_for("account.edit"))
    # This session stays signed in; any other session of this user is signed out on its next page.
    session["stamp"] = users.session_stamp(users.get_user(db(), g.user["id"]))
    flash("Password changed. Other sessions signed in with the old one are signed out.")
    return redirect(url_for("account.edit"))


def _next_digest() -> tuple[datetime, dict, tuple[str, str, str]]:
    """What the user's next digest would hold now: (the period's start, its content, (subject, text, html)),
    rendered by the worker's own code, so that the preview is the email."""
    from worker.digest import render

    since = digests.period_start(db(), g.user)  # as the worker would: from the end of the last one sent
    content = digests.content(db(), g.user, since, settings().as_of(), watched=settings().crawl_spiders,
                              zone=settings().timezone)
    return since, content, render(g.user, content, settings(), link_target="_blank")


@bp.route("/settings/digest-preview")
def preview():
    since, content, (subject, text, _) = _next_digest()
    return render_template("digest_preview.html", title="Digest preview", since=since,
                           news=digests.has_news(content), subject=subject, text=text)


@bp.route("/settings/digest-preview/email")
def preview_email():
    """The preview's email, for its frame: a document of its own, whose inline styles (as email needs them)
    are allowed and nothing else is, and which only this site may frame."""
    html = _next_digest()[2][2]
    return html, {"Content-Type": "text/html; charset=utf-8", "X-Frame-Options": "SAMEORIGIN",
                  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self';"
                                             " form-action 'none'"}
