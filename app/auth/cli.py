import sys

import click
from flask import current_app
from flask.cli import AppGroup

from app.auth.permissions import Role
from app.auth.services import UserError, create_user
from app.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", default=None, help="Display name (defaults to the e-mail's local part).")
def create_command(email: str, role: str, name: str | None) -> None:
    """Create a user. The password is read from standard input, or prompted for on a terminal."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = create_user(email, name or email.split("@")[0], role, password)
    except UserError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    current_app.logger.info("user %s created with role %s", user.id, role)
    click.echo(f"Created user {user.id} ({role}).")
