"""``flask demo seed``: synthetic users and people for trying Reunite (the "demo" extra)."""

from collections.abc import Callable
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from app.auth.second_factor import code_at, current_step

seed_demo: Callable[..., Any] | None
DEMO_TOTP_SECRET: str | None
try:
    from app.demo.services import DEMO_TOTP_SECRET, seed_demo
except ModuleNotFoundError as missing:  # Faker is the optional "demo" extra
    if missing.name != "faker":
        raise
    seed_demo = None
    DEMO_TOTP_SECRET = None

demo_cli = AppGroup("demo", help="Synthetic demonstration data.")


@demo_cli.command("seed")
@click.option("--cases", "case_count", default=120, show_default=True)
@click.option("--password", default=None, help="Password of the demo accounts.")
def seed_command(case_count: int, password: str | None) -> None:
    """Fill an empty database with synthetic users and people. Safe to run again."""
    if seed_demo is None:
        raise click.ClickException("demo data needs Faker: pip install -e '.[demo]'")
    password = password or current_app.config.get("DEMO_PASSWORD")
    if not password:
        raise click.ClickException("demo data is for development: pass --password")
    summary = seed_demo(password=password, case_count=case_count)
    if summary.created:
        click.echo(f"Seeded {summary.cases} synthetic cases.")
    else:
        click.echo("The database already has users; no demo data added.")
    if summary.logins:
        click.echo("Demo logins (synthetic accounts, development only):")
    for email, role in summary.logins:
        click.echo(f"  {role:<11} {email}  password: {password}")
    if summary.second_factor_secret:
        click.echo(
            "The demo supervisor and admin also need a code (second factor). DEMO ONLY key:\n"
            f"  {summary.second_factor_secret}\n"
            "Add it to an authenticator app, or print the current code with: flask demo code"
        )


@demo_cli.command("code")
def code_command() -> None:
    """Print the current code of the demo staff's second factor (the published demo key)."""
    if DEMO_TOTP_SECRET is None:
        raise click.ClickException("demo data needs Faker: pip install -e '.[demo]'")
    click.echo(code_at(DEMO_TOTP_SECRET, current_step()))
