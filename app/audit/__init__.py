"""The audit trail: one append-only table and its one writer (``services.record``)."""
