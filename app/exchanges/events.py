"""Exchanges follow what cases announce: the case page shows every exchange the person was in.

:func:`subscribe` connects the receivers; the application factory calls it.
"""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from app.auth.permissions import Permission
from app.cases.events import case_page_probes, case_page_shown
from app.cases.models import Case
from app.exchanges.labels import template_context
from app.exchanges.services import HAS_LINES, case_has_lines, case_lines, latest_where_held
from app.web import PageSection


def _case_exchanges_section(
    sender: Any, *, case: Case, probes: dict[str, bool] | None = None
) -> PageSection | None:
    # The case page has already checked that its reader may read the case, and the exchanges
    # it names hold this case: reading them needs no more than the exchange permission.
    if not current_user.can(Permission.EXCHANGE_READ):
        return None
    lines = case_lines(case, None if probes is None else probes[HAS_LINES])
    if not lines:
        return None
    # Where the other side last said it holds the person: in the page's summary header.
    held = latest_where_held(lines)
    return PageSection(
        "exchanges/_case_exchanges.html",
        {"exchange_lines": lines, "latest_where_held": held, **template_context()},
        header_item="exchanges/_case_where_held.html" if held is not None else None,
    )


def subscribe() -> None:
    """Connect exchanges to the signals of cases."""
    case_page_probes[HAS_LINES] = case_has_lines
    case_page_shown.connect(_case_exchanges_section)
