from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from app.audit.models import AuditAction
from app.audit.services import record, record_list_read
from app.auth.permissions import Permission, require
from app.extensions import db
from app.records.models import PartnerRecord, PartnerSource
from app.web import database_int

bp = Blueprint("records", __name__, url_prefix="/records")


@bp.route("/")
@require(Permission.RECORD_READ, reads_only=True)
def index():
    """Partner records, filtered by source and by the start of the family name."""
    sources = db.session.scalars(select(PartnerSource).order_by(PartnerSource.name)).all()
    query = select(PartnerRecord).order_by(PartnerRecord.family_name, PartnerRecord.id)
    source_id = request.args.get("source", type=database_int)
    if source_id:
        query = query.where(PartnerRecord.source_id == source_id)
    family = (request.args.get("q") or "").strip()
    if family:
        query = query.where(PartnerRecord.family_name.startswith(family, autoescape=True))
    page = db.paginate(query, per_page=current_app.config["PER_PAGE"], error_out=False)
    record_list_read(*page.items)
    return render_template(
        "records/index.html", page=page, sources=sources, source_id=source_id, q=family
    )


@bp.route("/<int:record_id>")
@require(Permission.RECORD_READ)
def show(record_id: int):
    partner_record = db.get_or_404(PartnerRecord, record_id)
    record(AuditAction.READ, partner_record)
    db.session.commit()
    return render_template("records/show.html", record=partner_record)


@bp.context_processor
def labels() -> dict:
    return {"sex_labels": {"male": _("male"), "female": _("female"), "unknown": _("unknown")}}
