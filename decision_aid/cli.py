"""Commands: ``flask --app decision_aid <command>``."""
import click
from flask import Flask
from flask.cli import with_appcontext

from .database import create_schema
from .library import current_content


def init_app(app: Flask) -> None:
    app.cli.add_command(init_db)
    app.cli.add_command(check_content)


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create the database tables (safe to run again)."""
    create_schema()
    click.echo("Database ready.")


@click.command("check-content")
@with_appcontext
def check_content() -> None:
    """Load and check every content version (start-up does the same), then say which is current."""
    content = current_content()
    click.echo(f"Content {content.version} ({content.content_hash[:12]}) is valid.")
