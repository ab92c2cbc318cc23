from datetime import UTC, datetime, time

from flask import render_template, request
from sqlalchemy import select

from app.audit import bp
from app.audit.forms import AuditFilterForm
from app.audit.models import AuditEvent
from app.auth.permissions import Permission, require
from app.extensions import db


@bp.route("/")
@require(Permission.AUDIT_READ)
def index():
    form = AuditFilterForm(request.args)
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if form.validate():
        if form.actor.data:
            query = query.where(AuditEvent.actor_id == form.actor.data)
        if form.action.data:
            query = query.where(AuditEvent.action == form.action.data)
        if form.object_type.data:
            query = query.where(AuditEvent.object_type == form.object_type.data)
        if form.object_id.data is not None:
            query = query.where(AuditEvent.object_id == form.object_id.data)
        if form.date_from.data:
            query = query.where(
                AuditEvent.at >= datetime.combine(form.date_from.data, time.min, UTC)
            )
        if form.date_to.data:
            query = query.where(AuditEvent.at <= datetime.combine(form.date_to.data, time.max, UTC))
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template("audit/index.html", form=form, page=page)
