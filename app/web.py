"""Small helpers that views of every feature share: safe redirects, form errors, page sections,
the application object."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit

from blinker import NamedSignal
from flask import Flask, current_app, flash, url_for
from flask_wtf import FlaskForm
from werkzeug.local import LocalProxy

__all__ = [
    "PageSection",
    "current_app_object",
    "flash_form_errors",
    "page_sections",
    "safe_local_url",
]


def current_app_object() -> Flask:
    """The application behind the ``current_app`` proxy: the sender of signals and what a
    background job runs in (the proxy means nothing outside this context)."""
    # Flask declares current_app as a Flask, though it is a proxy to one.
    return cast("LocalProxy[Flask]", current_app)._get_current_object()


def safe_local_url(target: str | None, fallback_endpoint: str = "main.index", **values) -> str:
    """``target`` if it is a path on this site, else the URL of ``fallback_endpoint``.

    Only same-site relative paths pass: an open redirect ("//evil.example", "https://...",
    "/\\evil.example" that browsers read as "//") would help phishing."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.netloc and not parts.scheme:
            return target
    return url_for(fallback_endpoint, **values)


def flash_form_errors(form: FlaskForm) -> None:
    """Each field's errors as one flash message, prefixed with the field's label."""
    for name, errors in form.errors.items():
        form_field: Any = getattr(form, name, None)  # WTForms ships no types
        label = form_field.label.text if hasattr(form_field, "label") else name
        flash(f"{label}: {' '.join(map(str, errors))}", "error")


@dataclass(frozen=True, slots=True)
class PageSection:
    """A part of another feature's page: a template to include and the values it needs.

    A page of a lower feature (the case page) asks through a signal for the sections that
    features built on it add (matching's candidates), so that it never imports them."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


def page_sections(signal: NamedSignal, sender: Any, **kwargs: Any) -> dict[str, Any]:
    """Ask ``signal``'s receivers for their sections: the templates to include, in the order
    the receivers answered, and the values they need, as keyword arguments for
    ``render_template`` (``sections`` holds the template names)."""
    sections = [rv for _, rv in signal.send(sender, **kwargs) if isinstance(rv, PageSection)]
    context: dict[str, Any] = {"sections": [section.template for section in sections]}
    for section in sections:
        context.update(section.context)
    return context
