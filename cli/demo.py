"""`callmatch demo`: the whole product on embedded defaults, for a first look."""

from __future__ import annotations

import click

from .context import AppContext
from .main import cli


@cli.command()
@click.pass_obj
def demo(app: AppContext) -> None:
    """Start the embedded servers, migrate, load the recorded data, match and serve the UI."""
    click.echo(f"Data folder: {app.settings.data_dir}")
    for line in app.services.describe():
        click.echo(line)
    app.redis()
    app.database()
    click.echo("Database migrated.")
