"""What the cases feature announces. Features built on cases (matching) subscribe to these;
cases never imports them. Every signal's sender is the Flask application."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from blinker import Namespace
from sqlalchemy import ColumnElement

_signals = Namespace()

#: A case was created in the browser and committed. Keyword arguments: ``case_id``,
#: ``user_id``. Sent after the commit, before the request reads anything again.
case_opened = _signals.signal("case-opened")

#: A case page is being shown. Keyword arguments: ``case``, and ``probes``, the answers to
#: :data:`case_page_probes` (a name's answer to its question), or None when the page did not
#: ask them (shown again with a refused form). Receivers may return an
#: :class:`app.web.PageSection` to add to the page (matching: the case's candidates).
case_page_shown = _signals.signal("case-page-shown")

#: Questions features built on cases ask of the case a page shows, asked in the case page's
#: own statement with the case: a name, and a function of the case's id column giving a
#: boolean SQL expression of it (an EXISTS over the feature's table: has this case any
#: exchange lines?). Nearly every case has no such rows; each feature asking in a statement of
#: its own cost the page a round trip to the database each. Filled by the features'
#: ``subscribe``; the answers reach ``case_page_shown``'s receivers as ``probes``.
case_page_probes: dict[str, Callable[[Any], ColumnElement[bool]]] = {}

#: The supervisor's queues page is being shown. Receivers may return a
#: :class:`app.web.PageSection` with a count card (matching: matches awaiting approval).
supervisor_queues_shown = _signals.signal("supervisor-queues-shown")
