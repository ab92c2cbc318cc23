"""What the cases feature announces. Features built on cases (matching) subscribe to these;
cases never imports them. Every signal's sender is the Flask application."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: A case was created in the browser and committed. Keyword arguments: ``case_id``,
#: ``user_id``. Sent after the commit, before the request reads anything again.
case_opened = _signals.signal("case-opened")

#: A case page is being shown. Keyword argument: ``case``. Receivers may return an
#: :class:`app.web.PageSection` to add to the page (matching: the case's candidates).
case_page_shown = _signals.signal("case-page-shown")

#: The supervisor's queues page is being shown. Receivers may return a
#: :class:`app.web.PageSection` with a count card (matching: matches awaiting approval).
supervisor_queues_shown = _signals.signal("supervisor-queues-shown")
