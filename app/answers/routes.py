"""Answer pages: upload the other side's answer file onto an exchange, review the pairings
the engine proposes, and the queue of people still unanswered."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.answers import services
from app.answers.forms import AnswerUploadForm, PairingForm
from app.answers.models import AnswerBatch, AnswerPairing, PairingStatus
from app.answers.words import Answer
from app.audit.models import AuditAction
from app.audit.services import record, record_list_read
from app.auth.permissions import Permission, require
from app.cases.access import can_read_case
from app.exchanges.labels import template_context
from app.exchanges.models import Exchange
from app.exchanges.services import can_read_exchange
from app.exchanges.unanswered import unanswered_query, waiting
from app.exchanges.workflow import ExchangeError
from app.extensions import db
from app.imports.models import ImportBatch
from app.sqlite import reads_only_from_here
from app.web import database_int, flash_form_errors

bp = Blueprint("answers", __name__)

ANSWER_LABELS = {
    Answer.FOUND.value: _l("found"),
    Answer.NOT_FOUND.value: _l("not found"),
    Answer.DECEASED.value: _l("deceased"),
    Answer.REFUSED.value: _l("refused"),
    Answer.HANDED_OVER.value: _l("handed over"),
}


def _load(exchange_id: int) -> Exchange:
    exchange = db.get_or_404(Exchange, exchange_id)
    if not can_read_exchange(current_user, exchange):
        abort(403)
    return exchange


@bp.route("/exchanges/<int:exchange_id>/answers/upload", methods=["GET", "POST"])
@require(Permission.IMPORT_RUN)
def upload(exchange_id: int):
    """The answer file goes through the importer: its preview confirms the columns."""
    exchange = _load(exchange_id)
    if not services.can_import_answers(current_user, exchange):
        abort(403)
    form = AnswerUploadForm()
    if form.validate_on_submit():
        upload_file = form.file.data
        batch = services.create_answer_batch(
            exchange, current_user, upload_file.stream, upload_file.filename or "answers.csv"
        )
        db.session.commit()
        return redirect(url_for("imports.preview", batch_id=batch.id))
    return render_template("answers/upload.html", exchange=exchange, form=form)


@bp.route("/exchanges/<int:exchange_id>/answers")
@require(Permission.EXCHANGE_READ)
def index(exchange_id: int):
    """The exchange's answers with the people they may be about, to confirm or reject."""
    exchange = _load(exchange_id)
    answers = services.exchange_answers(exchange)
    batches = db.session.scalars(
        db.select(ImportBatch)
        .join(AnswerBatch, AnswerBatch.batch_id == ImportBatch.id)
        .where(AnswerBatch.exchange_id == exchange.id)
        .order_by(ImportBatch.id.desc())
    ).all()
    pairings = [p for answer in answers for p in answer.pairings]
    may_review = {p.id: services.can_review(current_user, p) for p in pairings}
    may_see_line = {
        a.id: a.line.case is not None and can_read_case(current_user, a.line.case)
        for a in answers
        if a.line is not None
    }
    record(AuditAction.READ, exchange, detail={"page": "answers"})
    db.session.commit()
    reads_only_from_here()
    shown_cases = [p.line.case for p in pairings if may_review[p.id]]
    shown_cases += [a.line.case for a in answers if a.line is not None and may_see_line[a.id]]
    record_list_read(*(answer.record for answer in answers), *filter(None, shown_cases))
    return render_template(
        "answers/index.html",
        exchange=exchange,
        answers=answers,
        batches=batches,
        may_review=may_review,
        may_see_line=may_see_line,
        waiting_states=services.WAITING_STATES,
        form=PairingForm(),
        answer_labels=ANSWER_LABELS,
        **template_context(),
    )


def _load_pairing(exchange_id: int, pairing_id: int) -> AnswerPairing:
    """A pairing of a readable exchange (404 for another exchange's), whose line's case this
    reader may read (403)."""
    exchange = _load(exchange_id)
    pairing = db.session.get(AnswerPairing, pairing_id)
    if pairing is None or pairing.answer.exchange_id != exchange.id:
        abort(404)
    if not services.can_review(current_user, pairing):
        abort(403)
    return pairing


@bp.route("/exchanges/<int:exchange_id>/answers/pairings/<int:pairing_id>")
@require(Permission.EXCHANGE_READ)
def pairing(exchange_id: int, pairing_id: int):
    """The other side's row and our case side by side, field by field, as a match is shown."""
    shown = _load_pairing(exchange_id, pairing_id)
    record(AuditAction.READ, shown.line.case)
    record(AuditAction.READ, shown.answer.record)
    db.session.commit()
    reads_only_from_here()
    return render_template(
        "answers/pairing.html",
        pairing=shown,
        form=PairingForm(),
        answer_labels=ANSWER_LABELS,
        waiting_states=services.WAITING_STATES,
        **template_context(),
    )


@bp.route("/exchanges/<int:exchange_id>/answers/pairings/<int:pairing_id>/decide", methods=["POST"])
@require(Permission.EXCHANGE_READ)
def decide(exchange_id: int, pairing_id: int):
    """Confirm or reject one pairing; refused decisions are said, never a server error."""
    pairing = _load_pairing(exchange_id, pairing_id)
    form = PairingForm()
    if not form.validate_on_submit() or not (form.confirm.data or form.reject.data):
        flash_form_errors(form)
        return redirect(url_for("answers.index", exchange_id=exchange_id))
    try:
        if form.confirm.data:
            services.confirm_pairing(pairing, current_user, form.note.data or "")
        else:
            services.reject_pairing(pairing, current_user, form.note.data or "")
    except ExchangeError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        if pairing.status == PairingStatus.CONFIRMED:
            flash(_("Answer recorded on the person's line."), "success")
        else:
            flash(_("Pairing rejected; it will not be proposed again."), "success")
    return redirect(url_for("answers.index", exchange_id=exchange_id))


@bp.route("/exchanges/unanswered")
@require(Permission.EXCHANGE_READ, reads_only=True)
def unanswered():
    """People handed over to the other side with no answer yet, oldest first."""
    exchange_id = request.args.get("exchange", type=database_int)
    exchange = db.session.get(Exchange, exchange_id) if exchange_id else None
    if exchange is not None and not can_read_exchange(current_user, exchange):
        abort(403)
    page = db.paginate(
        unanswered_query(current_user, exchange.id if exchange else None),
        per_page=50,
        error_out=False,
    )
    rows = waiting(list(page.items))
    record_list_read(*(row.line.case for row in rows))
    return render_template(
        "answers/unanswered.html", page=page, rows=rows, exchange=exchange, **template_context()
    )
