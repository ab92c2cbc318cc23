"""DNA pages: laboratory files, screening runs, proposals and their evidence (DNA reviewers),
reference samples on a case (its caseworker), frequency tables (administrators).

Profiles are shown only on DNA reviewers' pages, and every page that shows one audits it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from app.audit.services import record_list_read
from app.auth.permissions import Permission, require
from app.cases.access import can_edit_case
from app.cases.models import Case
from app.dna.frequencies import TableError
from app.exchanges.models import ExchangeRemains
from app.extensions import db
from app.forms import choices
from app.identification import services
from app.identification.forms import (
    RELATIONSHIP_LABELS,
    ForwardForm,
    FrequencyTableForm,
    LabFileForm,
    ReferenceSampleForm,
    ScreeningForm,
)
from app.identification.labels import finding_rows, labels
from app.identification.models import (
    IdentificationProposal,
    ReferenceSample,
    RunStatus,
    ScreeningRun,
)
from app.jobs import get_progress
from app.web import add_form_error

bp = Blueprint("dna", __name__)


@bp.route("/dna/lab-files", methods=["GET", "POST"])
@require(Permission.DNA_PROFILE_IMPORT)
def lab_upload():
    """Upload a laboratory export; the answer is the report of what was attached."""
    form = LabFileForm()
    if form.validate_on_submit():
        upload = form.file.data
        result = services.import_lab_file(
            upload.stream.read(), upload.filename or "lab.csv", current_user
        )
        db.session.commit()
        return render_template("identification/lab_result.html", result=result, **labels())
    return render_template("identification/lab_upload.html", form=form)


@bp.route("/dna/screening", methods=["GET", "POST"])
@require(Permission.DNA_SCREENING_RUN)
def screening():
    form = ScreeningForm()
    if form.validate_on_submit():
        try:
            run = services.start_screening(current_user)
        except services.DnaError as error:
            db.session.rollback()
            add_form_error(form, str(error))
        else:
            db.session.commit()
            services.run_screening_job(run.id)  # at once when jobs run inline
            flash(_("Screening started."), "success")
            return redirect(url_for("dna.screening"))
    # A run whose worker died is marked failed here, so that the page never shows it running
    # forever and a new one can be started.
    if services.mark_interrupted_runs():
        db.session.commit()
    return render_template(
        "identification/screening.html",
        form=form,
        runs=services.screening_runs(),
        table=services.active_table(),
        **labels(),
    )


@bp.route("/dna/screening/<int:screening_id>/progress")
@require(Permission.DNA_SCREENING_RUN)
def screening_progress(screening_id: int):
    """JSON for the screening page's progress bar: {done, total, finished, message, status}."""
    run = db.get_or_404(ScreeningRun, screening_id)
    if run.status in (RunStatus.QUEUED, RunStatus.RUNNING) and services.mark_interrupted_runs():
        db.session.commit()
    state = get_progress(run.job_key)
    finished = run.status not in (RunStatus.QUEUED, RunStatus.RUNNING)
    payload = {
        "done": state.done if state else 0,
        "total": state.total if state else 0,
        "finished": finished,
        "status": run.status,
    }
    if finished:
        payload["message"] = _("Finished.")
    elif state is None or run.status == RunStatus.QUEUED:
        payload["message"] = _("Waiting for a worker.")
    elif state.message == services.STAGE_SCREENING:
        payload["message"] = ngettext(
            "%(n)s remains screened", "%(n)s remains screened", state.items,
            n=format_decimal(state.items),
        )  # fmt: skip
    else:
        payload["message"] = _(
            "Preparing the families' tables: locus %(done)d of %(total)d",
            done=state.done,
            total=state.total,
        )
    return jsonify(payload)


@bp.route("/dna/proposals")
@require(Permission.DNA_PROFILE_READ, reads_only=True)
def proposals():
    """The latest screening's proposals by band, and its consistency findings as a queue."""
    run = services.latest_done_run()
    banded = services.run_proposals(run) if run else {}
    shown = [p for band in banded.values() for p in band]
    record_list_read(*shown)
    return render_template(
        "identification/proposals.html",
        run=run,
        banded=banded,
        findings=finding_rows(run) if run else [],
        **labels(),
    )


def _load_proposal(proposal_id: int) -> IdentificationProposal:
    return db.get_or_404(IdentificationProposal, proposal_id)


def _proposal_page(proposal: IdentificationProposal, form: ForwardForm | None = None):
    # The explanation names the remains' genotype at each locus: a profile read.
    services.read_remains_profile(proposal.remains, current_user)
    samples = {str(s.id): s for s in services.case_samples(proposal.case)}
    db.session.commit()
    return render_template(
        "identification/proposal.html",
        proposal=proposal,
        samples=samples,
        form=form or ForwardForm(formdata=None),
        may_forward=current_user.can(Permission.DNA_IDENTIFICATION_PROPOSE),
        **labels(),
    )


@bp.route("/dna/proposals/<int:proposal_id>")
@require(Permission.DNA_PROFILE_READ)
def proposal_show(proposal_id: int):
    return _proposal_page(_load_proposal(proposal_id))


@bp.route("/dna/proposals/<int:proposal_id>/forward", methods=["POST"])
@require(Permission.DNA_IDENTIFICATION_PROPOSE)
def proposal_forward(proposal_id: int):
    proposal = _load_proposal(proposal_id)
    form = ForwardForm()
    if form.validate_on_submit():
        try:
            services.forward_proposal(proposal, current_user, form.note.data or "")
        except services.DnaError as error:
            db.session.rollback()
            add_form_error(form, str(error))
        else:
            db.session.commit()
            flash(_("Identification proposed; a supervisor must confirm it."), "success")
            return redirect(url_for("dna.proposal_show", proposal_id=proposal_id))
    return _proposal_page(db.get_or_404(IdentificationProposal, proposal_id), form), 400


@bp.route("/dna/samples/<int:sample_id>")
@require(Permission.DNA_PROFILE_READ)
def sample_show(sample_id: int):
    sample = db.get_or_404(ReferenceSample, sample_id)
    profile = services.read_reference_profile(sample, current_user)
    db.session.commit()
    return render_template(
        "identification/profile.html",
        title=_("Reference sample %(number)s", number=sample.lab_sample_number),
        subject=RELATIONSHIP_LABELS.get(sample.relationship_kind, sample.relationship_kind),  # type: ignore[call-overload]
        profile=profile,
    )


@bp.route("/dna/remains/<int:remains_id>")
@require(Permission.DNA_PROFILE_READ)
def remains_profile(remains_id: int):
    found = db.get_or_404(ExchangeRemains, remains_id)
    profile = services.read_remains_profile(found, current_user)
    db.session.commit()
    return render_template(
        "identification/profile.html",
        title=_("Remains %(number)s", number=found.body_number),
        subject=found.lab_sample_number,
        profile=profile,
    )


@bp.route("/cases/<int:case_id>/dna/samples/new", methods=["GET", "POST"])
@require(Permission.CASE_EDIT)
def sample_new(case_id: int):
    """Record a relative's sample and their consent (the case's caseworker, or a supervisor)."""
    case = db.get_or_404(Case, case_id)
    if not can_edit_case(current_user, case):
        abort(403)
    form = ReferenceSampleForm()
    form.relative_id.choices = choices(
        [("", "—")] + [(str(r.id), r.full_name) for r in case.relatives]
    )
    if form.validate_on_submit():
        relative_id = form.relative_id.data
        relative = next((r for r in case.relatives if str(r.id) == relative_id), None)
        try:
            services.add_reference_sample(
                case,
                current_user,
                relative=relative,
                relationship_kind=form.relationship_kind.data or "",
                lab_sample_number=form.lab_sample_number.data or "",
                consent_given_on=form.consent_given_on.data,
            )
        except services.DnaError as error:
            db.session.rollback()
            add_form_error(form, str(error), error.field)
        else:
            db.session.commit()
            flash(_("Sample recorded; its profile comes with the laboratory's file."), "success")
            return redirect(url_for("cases.detail", case_id=case.id) + "#dna")
    return render_template("identification/sample_new.html", case=case, form=form)


@bp.route("/dna/frequencies", methods=["GET", "POST"])
@require(Permission.DNA_FREQUENCIES_MANAGE)
def frequencies():
    form = FrequencyTableForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            services.add_frequency_table(form.name.data or "", upload.stream.read(), current_user)
        except TableError as error:
            db.session.rollback()
            for problem in error.problems[:20]:
                add_form_error(form, problem, "file")
        except services.DnaError as error:
            db.session.rollback()
            add_form_error(form, str(error))
        else:
            db.session.commit()
            flash(_("Frequency table loaded; screening uses it from now on."), "success")
            return redirect(url_for("dna.frequencies"))
    return render_template(
        "identification/frequencies.html", form=form, tables=services.frequency_tables()
    )
