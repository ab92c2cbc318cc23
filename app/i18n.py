"""Locale selection: the user's choice, then their browser, then English; label tables in the
reader's language."""

from collections.abc import Mapping
from typing import Any

import flask_babel
from flask import current_app, has_request_context, request, session
from flask_babel import LazyString, get_locale
from flask_login import current_user


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("language")
    if isinstance(chosen, str) and chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


# (the tables' id, the language) -> (the catalogue they were translated with, the tables
# translated). The tables are module constants, alive as long as the process, so their ids
# stay theirs; the catalogue is Flask-Babel's, one object per language for the process (a test
# that swaps it gets its tables translated anew).
_TRANSLATED: dict[tuple[int, str], tuple[Any, dict[str, Any]]] = {}


def translated(tables: Mapping[str, Any]) -> dict[str, Any]:
    """A module's constant tables of labels (name -> a table of lazy strings, STATUS_LABELS
    and the like), each in the current language, translated once per language and kept; a
    value that is no table, and a label that is no lazy string, are kept as they are. Only
    for tables that never change: the key is their identity.

    A list shows a status and a priority a row, each a lazy string translated again on every
    use (a dozen calls each): 25 rows made 50 translations of the same four words."""
    catalogue = flask_babel.get_domain().get_translations()
    key = (id(tables), str(get_locale()))
    kept = _TRANSLATED.get(key)
    if kept is not None and kept[0] is catalogue:
        return kept[1]
    words = {
        name: {
            value: str(label) if isinstance(label, LazyString) else label
            for value, label in table.items()
        }
        if isinstance(table, Mapping)
        else table
        for name, table in tables.items()
    }
    _TRANSLATED[key] = (catalogue, words)
    return words
