"""`callmatch demo`: the whole product on embedded defaults, for a first look."""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
import sys
from datetime import date

import click

from store.config import Settings

from .context import AppContext
from .main import cli

RECORDED_ON = date(2026, 6, 27)  # the day the portal pages in shared/fixtures were recorded


def _step(text: str) -> None:
    click.secho(f"==> {text}", fg="cyan")


def _callmatch(*args: str) -> None:
    result = subprocess.run([sys.executable, "-c", "from cli.main import main; main()", *args])
    if result.returncode != 0:
        raise click.ClickException(f"`callmatch {' '.join(args)}` failed; see the messages above.")


def demo_settings(settings: Settings, environ: dict, port: int = 5000) -> Settings:
    """Deadlines judged as of the recording's day, a user's view on it, and so no daily live crawl unless
    CALLMATCH_CRAWL_SPIDERS asks for one: in the web app (whose "Crawl now" would start one) as in the
    worker. The app's address is the one the demo serves on, unless CALLMATCH_BASE_URL names another: the
    digests' links, the calendar's address and the spreadsheets' links lead back to it. Written to `environ`
    too, for the processes the demo starts."""
    if settings.today is None:
        settings = settings.with_(today=RECORDED_ON)
    environ["CALLMATCH_TODAY"] = settings.as_of().isoformat()
    environ.setdefault("CALLMATCH_CRAWL_SPIDERS", "none")
    environ.setdefault("CALLMATCH_BASE_URL", f"http://127.0.0.1:{port}")
    demo = Settings.from_env(environ)
    return settings.with_(crawl_spiders=demo.crawl_spiders, base_url=demo.base_url)


def _demo_login(app: AppContext) -> tuple[str, str]:
    """The demo's admin login, kept across runs; a new password when the saved one no longer works
    (changed in the app, or the file lost). The user is never deleted: their decisions stay theirs."""
    from store import users

    email = "demo@sic.lv"
    saved = app.settings.data_dir / "demo-login.txt"
    db = app.database()
    user = users.find_user(db, email)
    kept = saved.read_text().strip() if saved.exists() else None
    if user and kept and users.password_matches(user, kept):
        users.update_access(db, user["id"], "admin", active=True)
        return email, kept
    password = secrets.token_urlsafe(9)
    if user:
        users.set_password(db, user["id"], password)
        users.update_access(db, user["id"], "admin", active=True)
    else:
        users.create_user(db, email, password, "admin")
    saved.write_text(password)
    saved.chmod(0o600)
    return email, password


def _mailbox(app: AppContext):
    """Digests need a mail server: with none set (SMTP_URL), the demo keeps them in a local mailbox."""
    if os.environ.get("SMTP_URL"):
        return None
    from urllib.parse import urlparse

    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Mailbox

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every connection at INFO
    url = urlparse(app.settings.smtp_url)
    folder = app.settings.data_dir / "mail"
    controller = Controller(Mailbox(folder), hostname=url.hostname, port=url.port)
    try:
        controller.start()
    except (OSError, RuntimeError) as exc:  # the port is taken: digests go to whatever listens there
        click.echo(f"    No local mailbox ({exc}); digests go to {url.hostname}:{url.port}.")
        return None
    click.echo(f"    Digests are delivered to a local mailbox: {folder / 'new'} (one file a message).")
    return controller


@cli.command()
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535),
              help="Port the web app listens on (127.0.0.1).")
@click.option("--no-serve", is_flag=True, help="Load and rank, then stop instead of serving.")
@click.pass_obj
def demo(app: AppContext, port: int, no_serve: bool) -> None:
    """Start the servers, load the recorded portal data and the CORDIS dev dump, rank for SIC, serve the UI."""
    from .web import cannot_listen, check_can_listen

    if not no_serve:
        check_can_listen("127.0.0.1", port)
    app.settings = demo_settings(app.settings, os.environ, port)
    # The demo keeps its login, worker log and mailbox there, even when DATABASE_URL and REDIS_URL name
    # servers of their own and nothing else would create it.
    app.settings.ensure_data_dir()
    _step(f"Data folder {app.settings.data_dir}; deadlines judged as of {app.settings.as_of()}")
    for line in app.services.describe():
        click.echo(f"    {line}")
    app.redis()
    app.database()
    recording = app.settings.shared_path("fixtures", "ft-portal", "search-2026-06-27")
    partners = app.settings.shared_path("benchmarks", "cordis-dev", "partners")
    _step("Crawling the recorded Funding & Tenders Portal pages through a loopback replay")
    _callmatch("crawl", "ft_portal", "--replay", str(recording))
    _step("Importing the CORDIS dev dump as partners")
    _callmatch("import-cordis", str(partners))
    _step("Ranking every call for SIC (the first run embeds all texts: a few minutes on 2 cores)")
    _callmatch("match")
    email, password = _demo_login(app)
    if no_serve:
        click.echo(f"Ready. Sign in as {email} / {password} after `callmatch serve`.")
        return
    _step("Starting the background worker")
    if not app.settings.crawl_spiders:
        click.echo("    The daily live crawl is off in the demo; `callmatch crawl ft_portal` runs one.")
    mailbox = _mailbox(app)
    worker = subprocess.Popen([sys.executable, "-c", "from cli.main import main; main()", "worker"],
                              stdout=subprocess.DEVNULL, stderr=(app.settings.data_dir / "worker.log").open("a"))
    click.secho(f"\ncallmatch is running at http://127.0.0.1:{port}", fg="green", bold=True)
    click.secho(f"Sign in as {email} with password {password} (an admin: the Users page adds colleagues)", fg="green")
    click.echo(f"(worker log: {app.settings.data_dir / 'worker.log'}; Ctrl-C stops everything)\n")
    try:
        from waitress import serve

        from webapp import create_app

        serve(create_app(app.settings, database=app.database()), host="127.0.0.1", port=port, threads=8,
              ident="callmatch", _quiet=True)
    except OSError as exc:  # taken while the demo was loading
        raise cannot_listen("127.0.0.1", port, exc) from None
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        if mailbox:
            mailbox.stop()
