"""Reports on exchanges and lists for the other side: per exchange and per source list, a page
with charts and an export form, the report as CSV, and the people as CSV, XLSX or PDF."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.audit.models import AuditAction
from app.audit.services import record
from app.auth.permissions import Permission, require
from app.cases.charts import ordered_bars
from app.cases.models import SourceList
from app.exchanges import services
from app.exchanges.exports import (
    FORMATS,
    OPEN_STATES,
    ExportPerson,
    Heading,
    exchange_heading,
    export_people,
    people_of_lines,
    people_of_source_list,
    people_of_version,
    version_heading,
)
from app.exchanges.labels import LINE_STATE_LABELS, template_context
from app.exchanges.models import Exchange, ExchangeListVersion, LineState
from app.exchanges.report_forms import OPEN, ExportForm
from app.exchanges.reports import BUCKETS, ExchangeReport, exchange_report, source_list_report
from app.extensions import db
from app.forms import choices
from app.names.scripts import Script
from app.reports.exports import export_response
from app.reports.pdf import Signatory

bp = Blueprint("exchange_reports", __name__)


def _load(exchange_id: int) -> Exchange:
    exchange = db.get_or_404(Exchange, exchange_id)
    if not services.can_read_exchange(current_user, exchange):
        abort(403)
    return exchange


def _export_form(exchange: Exchange | None, formdata: Any = None) -> ExportForm:
    form = ExportForm(formdata=formdata)
    categories = exchange.categories if exchange is not None else []
    form.category.choices = choices([("", _("Any")), *((str(c.id), c.name) for c in categories)])
    if formdata is None:
        form.signer_name.data = current_user.name
    return form


def _valid_export_form(exchange: Exchange | None) -> ExportForm:
    """The export's choices from the query string; 400 when one is not on offer (an unknown
    script, another exchange's category)."""
    form = _export_form(exchange, request.args)
    if not form.validate():
        abort(400)
    return form


def _signatories(form: ExportForm) -> list[Signatory]:
    pairs = (
        (form.signer_name.data, form.signer_position.data),
        (form.second_signer_name.data, form.second_signer_position.data),
    )
    return [
        Signatory((name or "").strip(), (position or "").strip())
        for name, position in pairs
        if (name or "").strip() or (position or "").strip()
    ]


def _charts(report: ExchangeReport) -> dict[str, Any]:
    buckets = {
        "week": _("Up to 7 days"),
        "month": _("8 to 30 days"),
        "quarter": _("31 to 90 days"),
        "longer": _("Over 90 days"),
    }
    order = [(key, buckets[key]) for key, _bound in BUCKETS]
    categories = [
        (str(i), name or _("No category")) for i, (name, _n) in enumerate(report.categories)
    ]
    return {
        "state_chart": ordered_bars(LINE_STATE_LABELS.items(), report.states),
        "category_chart": ordered_bars(
            categories, {str(i): n for i, (_name, n) in enumerate(report.categories)}
        ),
        "answer_chart": ordered_bars(order, report.to_answer_buckets),
        "handover_chart": ordered_bars(order, report.to_handover_buckets),
    }


def _report_rows(report: ExchangeReport) -> list[tuple[str, str, str, Any]]:
    rows: list[tuple[str, str, str, Any]] = [
        ("state", state.value, str(LINE_STATE_LABELS[state]), report.states.get(state, 0))
        for state in LineState
    ]
    rows += [("category", name, name or _("No category"), n) for name, n in report.categories]
    for measure, spread in (
        ("days_listing_to_answer", report.to_answer),
        ("days_answer_to_handover", report.to_handover),
    ):
        for key in ("count", "median", "lower_quartile", "upper_quartile", "shortest", "longest"):
            value = getattr(spread, key)
            rows.append((measure, key, "", "" if value is None else value))
    return rows


REPORT_HEADERS = ("measure", "key", "label", "value")


# --- one exchange -----------------------------------------------------------------------------


@bp.route("/exchanges/<int:exchange_id>/report")
@require(Permission.EXCHANGE_READ, reads_only=True)
def exchange_page(exchange_id: int):
    """Numbers only (as the exchange page's progress), and the form of an export."""
    exchange = _load(exchange_id)
    report = exchange_report(exchange)
    return render_template(
        "exchanges/report.html",
        exchange=exchange,
        source_list=None,
        report=report,
        form=_export_form(exchange),
        **_charts(report),
        **template_context(),
    )


@bp.route("/exchanges/<int:exchange_id>/report.csv")
@require(Permission.EXPORT_RUN)
def exchange_report_csv(exchange_id: int):
    exchange = _load(exchange_id)
    report = exchange_report(exchange)
    record(AuditAction.EXPORT, exchange, detail={"what": "report", "format": "csv"})
    db.session.commit()
    return export_response(
        f"exchange-{exchange.id}-report", REPORT_HEADERS, _report_rows(report), "csv"
    )


@bp.route("/exchanges/<int:exchange_id>/export.<fmt>")
@require(Permission.EXPORT_RUN)
def exchange_export(exchange_id: int, fmt: str):
    """The people of the exchange this user may read, filtered as chosen, for the other side."""
    if fmt not in FORMATS:
        abort(404)
    exchange = _load(exchange_id)
    form = _valid_export_form(exchange)
    state = form.state.data or ""
    category = int(form.category.data) if form.category.data else None
    lines = services.exchange_lines(
        current_user, exchange, state if state in set(LineState) else None, category
    ).shown
    if state == OPEN:
        lines = [line for line in lines if line.state in OPEN_STATES]
    # Read before the commit below expires the lines: the download is built from plain rows.
    people = list(people_of_lines(lines))
    heading = exchange_heading(exchange, _signatories(form))
    detail = {"state": state, "category": category}
    return _export(exchange, people, fmt, form, heading, f"exchange-{exchange.id}", detail)


@bp.route("/exchanges/<int:exchange_id>/versions/<int:version_id>/export.<fmt>")
@require(Permission.EXPORT_RUN)
def version_export(exchange_id: int, version_id: int, fmt: str):
    """A list version's people as handed over, those this user may read, for the other side."""
    if fmt not in FORMATS:
        abort(404)
    exchange = _load(exchange_id)
    version = db.session.get(ExchangeListVersion, version_id)
    if version is None or version.exchange_id != exchange.id:
        abort(404)
    form = _valid_export_form(None)
    people = people_of_version(current_user, version)
    heading = version_heading(version, _signatories(form))
    stem = f"exchange-{exchange.id}-version-{version.number}"
    detail = {"exchange_id": exchange.id, "number": version.number}
    return _export(version, people, fmt, form, heading, stem, detail)


# --- one source list --------------------------------------------------------------------------


@bp.route("/source-lists/<int:source_list_id>/exchange-report")
@require(Permission.EXCHANGE_READ, reads_only=True)
def list_page(source_list_id: int):
    """Over every exchange the list's cases were in, as far as this reader may read them."""
    source_list = db.get_or_404(SourceList, source_list_id)
    report = source_list_report(current_user, source_list)
    return render_template(
        "exchanges/report.html",
        exchange=None,
        source_list=source_list,
        report=report,
        form=_export_form(None),
        **_charts(report),
        **template_context(),
    )


@bp.route("/source-lists/<int:source_list_id>/exchange-report.csv")
@require(Permission.EXPORT_RUN)
def list_report_csv(source_list_id: int):
    if not current_user.can(Permission.EXCHANGE_READ):
        abort(403)
    source_list = db.get_or_404(SourceList, source_list_id)
    report = source_list_report(current_user, source_list)
    record(AuditAction.EXPORT, source_list, detail={"what": "exchange_report", "format": "csv"})
    db.session.commit()
    return export_response(
        f"list-{source_list.id}-exchange-report", REPORT_HEADERS, _report_rows(report), "csv"
    )


@bp.route("/source-lists/<int:source_list_id>/people.<fmt>")
@require(Permission.EXPORT_RUN)
def list_export(source_list_id: int, fmt: str):
    """The list's cases this user may read, each with its latest exchange line."""
    if fmt not in FORMATS:
        abort(404)
    if not (current_user.can(Permission.EXCHANGE_READ) and current_user.can(Permission.CASE_READ)):
        abort(403)
    source_list = db.get_or_404(SourceList, source_list_id)
    form = _valid_export_form(None)
    people = people_of_source_list(current_user, source_list)
    heading = Heading(
        _("List of people: %(name)s", name=source_list.name),
        [source_list.organisation] if source_list.organisation else [],
        _signatories(form),
    )
    # A source list holds cases only: its audit names no partner records.
    stem = f"list-{source_list.id}-people"
    return _export(source_list, people, fmt, form, heading, stem, {}, with_records=False)


def _export(
    target: Any,
    people: list[ExportPerson],
    fmt: str,
    form: ExportForm,
    heading: Heading,
    stem: str,
    detail: dict[str, Any],
    with_records: bool = True,
):
    """Audit an export of ``people`` (who was named, in which format and script), commit, and
    send the file: the one way every list for the other side leaves the application."""
    named: dict[str, Any] = {
        "what": "people",
        "format": fmt,
        "script": form.script.data,
        **detail,
        "rows": len(people),
        "cases": sorted(p.case_id for p in people if p.case_id),
    }
    if with_records:
        named["records"] = sorted(p.record_id for p in people if p.record_id)
    record(AuditAction.EXPORT, target, detail=named)
    db.session.commit()
    return export_people(people, fmt, Script(form.script.data), heading, stem)
