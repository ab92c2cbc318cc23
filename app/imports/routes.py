from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.audit.models import AuditAction
from app.audit.services import record
from app.auth.permissions import Permission, require
from app.extensions import db
from app.forms import EmptyForm
from app.imports.access import can_run_kind, can_see_batch, importable_kinds, visible_batches
from app.imports.batches import (
    can_retry,
    count_problems,
    create_batch,
    fail_batch,
    find_previous_import,
    forget_format,
    import_target,
    mark_interrupted_batches,
    problem_rows,
    retry_batch,
    start_batch,
)
from app.imports.forms import UploadForm, mapping_form
from app.imports.mapping import ImportRefused, detect_format, save_source_mapping
from app.imports.models import BatchStatus, ImportBatch, ImportKind, ImportProblem, Severity
from app.imports.pipeline import run_batch_job
from app.imports.problems import batch_error_text, error_text, problem_text
from app.imports.readers import ReadError, UnreadableFile
from app.imports.storage import batch_path, store_upload
from app.jobs import get_progress
from app.records.models import PartnerSource
from app.reports.exports import EXPORT_FORMATS, export_response

bp = Blueprint("imports", __name__, url_prefix="/imports")


def _load(batch_id: int, *, to_run: bool = False) -> ImportBatch:
    """The batch, if the current user may see it (404 otherwise: another caseworker's batch
    does not exist for them). ``to_run``: the request may start it, which importing its kind
    needs (403)."""
    batch = db.get_or_404(ImportBatch, batch_id)
    if not can_see_batch(current_user, batch):
        abort(404)
    if to_run and not can_run_kind(current_user, batch.kind):
        abort(403)
    return batch


def _record_read(batch: ImportBatch, page: str) -> None:
    """A page that shows a batch's cell values (people's names and phones) is a read."""
    record(AuditAction.READ, batch, detail={"page": page})


@bp.route("/")
@require(Permission.IMPORT_RUN)
def index():
    """The batches the user may see (their own; supervisors every one), newest first."""
    if mark_interrupted_batches():
        db.session.commit()
    query = visible_batches(current_user).order_by(ImportBatch.id.desc())
    page = db.paginate(query, per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template("imports/index.html", page=page)


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.IMPORT_RUN)
def upload():
    kinds = importable_kinds(current_user)
    if request.method == "POST" and request.form.get("kind", ImportKind.RECORDS) not in kinds:
        abort(403)  # a forged choice the form did not offer (a caseworker importing cases)
    form = UploadForm(kinds=kinds)
    sources = db.session.scalars(select(PartnerSource.name).order_by(PartnerSource.name)).all()
    if form.validate_on_submit():
        kind = ImportKind(form.kind.data)
        target = import_target(
            kind,
            form.target.data,
            organisation=form.organisation.data or "",
            list_name=form.list_name.data or "",
            received_on=form.received_on.data,
        )
        upload_file = form.file.data
        stored_name, sha256, size = store_upload(upload_file.stream)
        batch = create_batch(
            kind,
            target,
            upload_file.filename or "upload.csv",
            sha256,
            size,
            stored_name=stored_name,
            user_id=current_user.id,
        )
        db.session.commit()
        return redirect(url_for("imports.preview", batch_id=batch.id))
    return render_template("imports/upload.html", form=form, sources=sources)


@bp.route("/<int:batch_id>/preview", methods=["GET", "POST"])
@require(Permission.IMPORT_RUN)
def preview(batch_id: int):
    """Detected encoding, delimiter and mapping, with the first rows; the user corrects them."""
    batch = _load(batch_id, to_run=True)
    if batch.status != BatchStatus.PENDING:
        return redirect(url_for("imports.show", batch_id=batch.id))
    path = batch_path(batch)
    if path is None or not path.exists():
        abort(404)
    try:
        with open(path, "rb") as stream:
            result = detect_format(batch, stream)
    except (UnreadableFile, ValueError) as raised:
        # open_csv refuses an encoding or delimiter it does not offer with a ValueError.
        error = (
            raised
            if isinstance(raised, UnreadableFile)
            else UnreadableFile(ReadError.SETTINGS_DO_NOT_FIT)
        )
        if batch.encoding is not None and request.method == "GET":
            # Settings the user chose do not fit the file: back to what detection finds.
            forget_format(batch)
            db.session.commit()
            flash(
                _("The file cannot be read that way: %(reason)s", reason=error_text(error)),
                "error",
            )
            return redirect(url_for("imports.preview", batch_id=batch.id))
        fail_batch(batch, error)
        db.session.commit()
        flash(_("The file cannot be read: %(reason)s", reason=error_text(error)), "error")
        return redirect(url_for("imports.show", batch_id=batch.id))

    form = mapping_form(
        batch.headers or [],
        data={
            "encoding": batch.encoding,
            "delimiter": batch.delimiter,
            "all_or_nothing": batch.all_or_nothing,
            **{f"col_{i}": field or "" for i, field in enumerate(batch.mapping or [])},
        },
    )
    if form.validate_on_submit():
        changed = (form.encoding.data, form.delimiter.data) != (batch.encoding, batch.delimiter)
        if form.refresh.data or changed:
            # Another encoding or delimiter gives other columns: read the file again.
            forget_format(batch)
            batch.encoding, batch.delimiter = form.encoding.data, form.delimiter.data
            db.session.commit()
            flash(_("The file was read again with these settings; check the columns."), "info")
            return redirect(url_for("imports.preview", batch_id=batch.id))
        batch.mapping = form.mapping()
        batch.all_or_nothing = form.all_or_nothing.data
        if form.save_mapping.data:
            save_source_mapping(batch)
        if _queued(start_batch, batch):
            return redirect(url_for("imports.show", batch_id=batch.id))
    _record_read(batch, "preview")
    db.session.commit()
    previous = find_previous_import(batch)
    return render_template(
        "imports/preview.html",
        batch=batch,
        preview=result,
        form=form,
        previous=previous,
    )


@bp.route("/<int:batch_id>")
@require(Permission.IMPORT_RUN)
def show(batch_id: int):
    """The progress bar while running; the summary and the problems when finished."""
    batch = _load(batch_id)
    if batch.status == BatchStatus.RUNNING and mark_interrupted_batches():
        db.session.commit()
    if batch.status == BatchStatus.PENDING:
        return redirect(url_for("imports.preview", batch_id=batch.id))
    problems = db.paginate(
        select(ImportProblem)
        .where(ImportProblem.batch_id == batch.id)
        .order_by(ImportProblem.line_number, ImportProblem.id),
        per_page=50,
        error_out=False,
    )
    if problems.items:  # their values are cells of the file
        _record_read(batch, "problems")
        db.session.commit()
    return render_template(
        "imports/show.html",
        batch=batch,
        problems=problems,
        problem_counts=count_problems(batch),
        can_retry=can_retry(batch),
        Severity=Severity,
    )


@bp.route("/<int:batch_id>/retry", methods=["POST"])
@require(Permission.IMPORT_RUN)
def retry(batch_id: int):
    """Run an interrupted import again, from its kept file."""
    batch = _load(batch_id, to_run=True)
    if EmptyForm().validate_on_submit():
        _queued(retry_batch, batch)
    return redirect(url_for("imports.show", batch_id=batch.id))


def _queued(mark_running: Callable[[ImportBatch, int], None], batch: ImportBatch) -> bool:
    """Mark the batch running (``start_batch``, ``retry_batch``) as started by the current
    user, and queue its job; or say why it was refused. Returns whether it was queued."""
    try:
        mark_running(batch, current_user.id)
    except ImportRefused as error:
        flash(error_text(error), "error")
        return False
    db.session.commit()
    run_batch_job(batch.id)
    return True


@bp.route("/<int:batch_id>/progress")
@require(Permission.IMPORT_RUN)
def progress(batch_id: int):
    """JSON for the progress bar: {done, total, finished, message}."""
    batch = _load(batch_id)
    if batch.status == BatchStatus.RUNNING and mark_interrupted_batches():
        db.session.commit()
    state = get_progress(batch.job_key)
    finished = batch.status in (BatchStatus.DONE, BatchStatus.FAILED)
    payload: dict[str, Any] = {
        "done": state.done if state else 0,
        "total": state.total if state else 0,
    }
    payload["finished"] = finished or bool(state and state.finished)
    if finished:
        payload["message"] = _("Finished.")
    else:
        rows = state.items if state else 0
        payload["message"] = ngettext(
            "%(rows)s row read", "%(rows)s rows read", rows, rows=format_decimal(rows)
        )
    payload["status"] = batch.status
    return jsonify(payload)


# The report is read by the person who downloads it: the reason is in their language. The
# headers, the severity and the code stay stable English keys, for the programs that read it.
REPORT_HEADERS = ("line", "column", "value", "severity", "code", "reason")


@bp.route("/<int:batch_id>/problems.<fmt>")
@require(Permission.EXPORT_RUN)
def report(batch_id: int, fmt: str):
    """The rejected rows (and warnings) with line, column, value and reason, as CSV or XLSX."""
    if not current_user.can(Permission.IMPORT_RUN):
        abort(403)
    batch = _load(batch_id)
    if fmt not in EXPORT_FORMATS:
        abort(404)
    severity = request.args.get("severity")
    if severity not in (None, Severity.REJECTED.value, Severity.WARNING.value):
        abort(400)
    record(AuditAction.EXPORT, batch, detail={"report": "import_problems", "format": fmt})
    db.session.commit()
    # The reasons are worded while the file streams, after the commit has expired the user
    # whose language they are in: choose the language now (it is kept for the request).
    get_locale()
    rows = (
        (p.line_number, p.column_name, p.value, p.severity, p.reason_code or "", problem_text(p))
        for p in problem_rows(batch, severity)
    )
    return export_response(f"import-{batch.id}-problems", REPORT_HEADERS, rows, fmt)


@bp.context_processor
def labels() -> dict:
    return {
        "kind_labels": {
            ImportKind.RECORDS.value: _("Partner records"),
            ImportKind.CASES.value: _("Cases"),
        },
        "delimiter_labels": {",": _("comma"), ";": _("semicolon"), "\t": _("tab")},
        "problem_text": problem_text,
        "batch_error_text": batch_error_text,
    }
