"""A pseudo-translation for tests: text that went through gettext is marked ``⟦...⟧``.

Tells a text worded in the reader's language from one stored as an English sentence, without
depending on the catalogue's Ukrainian (which the translators fill in at merge).
"""

from __future__ import annotations

import pytest
from babel.support import NullTranslations
from flask_babel import Domain, get_locale


class PseudoTranslations(NullTranslations):
    """Every message marked."""

    def ugettext(self, message):
        return f"⟦{message}⟧"

    gettext = ugettext

    def ungettext(self, singular, plural, n):
        return f"⟦{singular if n == 1 else plural}⟧"

    ngettext = ungettext


@pytest.fixture
def pseudo_ukrainian(monkeypatch):
    """Ukrainian pages get the pseudo-translation; English ones the real catalogue."""
    real = Domain.get_translations

    def translations(self):
        locale = get_locale()
        if locale is not None and locale.language == "uk":
            return PseudoTranslations()
        return real(self)

    monkeypatch.setattr(Domain, "get_translations", translations)
