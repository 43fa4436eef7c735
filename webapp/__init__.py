"""The web app: review ranked calls, decide bid/no-bid, build the consortium."""

from __future__ import annotations

import logging

from flask import Flask, abort, g, make_response, render_template, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

from store.calls import get_call, nearest_identifier
from store.config import Settings
from store.db import Database
from store.errors import CallmatchError, DatabaseUnavailable, NotFound

# The last page number any list accepts: far beyond a real list, and within the database's OFFSET range.
MAX_PAGE = 100_000
# Refusals a reader meets most, in plain words; any other is titled by its HTTP name.
PLAIN_TITLES = {403: "Not allowed", 404: "Not found"}

csrf = CSRFProtect()
log = logging.getLogger(__name__)


def number_in_range(raw: str, label: str, cast, low, high) -> tuple[int | float | None, str | None]:
    """(value, None) for a number typed into a filter or an address, or (None, why it was ignored): the
    bounds keep it within what the database takes and what a list can show."""
    if not raw:
        return None, None
    try:
        value = cast(raw)
        if not low <= value <= high:  # NaN fails this too
            raise ValueError
        return value, None
    except ValueError:
        top = f"{high:,}".replace(",", " ")
        return None, f"{label} must be a number from {low} to {top}; '{raw}' was ignored."


def unknown_sector_or_country(sector: str | None, country: str | None) -> list[str]:
    """A sentence for the sector or country the address names (`sector`, `country`: as `typed_sector` and
    `typed_country` read them) that a list of organisations cannot be narrowed to, so that a list of every
    country (or sector) is not taken for the one asked for: a link typed by hand, or kept from before."""
    from store.partners import SECTOR_LABELS

    said = []
    if (typed := (request.args.get("country") or "").strip()) and not country:
        said.append(f"“{typed[:40]}” is no country the list knows (a name in English, or its code): every country is"
                    " shown.")
    if (typed := (request.args.get("sector") or "").strip()) and not sector:
        said.append(f"“{typed[:40]}” is no sector the list knows ({', '.join(SECTOR_LABELS.values())}): every sector"
                    " is shown.")
    return said


def create_app(settings: Settings | None = None, test_config: dict | None = None,
               database: Database | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    secure = settings.base_url.startswith("https://")
    app.config.from_mapping(
        SECRET_KEY=settings.session_secret(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        PERMANENT_SESSION_LIFETIME=60 * 60 * 12,
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=1024 * 1024,
        LOGIN_ATTEMPTS=10,
        LOGIN_WINDOW_SECONDS=300,
        QUEUE_CHECK_SECONDS=30,  # how stale the "background work unavailable" notice may be
    )
    if test_config:
        app.config.update(test_config)
    app.extensions["callmatch.settings"] = settings
    if database is None:
        from store.services import database_url

        database = Database(database_url(settings), zone=settings.timezone).open()
        from store import migrate

        migrate.upgrade(database)
    app.extensions["callmatch.db"] = database
    csrf.init_app(app)

    from . import (account, auth, calendar, calls, charts, consortium, discussion, own_calls, partners, pipeline,
                   profile, programmes, sources, steps, texts, users, watches, words)

    for module in (account, auth, calendar, calls, consortium, discussion, own_calls, partners, pipeline, profile,
                   programmes, sources, steps, texts, users, watches):
        app.register_blueprint(module.bp)
    charts.init_app(app)
    words.init_app(app)
    auth.init_app(app)
    account.init_app(app)

    @app.before_request
    def refuse_nul_characters():
        """PostgreSQL text cannot hold a NUL character: refuse one here, in words, not as a database error."""
        values = [request.path, *(v for _, v in request.args.items(multi=True))]
        if request.method == "POST":
            values += [v for _, v in request.form.items(multi=True)]
        if any("\x00" in value for value in values):
            return render_template("error.html", title="Not a valid request",
                                   message="The address or the form holds a NUL character (%00), which cannot be"
                                           " stored or searched for. Remove it and try again."), 400

    @app.after_request
    def security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        message = "The form was too old or came from elsewhere. Go back, reload and try again."
        return render_template("error.html", title="Form expired", message=message), 400

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error):
        message = (f"What was sent is larger than {app.config['MAX_CONTENT_LENGTH'] // 1024:,} KB, the most this"
                   " site takes. Go back and shorten it.")
        return render_template("error.html", title="Too large", message=message), 413

    @app.errorhandler(InternalServerError)
    def server_error(error):
        # Flask has logged the exception already, with its traceback.
        message = ("Something on our side stopped this page; it has been logged. Try again in a moment, and if it"
                   " happens again, tell whoever runs callmatch.")
        try:
            return render_template("error.html", title="Something went wrong", message=message), 500
        except Exception:  # the page's header needs the database, which may be what failed
            return message, 500, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(HTTPException)
    def other_http_error(error):
        """Any other refusal (a form without a choice, a page asked for the wrong way) as a page of the site,
        not the server's bare one."""
        if error.code is None or error.code < 400 or error.code >= 500:
            return error
        title = PLAIN_TITLES.get(error.code, error.name)
        return render_template("error.html", title=title, message=error.description), error.code

    @app.errorhandler(DatabaseUnavailable)
    def database_unavailable(error):
        # Not the user's doing, and passing: 503 says so to browsers and monitors alike. The page is shown
        # as to a visitor, since the signed-in header (profile, approvals waiting) reads the database too.
        g.user = None
        page = render_template("error.html", title="Database unavailable", message=str(error))
        return page, 503, {"Retry-After": "30"}

    @app.errorhandler(CallmatchError)
    def user_error(error):
        if isinstance(error, NotFound):  # a decision, a run, a profile asked for by an id that is not there
            return render_template("error.html", title=PLAIN_TITLES[404], message=str(error)), 404
        return render_template("error.html", title="Something needs attention", message=str(error)), 400

    return app


def db() -> Database:
    from flask import current_app

    return current_app.extensions["callmatch.db"]


def settings() -> Settings:
    from flask import current_app

    return current_app.extensions["callmatch.settings"]


def page_url(endpoint: str, **values) -> str:
    """A page here as a whole address (CALLMATCH_BASE_URL), for what is read outside the app: a calendar, a
    spreadsheet."""
    return settings().base_url + url_for(endpoint, **values)


def call_or_404(identifier: str) -> dict:
    """The stored call, as the working profile sees it; the page is not found without one, and links to the
    call whose identifier is most like the one asked for (typed by hand, or in another case)."""
    call = get_call(db(), identifier, current_profile_id())
    if call is None:
        near = nearest_identifier(db(), identifier)
        abort(make_response(render_template(
            "error.html", title=PLAIN_TITLES[404], message=f"No call {identifier!r} is stored.",
            instead={"link": url_for("calls.detail", identifier=near), "words": f"Did you mean {near}?"}
            if near else None), 404))
    return call


def current_profile_id() -> int:
    """The profile this user works on (chosen on the profile page); SIC's when none was chosen."""
    if "profile_id" not in g:
        from store.profiles import ensure_default_profile

        chosen = (g.get("user") or {}).get("profile_id")
        g.profile_id = chosen or ensure_default_profile(db())
    return g.profile_id


def waiting_bids() -> list[dict]:
    """The bids on this user's profile that wait for leadership's approval, read once a request (the
    header's count and the pipeline page both show them)."""
    if "waiting_bids" not in g:
        from store.decisions import waiting_for_approval

        g.waiting_bids = waiting_for_approval(db(), current_profile_id(), settings().as_of())
    return g.waiting_bids
