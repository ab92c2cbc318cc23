from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from app.audit.models import AuditAction
from app.audit.services import record, record_list_read
from app.auth.permissions import Permission, require
from app.extensions import PAGE_SIZES, db, page_size
from app.records.models import PartnerRecord, PartnerSource
from app.records.search import record_sort, search_records
from app.web import database_int

bp = Blueprint("records", __name__, url_prefix="/records")

QUERY_LENGTH = 200


@bp.route("/")
@require(Permission.RECORD_READ, reads_only=True)
def index():
    """Partner records, filtered by source and by names in any script."""
    sources = db.session.scalars(select(PartnerSource).order_by(PartnerSource.name)).all()
    source_id = request.args.get("source", type=database_int)
    # The field's own limit: a longer text is no name, and each word costs a lookup.
    text = (request.args.get("q") or "")[:QUERY_LENGTH].strip()
    sort = record_sort(request.args.get("sort"))
    per_page = page_size()
    page = db.paginate(
        search_records(text, source_id, sort=sort), per_page=per_page, error_out=False
    )
    broadened = False
    if page.total == 0 and text:
        # Nothing matched whole names: try the words as beginnings ("Ковал" → Коваленко).
        query = search_records(text, source_id, prefix=True, sort=sort)
        page = db.paginate(query, per_page=per_page, error_out=False)
        broadened = bool(page.total)
    record_list_read(*page.items)
    return render_template(
        "records/index.html",
        page=page,
        sources=sources,
        source_id=source_id,
        q=text,
        query_length=QUERY_LENGTH,
        broadened=broadened,
        sort=sort,
        page_sizes=PAGE_SIZES,
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
