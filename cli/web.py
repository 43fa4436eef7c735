"""`callmatch serve`, and the users: `create-user`, `set-password`, `users`."""

from __future__ import annotations

import sys

import click

from .context import AppContext
from .main import cli


def build_app(app: AppContext):
    from webapp import create_app

    return create_app(app.settings, database=app.database())


def cannot_listen(host: str, port: int, exc: OSError) -> click.ClickException:
    import errno

    option = "--host" if exc.errno == errno.EADDRNOTAVAIL else "--port"  # not an address of this machine
    return click.ClickException(f"Cannot listen on {host}:{port} ({exc.strerror}); choose another {option}.")


def check_can_listen(host: str, port: int) -> None:
    """Fail now, not after minutes of loading (or with waitress's traceback), when the host is unknown or
    the address taken. Binds the way waitress will: to the host's first address, of its own family."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise click.ClickException(f"Cannot listen on {host}:{port}: no such address here ({exc.strerror}); "
                                   "choose another --host (127.0.0.1, or 0.0.0.0 for every interface).") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise cannot_listen(host, port, exc) from None


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(min=1), help="Requests served at once.")
@click.pass_obj
def serve(app: AppContext, host: str, port: int, threads: int) -> None:
    """Serve the web app (waitress, a production WSGI server)."""
    from waitress import serve as waitress_serve

    check_can_listen(host, port)
    web = build_app(app)
    click.echo(f"Serving on http://{f'[{host}]' if ':' in host else host}:{port}  (Ctrl-C stops)")
    try:
        waitress_serve(web, host=host, port=port, threads=threads, ident="callmatch", _quiet=True)
    except OSError as exc:
        raise cannot_listen(host, port, exc) from None


@cli.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["manager", "leadership", "admin"]), default="manager", show_default=True,
              help="manager: reviews calls and records bid/no-bid decisions; "
                   "leadership: also approves bids, sets the bid/no-bid policy and may delete any profile; "
                   "admin: also manages users on the web app's Users page.")
@click.pass_obj
def create_user(app: AppContext, email: str, role: str) -> None:
    """Create a user; asks for the password (or reads it from standard input when that is not a terminal)."""
    from store.users import create_user as create
    from store.users import normal_email

    user_id = create(app.database(), email, _read_password(), role)
    click.echo(f"Created {role} {normal_email(email)} (user {user_id}).")


@cli.command("set-password")
@click.argument("email")
@click.pass_obj
def set_password(app: AppContext, email: str) -> None:
    """Set a user's password, e.g. for an admin who lost theirs (asked for, or read from standard input
    when that is not a terminal); it signs out their open sessions."""
    from store import users

    db = app.database()
    user = users.find_user(db, email)
    if user is None:
        raise click.ClickException(f"There is no user {users.normal_email(email)}; `callmatch create-user` adds one.")
    users.set_password(db, user["id"], _read_password())
    click.echo(f"New password set for {user['email']}.")


@cli.command("users")
@click.pass_obj
def list_users(app: AppContext) -> None:
    """The users, with role, whether active, and last sign-in (admins manage them on the web app's Users page)."""
    from store import users
    from store.text import moment

    rows = users.list_users(app.database())
    if not rows:
        click.echo("No users yet; `callmatch create-user EMAIL --role admin` creates the first admin.")
    for row in rows:
        seen = moment(row["last_login_at"], app.settings.zone) if row["last_login_at"] else "never signed in"
        click.echo(f"{row['email']:40} {row['role']:11} {'active' if row['active'] else 'deactivated':12} {seen}")


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")
