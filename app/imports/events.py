"""What the imports feature announces; matching subscribes. Every signal's sender is the Flask
application."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: A batch finished and its outcome is committed, "done" or "failed". Keyword arguments:
#: ``batch`` (the ImportBatch); ``background`` (False when the caller waits for follow-up
#: work, as the command line does); ``follow_up`` (False when the caller asked for none). A
#: receiver may return what it started (an object with ``summary() -> str``, such as a
#: matching run) so that the command line can report it.
batch_imported = _signals.signal("batch-imported")
