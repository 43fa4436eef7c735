"""`callmatch demo`: the whole product on embedded defaults, for a first look."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from datetime import date

import click

from .context import AppContext
from .main import cli

RECORDED_ON = date(2026, 6, 27)  # the day the portal pages in shared/fixtures were recorded


def _step(text: str) -> None:
    click.secho(f"==> {text}", fg="cyan")


def _callmatch(*args: str) -> None:
    result = subprocess.run([sys.executable, "-c", "from cli.main import main; main()", *args])
    if result.returncode != 0:
        raise click.ClickException(f"`callmatch {' '.join(args)}` failed; see the messages above.")


def _demo_login(app: AppContext) -> tuple[str, str]:
    from store.users import create_user

    email = "demo@sic.lv"
    saved = app.settings.data_dir / "demo-login.txt"
    db = app.database()
    if db.scalar("SELECT 1 FROM users WHERE email = %s", (email,)) and saved.exists():
        return email, saved.read_text().strip()
    password = secrets.token_urlsafe(9)
    db.execute("DELETE FROM users WHERE email = %s", (email,))
    create_user(db, email, password, "leadership")
    saved.write_text(password)
    saved.chmod(0o600)
    return email, password


@cli.command()
@click.option("--port", default=5000, show_default=True, type=int, help="Port the web app listens on (127.0.0.1).")
@click.option("--no-serve", is_flag=True, help="Load and rank, then stop instead of serving.")
@click.pass_obj
def demo(app: AppContext, port: int, no_serve: bool) -> None:
    """Start the servers, load the recorded portal data and the CORDIS dev dump, rank for SIC, serve the UI."""
    if app.settings.today is None:
        # The recording is from 2026-06-27: judge deadlines as a user would have seen them that day.
        app.settings = app.settings.with_(today=RECORDED_ON)
    os.environ["CALLMATCH_TODAY"] = app.settings.as_of().isoformat()
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
    worker = subprocess.Popen([sys.executable, "-c", "from cli.main import main; main()", "worker"],
                              stdout=subprocess.DEVNULL, stderr=(app.settings.data_dir / "worker.log").open("a"))
    click.secho(f"\ncallmatch is running at http://127.0.0.1:{port}", fg="green", bold=True)
    click.secho(f"Sign in as {email} with password {password}", fg="green")
    click.echo(f"(worker log: {app.settings.data_dir / 'worker.log'}; Ctrl-C stops everything)\n")
    try:
        from waitress import serve

        from webapp import create_app

        serve(create_app(app.settings, database=app.database()), host="127.0.0.1", port=port, threads=8,
              ident="callmatch", _quiet=True)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
