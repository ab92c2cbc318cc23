"""Reunite: case management for family tracing and reunification.

The package root stays light on purpose: importing a pure core (``app.names``, ``app.dates``,
``app.imports.readers``, ``app.matching.scoring``) must not load Flask or any feature. The
factory, which knows every feature, lives in :mod:`app.factory`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: type | dict[str, Any] | None = None) -> Flask:
    """Build the application (see :func:`app.factory.create_app`)."""
    from app.factory import create_app as build  # the one deferred import: see the docstring

    return build(config)


__all__ = ["create_app"]
