"""`callmatch serve` and `callmatch create-user`."""

from __future__ import annotations

import sys

import click

from .context import AppContext
from .main import cli


def build_app(app: AppContext):
    from webapp import create_app

    return create_app(app.settings, database=app.database())


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=int, help="Requests served at once.")
@click.pass_obj
def serve(app: AppContext, host: str, port: int, threads: int) -> None:
    """Serve the web app (waitress, a production WSGI server)."""
    from waitress import serve as waitress_serve

    web = build_app(app)
    click.echo(f"Serving on http://{host}:{port}  (Ctrl-C stops)")
    try:
        waitress_serve(web, host=host, port=port, threads=threads, ident="callmatch", _quiet=True)
    except OSError as exc:
        raise click.ClickException(f"Cannot listen on {host}:{port} ({exc.strerror}); choose another --port.") from None


@cli.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["manager", "leadership", "admin"]), default="manager", show_default=True,
              help="manager: reviews calls and records bid/no-bid decisions; "
                   "leadership: also approves bids and may delete any profile; "
                   "admin: also manages users on the web app's Users page.")
@click.pass_obj
def create_user(app: AppContext, email: str, role: str) -> None:
    """Create a user; asks for the password (or reads it from standard input when that is not a terminal)."""
    from store.users import create_user as create

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    user_id = create(app.database(), email, password, role)
    click.echo(f"Created {role} {email} (user {user_id}).")
