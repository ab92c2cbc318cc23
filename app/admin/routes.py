from datetime import UTC, datetime, time

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.admin.audit_words import FIELD_LABELS, STATUS_LABELS_BY_TYPE
from app.admin.forms import AuditFilterForm, UserCreateForm, UserEditForm
from app.alphabet import NAME_COLLATION
from app.audit.labels import ACTION_LABELS, event_details, event_fields, event_object
from app.audit.models import AuditEvent
from app.audit.services import about
from app.auth.models import User
from app.auth.permissions import Permission, require
from app.auth.services import (
    UserError,
    create_user,
    end_sessions,
    reset_second_factor,
    update_user,
)
from app.extensions import db
from app.forms import EmptyForm
from app.sorting import ordering, parse_sort

bp = Blueprint("admin", __name__, url_prefix="/admin")

# The users list's sortable columns; a few hundred people, sorted as they are read.
USER_SORTS = {
    "email": (User.email,),
    "name": (User.name.collate(NAME_COLLATION), User.id),
    "role": (User.role, User.id),
    "status": (User.active, User.id),
    "last_sign_in": (User.last_login_at, User.id),
}


@bp.route("/users")
@require(Permission.USER_MANAGE)
def users():
    sort = parse_sort(request.args.get("sort"), USER_SORTS, "email")
    page = db.paginate(
        select(User).order_by(*ordering(USER_SORTS, sort)), per_page=50, error_out=False
    )
    return render_template("admin/users.html", page=page, sort=sort)


@bp.route("/users/new", methods=["GET", "POST"])
@require(Permission.USER_MANAGE)
def user_new():
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            create_user(form.email.data, form.name.data, form.role.data, form.password.data)
        except UserError as error:
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("User created."), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require(Permission.USER_MANAGE)
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserEditForm(obj=user)
    if form.validate_on_submit():
        try:
            update_user(
                user,
                acting=current_user,
                name=form.name.data,
                role=form.role.data,
                active=form.active.data,
            )
        except UserError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("User saved."), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user)


@bp.route("/users/<int:user_id>/sessions/end", methods=["POST"])
@require(Permission.USER_MANAGE)
def user_end_sessions(user_id: int):
    """Sign the user out everywhere (a lost laptop, a cookie that may have been copied)."""
    user = db.get_or_404(User, user_id)
    if EmptyForm().validate_on_submit():
        end_sessions(user, acting=current_user)
        db.session.commit()
        flash(_("The user is signed out everywhere."), "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/second-factor/reset", methods=["POST"])
@require(Permission.USER_MANAGE)
def user_reset_second_factor(user_id: int):
    """A lost phone: remove the user's second factor; they set up a new one at sign-in."""
    user = db.get_or_404(User, user_id)
    if EmptyForm().validate_on_submit():
        reset_second_factor(user, acting=current_user)
        db.session.commit()
        flash(_("The second factor is removed; the user sets up a new one."), "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/audit/")
@require(Permission.AUDIT_READ)
def audit():
    form = AuditFilterForm(request.args)
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if form.validate():
        if form.actor.data:
            query = query.where(AuditEvent.actor_id == form.actor.data)
        if form.action.data:
            query = query.where(AuditEvent.action == form.action.data)
        if form.object_type.data or form.object_id.data is not None:
            # Its own events and the list pages that showed it.
            query = query.where(about(form.object_type.data or None, form.object_id.data))
        if form.date_from.data:
            query = query.where(
                AuditEvent.at >= datetime.combine(form.date_from.data, time.min, UTC)
            )
        if form.date_to.data:
            query = query.where(AuditEvent.at <= datetime.combine(form.date_to.data, time.max, UTC))
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template(
        "admin/audit.html",
        form=form,
        page=page,
        action_labels=ACTION_LABELS,
        object_text=event_object,
        fields_text=lambda event: event_fields(event.object_type, event.fields, FIELD_LABELS),
        details_text=lambda event: event_details(
            event.object_type, event.detail, STATUS_LABELS_BY_TYPE
        ),
    )
