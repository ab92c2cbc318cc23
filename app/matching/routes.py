from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache, partial

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import Row, Select, bindparam, select
from sqlalchemy.orm import joinedload

from app import tallies
from app.audit.models import AuditAction
from app.audit.services import record, record_list_read
from app.auth.permissions import Permission, require
from app.cases.models import Case
from app.extensions import db
from app.forms import form_html
from app.jobs import get_progress
from app.matching import services
from app.matching.forms import (
    ConfirmForm,
    GivenNameForm,
    MatchDecisionForm,
    QueueFilterForm,
    RejectForm,
    RunForm,
)
from app.matching.labels import label_maps, level_class
from app.matching.models import CandidateStatus, MatchCandidate, MatchingRun, RunStatus
from app.matching.notes import (
    render_capped,
    render_date,
    render_note,
    render_value,
    shown_notes,
)
from app.matching.quality import reviewed_precision
from app.matching.review import (
    MatchError,
    approval_queue,
    band_holds,
    can_review,
    can_see,
    confirm,
    decide,
    queue_rows,
    queue_sort,
    reject,
    review_queue_reading,
)
from app.matching.table import candidate_rows_html
from app.records.models import PartnerRecord, PartnerSource
from app.sqlite import brief_write
from app.web import database_int, flash_form_errors, safe_local_url

bp = Blueprint("matching", __name__)


def _load(candidate_id: int, review: bool = False) -> MatchCandidate:
    """Load (404), then 403 unless this user may see (or review) every case of the pair."""
    candidate = db.session.execute(
        _candidate_page_statement(), {"candidate_id": candidate_id}
    ).scalar()
    if candidate is None:
        abort(404)
    allowed = can_review if review else can_see
    if not allowed(current_user, candidate):
        abort(403)
    return candidate


@cache
def _candidate_page_statement() -> Select:
    # The candidate with all the page shows of it, in one statement (the cases, their lists
    # and caseworkers, the record and its source, the reviewers were six statements of their
    # own, each a round trip to a PostgreSQL server); built once, the id a parameter (see
    # app/cases/services.py _latest_events_statement).
    def shown_case(relation):
        return joinedload(relation).options(
            joinedload(Case.source_list), joinedload(Case.assigned_to)
        )

    return (
        select(MatchCandidate)
        .where(MatchCandidate.id == bindparam("candidate_id"))
        .options(
            shown_case(MatchCandidate.case),
            shown_case(MatchCandidate.other_case),
            joinedload(MatchCandidate.record).joinedload(PartnerRecord.source),
            joinedload(MatchCandidate.reviewed_by),
            joinedload(MatchCandidate.decided_by),
        )
    )


def _back(candidate: MatchCandidate):
    """Back where the button was pressed: the candidate page or a queue (same-site only)."""
    return redirect(
        safe_local_url(request.form.get("next"), "matching.show", candidate_id=candidate.id)
    )


@bp.route("/matches/<int:candidate_id>")
@require(Permission.MATCH_REVIEW, reads_only=True)
def show(candidate_id: int):
    """The case and the record (or the two cases) side by side, field by field."""
    return _candidate_page(_load(candidate_id))


def _candidate_page(
    candidate: MatchCandidate,
    confirm_form: ConfirmForm | None = None,
    reject_form: RejectForm | None = None,
):
    """The candidate page, with a refused confirmation or rejection as it was typed (its
    errors at the top and beside the reason), so that nothing written is lost."""
    with brief_write():
        for case in (candidate.case, candidate.other_case):
            if case is not None:
                record(AuditAction.READ, case)
        if candidate.record is not None:
            record(AuditAction.READ, candidate.record)
    may_review = can_review(current_user, candidate)
    may_approve = current_user.can(Permission.MATCH_APPROVE)
    # The forms it shows, as markup (app.forms.form_html: blank ones are kept).
    forms: dict[str, Markup] = {}
    if candidate.status == CandidateStatus.PROPOSED and may_review:
        has_record = candidate.record is not None
        forms["confirm_form"] = form_html(
            "matching/_confirm_form.html",
            partial(ConfirmForm, formdata=None),
            confirm_form,
            action=url_for("matching.confirm_candidate", candidate_id=candidate.id),
            variant=(has_record, may_approve),
            has_record=has_record,
            may_approve=may_approve,
        )
        forms["reject_form"] = form_html(
            "matching/_reject_form.html",
            partial(RejectForm, formdata=None),
            reject_form,
            action=url_for("matching.reject_candidate", candidate_id=candidate.id),
        )
    elif candidate.status == CandidateStatus.AWAITING_APPROVAL and may_approve:
        forms["decision_form"] = form_html(
            "matching/_decision_form.html",
            partial(MatchDecisionForm, formdata=None),
            action=url_for("matching.decide_candidate", candidate_id=candidate.id),
        )
    return render_template(
        "matching/show.html",
        candidate=candidate,
        fields=candidate.explanation.get("fields") or [],
        may_review=may_review,
        may_approve=may_approve,
        **forms,
    )


@bp.route("/matches/<int:candidate_id>/confirm", methods=["POST"])
@require(Permission.MATCH_REVIEW)
def confirm_candidate(candidate_id: int):
    candidate = _load(candidate_id, review=True)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _candidate_page(candidate, confirm_form=form)
    try:
        confirm(candidate, current_user, form.reason.data, advance_status=form.advance_status.data)
    except MatchError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        if candidate.status == CandidateStatus.CONFIRMED:
            flash(_("Match confirmed."), "success")
        else:
            flash(_("Match confirmed; it waits for a supervisor's approval."), "success")
    return _back(candidate)


@bp.route("/matches/<int:candidate_id>/reject", methods=["POST"])
@require(Permission.MATCH_REVIEW)
def reject_candidate(candidate_id: int):
    candidate = _load(candidate_id, review=True)
    form = RejectForm()
    if not form.validate_on_submit():
        return _candidate_page(candidate, reject_form=form)
    try:
        reject(candidate, current_user, form.reason.data)
    except MatchError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Match rejected. This pair will not be proposed again."), "success")
    return _back(candidate)


@bp.route("/matches/<int:candidate_id>/decide", methods=["POST"])
@require(Permission.MATCH_APPROVE)
def decide_candidate(candidate_id: int):
    candidate = _load(candidate_id)
    form = MatchDecisionForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back(candidate)
    approve = bool(form.approve.data)
    try:
        decide(candidate, current_user, approve=approve, note=form.note.data or "")
    except MatchError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Match approved.") if approve else _("Match sent back."), "success")
    return _back(candidate)


def _queue_page(query: Select | None, **kwargs):
    """A page of a queue of candidates as :class:`~app.matching.review.QueueRow`: the page's
    ids in the queue's order, then their rows in one statement, with the read recorded for
    the audit trail (the cases and records the page names). The ids are those of ``query``
    (a select of candidates), or those ``read=`` gives (``db.paginate``'s)."""
    page = db.paginate(
        query.with_only_columns(MatchCandidate.id) if query is not None else None,
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
        **kwargs,
    )
    page.items = queue_rows(page.items)
    record_list_read(
        *(row.case for row in page.items),
        *(row.other_case or row.record for row in page.items),
    )
    return page


@bp.route("/matches")
@require(Permission.MATCH_APPROVE, reads_only=True)
def queue():
    """Candidates across all cases: likely proposals first by default, with counts."""
    args = request.args
    filter_form = _filter_form(db.read(_sources_statement()).all())
    # What the form's selects hold (a value sent, else the default; see _filter_form).
    band = args.get("band") or "likely"
    status = args.get("status") or CandidateStatus.PROPOSED.value
    kind = args.get("kind") or None
    source_id = request.args.get("source", type=database_int) or None
    sort = queue_sort(request.args.get("sort"))
    page_ids, count = review_queue_reading(
        band=None if band == "all" else band,
        status=status,
        kind=kind,
        source_id=source_id,
        sort=sort,
    )
    # The totals by status and band give the status cards and, unless the list is narrowed to
    # a kind or a source, the list's own total. The database keeps them (app/tallies.py): a
    # grouped count read every candidate's index entry (38,563 at national scale, 6-9 ms).
    by_band = tallies.candidate_totals()
    counts: dict[str, int] = {}
    for row_status, _likely, n in by_band:
        counts[row_status] = counts.get(row_status, 0) + n
    total: int | Callable[[], int] = count
    if kind is None and source_id is None:
        total = sum(
            n
            for row_status, likely, n in by_band
            if row_status == status and band_holds(band, likely)
        )
    page = _queue_page(None, read=page_ids, total=total)
    return render_template(
        "matching/queue.html", filter_form=filter_form, page=page, counts=counts, sort=sort
    )


def _filter_form(sources: Sequence[Row]) -> Markup:
    """The queue's filter form as the request chose (the partner ``sources`` (id, name) to
    choose from): kept as markup per choice, language and list of sources (app.forms.form_html).
    Its four selects were a seventh of the queue's Python calls, and the same choice shows the
    same form to everyone. A value no select offers is shown as WTForms validates it, with its
    error, and not kept (anyone can send any value). What is kept names no person: the four
    choices and the partner sources' names."""
    chosen = tuple(map(request.args.get, _FILTERS))
    offered = (*_filter_values(), {"", *[str(s.id) for s in sources]})
    build = partial(_queue_filter_form, sources)
    refused = None
    if not all(
        [value is None or value in values for value, values in zip(chosen, offered, strict=True)]
    ):
        refused = build()
        refused.validate()
    return form_html(
        "matching/_queue_filter_form.html",
        build,
        refused,
        action="",  # a GET form to this page: it names no action
        variant=(chosen, tuple(map(tuple, sources))),
    )


_FILTERS = ("band", "status", "kind", "source")


@cache
def _filter_values() -> tuple[frozenset[str], ...]:
    """The values the band, status and kind selects offer."""
    return tuple(
        frozenset(choice.value for choice in getattr(QueueFilterForm, name).kwargs["choices"])
        for name in _FILTERS[:3]
    )


def _queue_filter_form(sources: Sequence[Row]) -> QueueFilterForm:
    form = QueueFilterForm(request.args)
    form.source.choices = [("", _("all"))] + [(str(s.id), s.name) for s in sources]
    return form


# The match queue's statement that takes no values, built once: SQLAlchemy keys a statement
# for its cache of compiled SQL on every execution unless it is the same object.
@cache
def _sources_statement() -> Select:
    return select(PartnerSource.id, PartnerSource.name).order_by(PartnerSource.name)


@bp.route("/matches/approvals")
@require(Permission.MATCH_APPROVE, reads_only=True)
def approvals():
    """Caseworkers' confirmations waiting for a supervisor, oldest first."""
    page = _queue_page(approval_queue())
    return render_template("matching/approvals.html", page=page, form=MatchDecisionForm())


@bp.route("/matches/runs", methods=["GET", "POST"])
@require(Permission.MATCH_APPROVE)
def runs():
    """The last runs of the engine, and a button to start one."""
    form = RunForm()
    if form.validate_on_submit():
        run = services.new_run(form.scope.data == "full", "manual", current_user.id)
        db.session.commit()
        services.start_in_background(run)
        return redirect(url_for("matching.run_show", run_id=run.id))
    if request.method == "POST":
        flash_form_errors(form)
    if services.mark_interrupted_runs():
        db.session.commit()
    return render_template(
        "matching/runs.html", runs=services.latest_runs(), form=form, reviewed=reviewed_precision()
    )


@bp.route("/matches/runs/<int:run_id>")
@require(Permission.MATCH_APPROVE)
def run_show(run_id: int):
    run = db.get_or_404(MatchingRun, run_id)
    if run.status == RunStatus.RUNNING and services.mark_interrupted_runs():
        db.session.commit()
    return render_template("matching/run.html", run=run)


@bp.route("/matches/runs/<int:run_id>/progress")
@require(Permission.MATCH_APPROVE)
def run_progress(run_id: int):
    """JSON for the progress bar: {done, total, finished, message, status}."""
    run = db.get_or_404(MatchingRun, run_id)
    state = get_progress(run.job_key)
    finished = run.status != RunStatus.RUNNING
    payload = {
        "done": state.done if state else 0,
        "total": state.total if state else 0,
        "finished": finished or bool(state and state.finished),
        "status": run.status,
    }
    if payload["finished"]:
        payload["message"] = _("Finished.")
    else:
        done = state.items if state else 0
        payload["message"] = ngettext(
            "%(n)s record compared", "%(n)s records compared", done, n=format_decimal(done)
        )
    return jsonify(payload)


@bp.route("/matches/given-names", methods=["GET", "POST"])
@require(Permission.USER_MANAGE)
def given_names():
    """Admins extend the shipped table of given names (no case content on this page)."""
    form = GivenNameForm()
    if form.validate_on_submit():
        try:
            entry = services.add_given_name(
                form.canonical.data.strip(),
                form.sex.data,
                form.split(form.variants.data),
                form.split(form.diminutives.data),
                current_user,
            )
        except MatchError as error:
            db.session.rollback()
            form.canonical.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Given name %(name)s added.", name=entry.canonical), "success")
            return redirect(url_for("matching.given_names"))
    entries = db.session.scalars(services.given_name_entries()).all()
    return render_template("matching/given_names.html", form=form, entries=entries)


bp.add_app_template_filter(shown_notes, "shown_notes")
bp.add_app_template_filter(render_note, "match_note")
bp.add_app_template_filter(render_value, "match_value")
bp.add_app_template_filter(render_date, "match_date")
bp.add_app_template_filter(render_capped, "match_capped")


@bp.app_template_filter("format_decimal")
def format_decimal_filter(number: float) -> str:
    return format_decimal(number)


bp.add_app_template_global(level_class, "match_level_class")
bp.add_app_template_global(candidate_rows_html)
# The label tables, in the reader's language, to every template (the case page shows a case's
# candidates).
bp.app_context_processor(label_maps)
