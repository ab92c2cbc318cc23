"""Imports every feature's models so that Alembic and the audit hook see all of them."""

from app.answers.models import AnswerBatch, AnswerPairing, ExchangeAnswer
from app.audit.models import AuditEvent
from app.auth.models import RecoveryCode, User
from app.cases.models import (
    Case,
    CaseAlias,
    CaseEvent,
    CaseNameKey,
    CaseNote,
    ContactLog,
    Relative,
    SourceList,
    TransitionRequest,
)
from app.exchanges.models import (
    Exchange,
    ExchangeCategory,
    ExchangeEvent,
    ExchangeLine,
    ExchangeLineEvent,
    ExchangeRemains,
)
from app.identification.models import (
    FrequencyTableRecord,
    IdentificationProposal,
    ReferenceSample,
    RemainsProfile,
    ScreeningRun,
)
from app.imports.models import ImportBatch, ImportProblem, ImportRow
from app.matching.models import GivenNameEntry, MatchCandidate, MatchingRun, MatchingState
from app.records.models import PartnerRecord, PartnerSource
from app.tallies import Tally

__all__ = [
    "AnswerBatch",
    "AnswerPairing",
    "AuditEvent",
    "Case",
    "CaseAlias",
    "CaseEvent",
    "CaseNameKey",
    "CaseNote",
    "ContactLog",
    "Exchange",
    "ExchangeAnswer",
    "ExchangeCategory",
    "ExchangeEvent",
    "ExchangeLine",
    "ExchangeLineEvent",
    "ExchangeRemains",
    "FrequencyTableRecord",
    "GivenNameEntry",
    "IdentificationProposal",
    "ImportBatch",
    "ImportProblem",
    "ImportRow",
    "MatchCandidate",
    "MatchingRun",
    "MatchingState",
    "PartnerRecord",
    "PartnerSource",
    "RecoveryCode",
    "ReferenceSample",
    "Relative",
    "RemainsProfile",
    "ScreeningRun",
    "SourceList",
    "Tally",
    "TransitionRequest",
    "User",
]
