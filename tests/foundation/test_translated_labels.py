"""Label tables are translated once per language (app/i18n.py ``translated``): the same words
as their lazy strings give, in each language, kept between pages, and translated anew when
the catalogue is another (a test's pseudo-translation)."""

from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale

from app.cases.labels import STATUS_LABELS
from app.i18n import translated
from app.matching.labels import BAND_LABELS
from tests.pseudo_locale import pseudo_ukrainian  # noqa: F401 - a fixture


def test_the_same_words_as_the_lazy_strings_in_each_language(app):
    for locale in ("uk", "en"):
        with app.test_request_context(), force_locale(locale):
            for table in (STATUS_LABELS, BAND_LABELS):
                tables = {"labels": table, "function": str}
                words = translated(tables)
                assert words["labels"] == {key: str(label) for key, label in table.items()}
                assert words["function"] is str
                assert translated(tables) is words  # kept
    tables = {"labels": STATUS_LABELS}
    with app.test_request_context(), force_locale("en"):
        english = translated(tables)
    with app.test_request_context(), force_locale("uk"):
        assert translated(tables) != english


def test_templates_show_the_translated_words(app):
    template = "{{ status_labels['new'] }}|{{ match_band_labels['likely'] }}"
    with app.test_request_context(), force_locale("en"):
        shown = render_template_string(template)
        assert shown == f"{STATUS_LABELS['new']}|{BAND_LABELS['likely']}"


def test_another_catalogue_gets_its_own_words(app, pseudo_ukrainian):  # noqa: F811
    tables = {"labels": STATUS_LABELS}
    with app.test_request_context(), force_locale("uk"):
        assert translated(tables)["labels"]["new"] == "⟦New⟧"
    with app.test_request_context(), force_locale("en"):
        assert translated(tables)["labels"]["new"] == "New"
