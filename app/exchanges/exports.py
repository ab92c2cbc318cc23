"""Lists for the other side: the people of an exchange (or of a source list, or of any list of
lines) written in the other side's script, as CSV, XLSX or a printable, signed PDF.

:func:`export_people` takes any iterable of :class:`ExportPerson`, so a list, a version of a
list or an exchange's open lines are all exported by it; :func:`people_of_lines`,
:func:`people_of_source_list` and :func:`people_of_version` make them. The caller checks
permission and audits first, as for every export (app/reports/exports.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from flask import Response
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.auth.models import User
from app.cases.access import visible_cases
from app.cases.models import Case, SourceList
from app.dates import PartialDate, input_text
from app.exchanges.labels import LINE_STATE_LABELS
from app.exchanges.models import Exchange, ExchangeLine, ExchangeListVersion, LineState
from app.exchanges.versions import version_rows
from app.extensions import db
from app.names.scripts import Script, convert_name
from app.records.models import PartnerRecord
from app.reports.exports import export_response
from app.reports.pdf import PdfDocument, Signatory, pdf_response, write_pdf

__all__ = [
    "FORMATS",
    "OPEN_STATES",
    "SCRIPT_LABELS",
    "ExportPerson",
    "export_people",
    "people_of_lines",
    "people_of_source_list",
    "people_of_version",
    "version_heading",
]

FORMATS = ("csv", "xlsx", "pdf")
# Lines the other side still owes an answer or a hand-over for.
OPEN_STATES = (LineState.LISTED.value, LineState.ACKNOWLEDGED.value, LineState.ANSWERED.value)


@dataclass(frozen=True)
class ExportPerson:
    """One row of a list for the other side, as written in our records."""

    reference: str
    family_name: str
    given_name: str
    patronymic: str
    date_of_birth: PartialDate | None
    category: str = ""
    state: str = ""
    other_side_reason: str = ""
    # Who the row names, for the audit trail of the export.
    case_id: int | None = None
    record_id: int | None = None


def _person(
    person: Case | PartnerRecord, line: ExchangeLine | None, reference: str
) -> ExportPerson:
    return ExportPerson(
        reference=reference,
        family_name=person.family_name,
        given_name=person.given_name,
        patronymic=person.patronymic,
        date_of_birth=person.date_of_birth,
        category=line.category.name if line is not None and line.category else "",
        state=line.state if line is not None else "",
        other_side_reason=line.other_side_reason if line is not None else "",
        case_id=person.id if isinstance(person, Case) else None,
        record_id=person.id if isinstance(person, PartnerRecord) else None,
    )


def people_of_lines(lines: Iterable[ExchangeLine]) -> Iterator[ExportPerson]:
    """An exchange's lines (already filtered to what the reader may see) as rows."""
    for line in lines:
        if line.case is not None:
            yield _person(line.case, line, line.case.case_number)
        elif line.record is not None:
            yield _person(line.record, line, _("Partner record %(id)s", id=line.record.id))


def people_of_source_list(user: User, source_list: SourceList) -> list[ExportPerson]:
    """The cases of a source list this user may read, by name, each with its latest exchange
    line (category, state, the other side's reason) where it was listed in one."""
    cases = db.session.scalars(
        visible_cases(user)
        .where(Case.source_list_id == source_list.id, Case.archived.is_(False))
        .order_by(Case.family_name, Case.given_name, Case.id)
    ).all()
    latest: dict[int, ExchangeLine] = {}
    if cases:
        ids = [case.id for case in cases]
        for line in db.session.scalars(
            select(ExchangeLine)
            .where(ExchangeLine.case_id.in_(ids))
            .options(joinedload(ExchangeLine.category))
            .order_by(ExchangeLine.id)
        ):
            latest[line.case_id] = line  # type: ignore[index]  # a case's line has a case_id
    return [_person(case, latest.get(case.id), case.case_number) for case in cases]


def people_of_version(user: User, version: ExchangeListVersion) -> list[ExportPerson]:
    """A list version's people this user may read, as they were handed over (a later edit of
    a case changes nothing here), in the version's order. A version freezes who was listed,
    not what became of them: its rows carry no state."""
    return [
        ExportPerson(
            reference=row["reference"],
            family_name=row["family_name"],
            given_name=row["given_name"],
            patronymic=row["patronymic"],
            date_of_birth=PartialDate.from_iso(row["date_of_birth"])
            if row["date_of_birth"]
            else None,
            category=row["category"],
            case_id=row["case_id"],
            record_id=row["record_id"],
        )
        for row in version_rows(version, user)
    ]


SCRIPT_LABELS: dict[str, LazyString] = {
    Script.AS_WRITTEN: _l("As written"),
    Script.RUSSIAN: _l("Russian Cyrillic"),
    Script.LATIN_NATIONAL: _l("Latin: Ukrainian national romanisation (2010)"),
    Script.LATIN_BGN: _l("Latin: BGN/PCGN, from the Russian form"),
}


def _headers() -> list[str]:
    return [
        _("No."),
        _("Reference"),
        _("Family name"),
        _("Given name"),
        _("Patronymic"),
        _("Date of birth"),
        _("Category"),
        _("State"),
        _("The other side's reason"),
    ]


def _rows(people: Iterable[ExportPerson], script: Script) -> Iterator[Sequence[object]]:
    for number, person in enumerate(people, start=1):
        yield (
            number,
            person.reference,
            convert_name(person.family_name, "family", script),
            convert_name(person.given_name, "given", script),
            convert_name(person.patronymic, "patronymic", script),
            input_text(person.date_of_birth),  # dd.mm.yyyy; a partial date as it is known
            person.category,
            str(LINE_STATE_LABELS.get(person.state, person.state)),
            person.other_side_reason,
        )


@dataclass(frozen=True)
class Heading:
    """What a printed list says about itself: its title, the facts under it (the exchange's
    reference numbers), and who signs it."""

    title: str
    about: Sequence[str] = ()
    signatories: Sequence[Signatory] = ()


def exchange_heading(exchange: Exchange, signatories: Sequence[Signatory]) -> Heading:
    about = [
        _("Exchange: %(title)s", title=exchange.title),
        *([_("Date: %(day)s", day=input_text(exchange.held_on))] if exchange.held_on else []),
        *([_("Place: %(place)s", place=exchange.place)] if exchange.place else []),
        *([_("Stage: %(stage)s", stage=exchange.stage)] if exchange.stage else []),
        *(
            [_("Reference numbers: %(refs)s", refs="; ".join(exchange.document_refs.splitlines()))]
            if exchange.document_refs.strip()
            else []
        ),
    ]
    return Heading(_("List of people"), about, signatories)


def version_heading(version: ExchangeListVersion, signatories: Sequence[Signatory]) -> Heading:
    """The exchange's heading, titled with the version's number and saying when and with
    which document it was handed over."""
    about = [
        *exchange_heading(version.exchange, signatories).about,
        *(
            [_("Handed over on: %(day)s", day=input_text(version.handed_over_on))]
            if version.handed_over_on
            else []
        ),
        *([_("Document reference: %(note)s", note=version.note)] if version.note else []),
    ]
    return Heading(_("List of people, version %(n)d", n=version.number), about, signatories)


def export_people(
    people: Iterable[ExportPerson],
    fmt: str,
    script: Script,
    heading: Heading,
    filename_stem: str,
    *,
    today: date | None = None,
) -> Response:
    """A download of ``people`` in ``script``: CSV (UTF-8 with a byte order mark, safe against
    formulas), XLSX, or a PDF with page numbers and a signature block."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    rows = _rows(people, script)
    if fmt != "pdf":
        return export_response(filename_stem, _headers(), rows, fmt)
    about = [*heading.about, _("Names written: %(script)s", script=SCRIPT_LABELS[script])]
    document = PdfDocument(
        title=heading.title,
        about=about,
        headers=_headers(),
        page_label=_("Page %(page)s of %(pages)s", page="{page}", pages="{pages}"),
        signature_heading=_("Signatures"),
        signatories=heading.signatories,
        date_line=_("Date: %(day)s", day=input_text(today or date.today())),
        signature_label=_("Signature:"),
        column_widths=(4, 10, 16, 14, 16, 10, 12, 10, 20),
        empty_text=_("No people listed."),
    )
    return pdf_response(filename_stem, write_pdf(document, rows))
