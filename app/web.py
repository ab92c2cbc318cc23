"""Small helpers that views of every feature share: safe redirects and form errors."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, url_for
from flask_wtf import FlaskForm

__all__ = ["flash_form_errors", "safe_local_url"]


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
        field = getattr(form, name, None)
        label = field.label.text if field is not None and hasattr(field, "label") else name
        flash(f"{label}: {' '.join(map(str, errors))}", "error")
