"""Translatable labels for the exchange vocabularies (values stay English in the database)."""

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from app.dates import InRange
from app.exchanges.models import ExchangeEventKind, ExchangeKind, ExchangeStatus, LineState

KIND_LABELS: dict[str, LazyString] = {
    ExchangeKind.LIST_HANDOVER: _l("List handed over"),
    ExchangeKind.PRISONER_EXCHANGE: _l("Prisoner exchange"),
    ExchangeKind.REMAINS_REPATRIATION: _l("Repatriation of remains"),
}
STATUS_LABELS: dict[str, LazyString] = {
    ExchangeStatus.PROPOSED: _l("Proposed"),
    ExchangeStatus.AGREED: _l("Agreed"),
    ExchangeStatus.SCHEDULED: _l("Scheduled"),
    ExchangeStatus.CARRIED_OUT: _l("Carried out"),
    ExchangeStatus.PARTLY_CARRIED_OUT: _l("Partly carried out"),
    ExchangeStatus.FAILED: _l("Failed"),
}
LINE_STATE_LABELS: dict[str, LazyString] = {
    LineState.LISTED: _l("Listed"),
    LineState.ACKNOWLEDGED: _l("Acknowledged"),
    LineState.ANSWERED: _l("Answered"),
    LineState.HANDED_OVER: _l("Handed over"),
    LineState.RETURNED: _l("Returned"),
    LineState.REUNIFIED: _l("Reunified"),
    LineState.REFUSED: _l("Refused"),
    LineState.NOT_FOUND: _l("Not found"),
    LineState.DECEASED: _l("Deceased"),
}
EVENT_LABELS: dict[str, LazyString] = {
    ExchangeEventKind.CREATED: _l("Exchange recorded"),
    ExchangeEventKind.UPDATED: _l("Details changed"),
    ExchangeEventKind.STATUS_CHANGED: _l("Status changed"),
    ExchangeEventKind.LINE_ADDED: _l("Person added"),
    ExchangeEventKind.LINE_CHANGED: _l("Person's state changed"),
    ExchangeEventKind.DECEASED_PROPOSED: _l("Proposed as deceased"),
    ExchangeEventKind.DECEASED_APPROVED: _l("Death confirmed by a second person"),
    ExchangeEventKind.DECEASED_REJECTED: _l("Death proposal rejected"),
    ExchangeEventKind.VERSION_MADE: _l("List version handed over"),
    ExchangeEventKind.WHERE_HELD_REPORTED: _l("Where held, as the other side reports"),
    ExchangeEventKind.REMAINS_ADDED: _l("Remains recorded"),
    ExchangeEventKind.REMAINS_LINK_PROPOSED: _l("Remains proposed as a case's person"),
    ExchangeEventKind.REMAINS_LINK_APPROVED: _l("Remains linked to a case by a second person"),
    ExchangeEventKind.REMAINS_LINK_REJECTED: _l("Link of remains rejected"),
}
# Whether a prisoner is 18 to 25 years old on the exchange's date (services.YOUNG_AGES).
YOUNG_AGE_LABELS: dict[str, LazyString] = {
    InRange.YES: _l("Yes"),
    InRange.NO: _l("No"),
    InRange.UNKNOWN: _l("Cannot tell"),
}
# Where remains stand on the way to a case (app.exchanges.remains.LinkState).
REMAINS_LINK_LABELS: dict[str, LazyString] = {
    "unlinked": _l("Unlinked"),
    "proposed": _l("Link proposed"),
    "linked": _l("Linked to a case"),
}


def template_context() -> dict[str, dict[str, LazyString]]:
    """The labels every exchange template words values with."""
    return {
        "kind_labels": KIND_LABELS,
        "exchange_status_labels": STATUS_LABELS,
        "line_state_labels": LINE_STATE_LABELS,
        "exchange_event_labels": EVENT_LABELS,
        "young_age_labels": YOUNG_AGE_LABELS,
        "remains_link_labels": REMAINS_LINK_LABELS,
    }


# The identity fields of a list version (app.exchanges.listdiff.COMPARED_FIELDS), as the
# version and comparison pages name them.
VERSION_FIELD_LABELS: dict[str, LazyString] = {
    "family_name": _l("Family name"),
    "given_name": _l("Given name"),
    "patronymic": _l("Patronymic"),
    "family_name_latin": _l("Family name (Latin)"),
    "given_name_latin": _l("Given name (Latin)"),
    "date_of_birth": _l("Date of birth"),
    "sex": _l("Sex"),
    "place_of_birth": _l("Place of birth"),
    "last_known_place": _l("Last known place"),
    "region": _l("Region"),
    "document_number": _l("Document number"),
    "category": _l("Category"),
}
