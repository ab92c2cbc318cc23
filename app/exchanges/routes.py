"""Exchange pages: the list, one exchange with its people, and the forms that change them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from app.audit.models import AuditAction
from app.audit.services import record, record_list_read
from app.auth.permissions import Permission, require
from app.cases.access import can_read_case
from app.cases.charts import ordered_bars
from app.cases.labels import SEX_LABELS
from app.cases.models import Case, SourceList, parse_case_number
from app.exchanges import remains, services, versions
from app.exchanges.forms import (
    DeceasedDecisionForm,
    DeceasedProposalForm,
    ExchangeForm,
    ExchangeStatusForm,
    LineAddForm,
    LineFilterForm,
    LineStateForm,
    RemainsDecisionForm,
    RemainsFilterForm,
    RemainsForm,
    RemainsLinkForm,
    SecondPersonDecision,
    SourceListLinesForm,
    VersionForm,
    VersionPairForm,
    WhereHeldForm,
)
from app.exchanges.labels import (
    LINE_STATE_LABELS,
    STATUS_LABELS,
    VERSION_FIELD_LABELS,
    template_context,
)
from app.exchanges.models import (
    Exchange,
    ExchangeKind,
    ExchangeLine,
    ExchangeListVersion,
    ExchangeRemains,
    LineState,
)
from app.exchanges.report_forms import ExportForm
from app.exchanges.unanswered import unanswered_count
from app.exchanges.workflow import ExchangeError, exchange_targets, line_targets
from app.extensions import db
from app.forms import PrefixedForm, choices
from app.records.models import PartnerRecord
from app.sqlite import reads_only_from_here
from app.web import add_form_error, database_int

bp = Blueprint("exchanges", __name__)


def _load(exchange_id: int) -> Exchange:
    """Load, 404 when missing, 403 when this user may not read it."""
    exchange = db.get_or_404(Exchange, exchange_id)
    if not services.can_read_exchange(current_user, exchange):
        abort(403)
    return exchange


def _load_line(exchange_id: int, line_id: int) -> ExchangeLine:
    """A line of a readable exchange; 404 for a line of another exchange, 403 for a line of a
    case this reader may not open (its existence is no secret: the page counts it)."""
    exchange = _load(exchange_id)
    line = db.session.get(ExchangeLine, line_id)
    if line is None or line.exchange_id != exchange.id:
        abort(404)
    if line.case is not None and not can_read_case(current_user, line.case):
        abort(403)
    return line


def _category_choices(exchange: Exchange, blank: str) -> list:
    return choices([("", blank), *((str(c.id), c.name) for c in exchange.categories)])


def _source_list_choices() -> list:
    lists = db.session.scalars(select(SourceList).order_by(SourceList.name)).all()
    return choices([("", "—"), *((str(s.id), s.name) for s in lists)])


@bp.route("/exchanges")
@require(Permission.EXCHANGE_READ, reads_only=True)
def index():
    page = db.paginate(services.visible_exchanges(current_user), per_page=50, error_out=False)
    return render_template("exchanges/index.html", page=page, **template_context())


@bp.route("/exchanges/new", methods=["GET", "POST"])
@require(Permission.EXCHANGE_MANAGE)
def new():
    form = ExchangeForm()
    if form.validate_on_submit():
        try:
            categories = services.parse_categories(form.categories_text.data or "")
            exchange = services.create_exchange(
                current_user, categories=categories, **form.exchange_fields()
            )
        except ExchangeError as error:
            db.session.rollback()
            add_form_error(form, str(error), error.field)
        else:
            db.session.commit()
            flash(_("Exchange recorded."), "success")
            return redirect(url_for("exchanges.show", exchange_id=exchange.id))
    return render_template("exchanges/form.html", form=form, exchange=None)


@bp.route("/exchanges/<int:exchange_id>/edit", methods=["GET", "POST"])
@require(Permission.EXCHANGE_MANAGE)
def edit(exchange_id: int):
    exchange = _load(exchange_id)
    form = ExchangeForm(obj=exchange)
    if request.method == "GET":
        form.categories_text.data = "\n".join(
            f"{c.name} = {c.quota}" if c.quota is not None else c.name for c in exchange.categories
        )

    def act() -> None:
        categories = services.parse_categories(form.categories_text.data or "")
        services.update_exchange(
            exchange, current_user, categories=categories, **form.exchange_fields()
        )

    done = url_for("exchanges.show", exchange_id=exchange.id)
    response = _submitted(form, act, _("Exchange saved."), done)
    return response or render_template("exchanges/form.html", form=form, exchange=exchange)


@bp.route("/exchanges/<int:exchange_id>")
@require(Permission.EXCHANGE_READ)
def show(exchange_id: int):
    exchange = _load(exchange_id)
    return _exchange_page(exchange)


def _exchange_page(exchange: Exchange, refused: PrefixedForm | None = None):
    """The exchange with the people this reader may see; refused: a posted form shown again
    with its errors."""
    filters = LineFilterForm(request.args)
    filters.category.choices = _category_choices(exchange, _("Any"))
    state = filters.state.data if filters.state.data in set(LineState) else None
    category = request.args.get("category", type=database_int)
    as_of, keep = _prisoner_filters(exchange, filters)
    lines = services.exchange_lines(current_user, exchange, state, category, keep)
    # Who read which person's name on this page, like any list of cases.
    record(AuditAction.READ, exchange)
    db.session.commit()
    reads_only_from_here()
    record_list_read(*(line.case or line.record for line in lines.shown))
    counts = services.state_counts(exchange)
    forms: dict[str, Any] = {
        form_class.prefix_name + "_form": form_class(formdata=None)
        for form_class in (
            ExchangeStatusForm,
            LineAddForm,
            SourceListLinesForm,
            LineStateForm,
            DeceasedProposalForm,
            DeceasedDecisionForm,
            VersionForm,
            WhereHeldForm,
            RemainsForm,
        )
    }
    if refused is not None:
        forms[refused.prefix_name + "_form"] = refused
    forms["status_form"].target.choices = choices(
        (m.target, STATUS_LABELS[m.target]) for m in exchange_targets(exchange.status)
    )
    forms["line_form"].category.choices = _category_choices(exchange, "—")
    forms["from_list_form"].category.choices = _category_choices(exchange, "—")
    if current_user.can(Permission.EXCHANGE_MANAGE):
        forms["from_list_form"].source_list.choices = _source_list_choices()
    _suggest_family_step(forms["decision_form"])
    return render_template(
        "exchanges/show.html",
        exchange=exchange,
        lines=lines,
        filters=filters,
        counts=counts,
        total=sum(counts.values()),
        chart=ordered_bars(LINE_STATE_LABELS.items(), counts),
        categories=services.category_counts(exchange),
        events=services.exchange_timeline(current_user, exchange),
        line_moves={line.id: line_targets(line.state) for line in lines.shown},
        may_propose={
            line.id: services.can_propose_deceased(current_user, line) for line in lines.shown
        },
        list_versions=versions.list_versions(exchange),
        unanswered=unanswered_count(current_user, exchange.id),
        as_of=as_of,
        young_ages=services.line_age_flags(lines.shown, as_of) if as_of else {},
        **forms,
        **_remains_section(exchange),
        **template_context(),
    )


def _suggest_family_step(form: SecondPersonDecision) -> None:
    """What a second person's approval asks next, suggested where nothing was typed: tell the
    family in person, within FAMILY_CONTACT_DAYS."""
    if form.family_step_due.data is None:
        form.family_step_due.data = date.today() + timedelta(days=services.FAMILY_CONTACT_DAYS)
    if not form.family_step.data:
        form.family_step.data = _("Tell the family in person")


def _act(
    exchange_id: int,
    form_class: type[PrefixedForm],
    action: Callable[[Exchange, Any], None],
    success: str | Callable[[], str],
):
    """The shape of every small POST on an exchange page: load, validate, act, commit; a
    refused form shows the page again with what was typed and what is wrong. ``success``:
    the message, or a function that words it once the action is done."""
    exchange = _load(exchange_id)
    form = form_class()
    if hasattr(form, "category"):
        form.category.choices = _category_choices(exchange, "—")
    if hasattr(form, "source_list"):
        form.source_list.choices = _source_list_choices()
    done = url_for("exchanges.show", exchange_id=exchange_id)
    response = _submitted(form, lambda: action(exchange, form), success, done)
    return response or _exchange_page(db.get_or_404(Exchange, exchange_id), refused=form)


def _submitted(
    form: FlaskForm, act: Callable[[], None], success: str | Callable[[], str], done: str
):
    """Validate, act, commit and go to ``done``; None when the form was refused (the caller
    shows its page again, with what was typed and what is wrong). ``success``: the message,
    or a function that words it once the action is done."""
    if form.validate_on_submit():
        try:
            act()
        except ExchangeError as error:
            db.session.rollback()
            add_form_error(form, str(error), error.field)
        else:
            db.session.commit()
            flash(success() if callable(success) else success, "success")
            return redirect(done)
    return None


@bp.route("/exchanges/<int:exchange_id>/status", methods=["POST"])
@require(Permission.EXCHANGE_MANAGE)
def status(exchange_id: int):
    def act(exchange: Exchange, form: ExchangeStatusForm) -> None:
        services.change_exchange_status(
            exchange, current_user, form.target.data, form.reason.data or ""
        )

    return _act(exchange_id, ExchangeStatusForm, act, _("Status changed."))


@bp.route("/exchanges/<int:exchange_id>/lines", methods=["POST"])
@require(Permission.EXCHANGE_MANAGE)
def line_add(exchange_id: int):
    def act(exchange: Exchange, form: LineAddForm) -> None:
        case = partner_record = None
        number = (form.case_number.data or "").strip()
        if number:
            case_id = parse_case_number(number)
            case = db.session.get(Case, case_id) if case_id else None
            if case is None:
                raise ExchangeError(_("No such case."), "case_number")
        if (form.record_id.data or "").strip():
            record_id = _number(form.record_id.data)
            partner_record = db.session.get(PartnerRecord, record_id) if record_id else None
            if partner_record is None:
                raise ExchangeError(_("No such partner record."), "record_id")
        category = int(form.category.data) if (form.category.data or "").isdigit() else None
        services.add_line(
            exchange, current_user, case=case, partner_record=partner_record, category_id=category
        )

    return _act(exchange_id, LineAddForm, act, _("Person added."))


@bp.route("/exchanges/<int:exchange_id>/lines/source-list", methods=["POST"])
@require(Permission.EXCHANGE_MANAGE)
def lines_from_source_list(exchange_id: int):
    """Everyone on a source list (the 339 children) as lines; again: only the newcomers."""
    added: list[ExchangeLine] = []

    def act(exchange: Exchange, form: SourceListLinesForm) -> None:
        source_list = db.session.get(SourceList, int(form.source_list.data))
        if source_list is None:
            raise ExchangeError(_("No such source list."), "source_list")
        category = int(form.category.data) if (form.category.data or "").isdigit() else None
        added.extend(
            services.add_source_list(exchange, current_user, source_list, category_id=category)
        )

    def said() -> str:
        if not added:
            return _("Everyone on this list is already listed.")
        return ngettext("%(num)d person added.", "%(num)d people added.", len(added))

    return _act(exchange_id, SourceListLinesForm, act, said)


def _number(value: str) -> int | None:
    try:
        return database_int(value.strip())
    except ValueError:
        return None


def _line_action(
    exchange_id: int,
    line_id: int,
    form_class: type[PrefixedForm],
    action: Callable[[ExchangeLine, Any], None],
    success: str,
):
    line = _load_line(exchange_id, line_id)
    return _act(exchange_id, form_class, lambda _exchange, form: action(line, form), success)


@bp.route("/exchanges/<int:exchange_id>/lines/<int:line_id>/state", methods=["POST"])
@require(Permission.EXCHANGE_MANAGE)
def line_state(exchange_id: int, line_id: int):
    def act(line: ExchangeLine, form: LineStateForm) -> None:
        services.change_line_state(
            line,
            current_user,
            form.target.data,
            reason=form.reason.data or "",
            other_side_reason=form.other_side_reason.data or "",
            expected_version=form.expected_version(),
        )

    return _line_action(exchange_id, line_id, LineStateForm, act, _("State changed."))


@bp.route("/exchanges/<int:exchange_id>/lines/<int:line_id>/deceased", methods=["POST"])
@require(Permission.EXCHANGE_READ)
def deceased_propose(exchange_id: int, line_id: int):
    def act(line: ExchangeLine, form: DeceasedProposalForm) -> None:
        services.propose_deceased(
            line, current_user, form.reason.data or "", form.expected_version()
        )

    return _line_action(
        exchange_id,
        line_id,
        DeceasedProposalForm,
        act,
        _("Proposed as deceased; a second person must confirm it."),
    )


@bp.route("/exchanges/<int:exchange_id>/lines/<int:line_id>/deceased/decide", methods=["POST"])
@require(Permission.EXCHANGE_MANAGE)
def deceased_decide(exchange_id: int, line_id: int):
    def act(line: ExchangeLine, form: DeceasedDecisionForm) -> None:
        services.decide_deceased(line, current_user, **form.decision())

    return _line_action(exchange_id, line_id, DeceasedDecisionForm, act, _("Decision saved."))


# --- list versions (app.exchanges.versions) ---------------------------------------------------


def _load_version(exchange_id: int, version_id: int) -> ExchangeListVersion:
    """A version of a readable exchange; 404 for a version of another exchange."""
    exchange = _load(exchange_id)
    version = db.session.get(ExchangeListVersion, version_id)
    if version is None or version.exchange_id != exchange.id:
        abort(404)
    return version


def _version_labels() -> dict[str, Any]:
    return {"field_labels": VERSION_FIELD_LABELS, "sex_labels": SEX_LABELS, **template_context()}


@bp.route("/exchanges/<int:exchange_id>/versions", methods=["POST"])
@require(Permission.EXCHANGE_MANAGE)
def version_make(exchange_id: int):
    def act(exchange: Exchange, form: VersionForm) -> None:
        versions.make_version(
            exchange,
            current_user,
            handed_over_on=form.handed_over_on.data,
            note=form.note.data or "",
            expected_latest=form.expected_latest(),
        )

    return _act(exchange_id, VersionForm, act, _("List version handed over."))


@bp.route("/exchanges/<int:exchange_id>/versions/<int:version_id>")
@require(Permission.EXCHANGE_READ)
def version(exchange_id: int, version_id: int):
    made = _load_version(exchange_id, version_id)
    record(AuditAction.READ, made)
    db.session.commit()
    reads_only_from_here()
    people = versions.version_people(current_user, made)
    record_list_read(*(person.case or person.record for person in people.shown))
    return render_template(
        "exchanges/version.html",
        exchange=made.exchange,
        version=made,
        people=people,
        rows={person.id: versions.row_of(person) for person in people.shown},
        export_form=_version_export_form(),
        **_version_labels(),
    )


def _version_export_form() -> ExportForm:
    """The export form of a version: the script and who signs (a version has no states)."""
    form = ExportForm(formdata=None)
    form.signer_name.data = current_user.name
    return form


def _version_pair(
    exchange: Exchange,
) -> tuple[ExchangeListVersion | None, ExchangeListVersion | None]:
    """The versions ``?old=&new=`` name (ids; 404 for another exchange's), by default the
    latest and the one before ``new``."""
    new_id = request.args.get("new", type=database_int)
    old_id = request.args.get("old", type=database_int)
    new = (
        _load_version(exchange.id, new_id)
        if new_id is not None
        else versions.latest_version(exchange)
    )
    if old_id is not None:
        return _load_version(exchange.id, old_id), new
    return (versions.previous_version(new) if new else None), new


@bp.route("/exchanges/<int:exchange_id>/versions/compare")
@require(Permission.EXCHANGE_READ)
def version_compare(exchange_id: int):
    exchange = _load(exchange_id)
    old, new = _version_pair(exchange)
    pair = VersionPairForm(formdata=None)
    numbers = [(str(v.id), str(v.number)) for v in versions.list_versions(exchange)]
    pair.old.choices = choices([("", "—"), *numbers])
    pair.new.choices = choices(numbers)
    pair.old.data = str(old.id) if old else None
    pair.new.data = str(new.id) if new else None
    if new is not None:
        record(AuditAction.READ, new, detail={"compared_with": old.id if old else None})
    db.session.commit()
    reads_only_from_here()
    comparison = versions.compare_versions(current_user, old, new) if new else None
    if comparison is not None:
        shown = comparison.diff
        rows = [*shown.added, *shown.removed, *(c.new for c in shown.corrected)]
        record_list_read(*versions.people_read(rows))
    return render_template(
        "exchanges/version_compare.html",
        exchange=exchange,
        old=old,
        new=new,
        pair=pair,
        comparison=comparison,
        **_version_labels(),
    )


def _prisoner_filters(
    exchange: Exchange, filters: LineFilterForm
) -> tuple[date | None, Callable[[ExchangeLine], bool] | None]:
    """A prisoner exchange's lines are also filtered by the 18-25 flag on the exchange's date
    (today while it has none) and the health category. Returns that date (None: not a prisoner
    exchange) and the filter (None: nothing to filter)."""
    if exchange.kind != ExchangeKind.PRISONER_EXCHANGE:
        return None, None
    as_of = exchange.held_on or date.today()
    return as_of, services.prisoner_filter(as_of, filters.young.data, filters.health.data)


@bp.route("/exchanges/<int:exchange_id>/lines/<int:line_id>/held", methods=["POST"])
@require(Permission.EXCHANGE_MANAGE)
def line_where_held(exchange_id: int, line_id: int):
    def act(line: ExchangeLine, form: WhereHeldForm) -> None:
        services.report_where_held(
            line,
            current_user,
            form.where_held.data or "",
            form.reported_on.data,
            form.expected_version(),
        )

    return _line_action(exchange_id, line_id, WhereHeldForm, act, _("Where held saved."))


# --- remains (app/exchanges/remains.py) -------------------------------------------------------


def _remains_section(exchange: Exchange) -> dict[str, Any]:
    """A repatriation's page lists its remains, filtered by link, with the counts."""
    if exchange.kind != ExchangeKind.REMAINS_REPATRIATION:
        return {"remains_list": None}
    filters = RemainsFilterForm(request.args)
    shown = remains.remains_list(current_user, exchange, filters.remains.data)
    record_list_read(*(r.line.case for r in shown.shown))
    return {
        "remains_list": shown,
        "remains_filters": filters,
        "remains_counts": remains.remains_counts(exchange),
    }


@bp.route("/exchanges/<int:exchange_id>/remains", methods=["POST"])
@require(Permission.EXCHANGE_MANAGE)
def remains_add(exchange_id: int):
    def act(exchange: Exchange, form: RemainsForm) -> None:
        remains.add_remains(exchange, current_user, **form.remains_fields())

    return _act(exchange_id, RemainsForm, act, _("Remains recorded."))


def _load_remains(remains_id: int) -> ExchangeRemains:
    """Remains of a readable exchange; 403 when linked to a case this reader may not open."""
    found = db.get_or_404(ExchangeRemains, remains_id)
    _load(found.exchange_id)
    if found.line.case is not None and not can_read_case(current_user, found.line.case):
        abort(403)
    return found


def _remains_page(found: ExchangeRemains, refused: PrefixedForm | None = None):
    record(AuditAction.READ, found)
    db.session.commit()
    reads_only_from_here()
    forms: dict[str, Any] = {
        form_class.prefix_name + "_form": form_class(formdata=None)
        for form_class in (RemainsLinkForm, RemainsDecisionForm)
    }
    if refused is not None:
        forms[refused.prefix_name + "_form"] = refused
    _suggest_family_step(forms["link_decision_form"])
    proposed = found.proposed_case
    return render_template(
        "exchanges/remains.html",
        remains=found,
        exchange=found.exchange,
        link_state=remains.link_state(found),
        proposed_readable=proposed is not None and can_read_case(current_user, proposed),
        may_propose=remains.can_propose_link(current_user),
        history=remains.remains_history(current_user, found),
        sex_labels=SEX_LABELS,
        **forms,
        **template_context(),
    )


@bp.route("/exchanges/remains/<int:remains_id>")
@require(Permission.EXCHANGE_READ)
def remains_show(remains_id: int):
    return _remains_page(_load_remains(remains_id))


def _remains_act(
    remains_id: int,
    form_class: type[PrefixedForm],
    action: Callable[[ExchangeRemains, Any], None],
    success: str,
):
    """The shape of a POST on a remains page, as :func:`_act` for an exchange's."""
    found = _load_remains(remains_id)
    form = form_class()
    done = url_for("exchanges.remains_show", remains_id=remains_id)
    response = _submitted(form, lambda: action(found, form), success, done)
    return response or _remains_page(db.get_or_404(ExchangeRemains, remains_id), refused=form)


@bp.route("/exchanges/remains/<int:remains_id>/link", methods=["POST"])
@require(Permission.EXCHANGE_READ)
def remains_link(remains_id: int):
    def act(found: ExchangeRemains, form: RemainsLinkForm) -> None:
        case_id = parse_case_number(form.case_number.data or "")
        case = db.session.get(Case, case_id) if case_id else None
        if case is None:
            raise ExchangeError(_("No such case."), "case_number")
        remains.propose_link(
            found, current_user, case, form.reason.data or "", form.expected_version()
        )

    message = _("Link proposed; a supervisor must confirm it.")
    return _remains_act(remains_id, RemainsLinkForm, act, message)


@bp.route("/exchanges/remains/<int:remains_id>/link/decide", methods=["POST"])
@require(Permission.EXCHANGE_MANAGE)
def remains_decide(remains_id: int):
    def act(found: ExchangeRemains, form: RemainsDecisionForm) -> None:
        remains.decide_link(found, current_user, **form.decision())

    return _remains_act(remains_id, RemainsDecisionForm, act, _("Decision saved."))
