import re
import secrets
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import date
from functools import cache, partial
from typing import Any, cast

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import Select, and_, bindparam, inspect, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.interfaces import ORMOption

from app.audit.models import AuditAction
from app.audit.services import record, record_list_read
from app.auth.models import User
from app.auth.permissions import Permission, Role, require
from app.cases import queues
from app.cases.access import can_edit_case, can_read_case
from app.cases.charts import status_bars
from app.cases.events import (
    case_opened,
    case_page_probes,
    case_page_shown,
    supervisor_queues_shown,
)
from app.cases.forms import (
    UNASSIGN,
    AliasForm,
    ArchiveForm,
    AssignForm,
    CaseFilterForm,
    CaseForm,
    CaseNumberForm,
    ContactForm,
    DecisionForm,
    DuplicateForm,
    NoteForm,
    RelativeForm,
    SourceListForm,
    StatusForm,
)
from app.cases.labels import RELATIONSHIP_LABELS, STATUS_LABELS
from app.cases.models import (
    ActivityKind,
    ApprovalState,
    Case,
    CaseStatus,
    ContactLog,
    Relative,
    SourceList,
    TransitionRequest,
    count_cases_by_progress,
    format_case_number,
    parse_case_number,
)
from app.cases.search import (
    CaseFilters,
    case_sort,
    kept_total,
    readable_case_by_number,
    search_cases,
)
from app.cases.services import (
    NAME_FIELDS,
    CaseError,
    StaleCaseError,
    add_alias,
    add_note,
    add_relative,
    archive_case,
    assign_cases,
    case_activity,
    case_contacts,
    case_notes,
    change_status,
    complete_next_step,
    create_source_list,
    decide_transition,
    link_siblings,
    log_contact,
    mark_duplicate,
    next_open_step,
    open_case,
    pending_request,
    record_case_read,
    record_relative_read,
    stale_edit,
    update_case,
    update_relative,
)
from app.cases.table import CountedReading, case_rows, reading
from app.cases.workflow import Transition, TransitionError, allowed_targets
from app.database import utcnow
from app.extensions import PAGE_SIZES, db, page_size
from app.forms import EmptyForm, PrefixedForm, choices, form_html, text
from app.reports.exports import EXPORT_FORMATS, export_response
from app.sorting import parse_sort
from app.sqlite import brief_write, reads_only_from_here
from app.web import (
    add_form_error,
    current_app_object,
    database_int,
    flash_form_errors,
    id_url,
    page_sections,
)

bp = Blueprint("cases", __name__)


def _load_case(case_id: int, edit: bool = False, options: Sequence[ORMOption] = ()) -> Case:
    """Load, 404 when missing, 403 when this user may not read (or edit) it."""
    return _allowed(db.session.get(Case, case_id, options=options), edit)


def _allowed(case: Case | None, edit: bool = False) -> Case:
    """``case``, or 404 when there is none, 403 when this user may not read (or edit) it."""
    if case is None:
        abort(404)
    allowed = can_edit_case(current_user, case) if edit else can_read_case(current_user, case)
    if not allowed:
        abort(403)
    return case


def _assignable_users() -> list[tuple[str, str]]:
    """(id as text, name) of everyone who can hold cases, as the selects offer them; read once
    a request (the case list's filter bar and its bulk assignment both list them: one round
    trip fewer), two columns rather than every column of each account."""
    if "assignable_users" not in g:
        rows = db.session.connection().execute(_ASSIGNABLE_USERS)
        g.assignable_users = [(str(user_id), name) for user_id, name in rows]
    return g.assignable_users


_ASSIGNABLE_USERS = (
    select(User.id, User.name)
    .where(User.active.is_(True), User.role.in_([Role.CASEWORKER.value, Role.SUPERVISOR.value]))
    .order_by(User.name)
)


def _source_lists() -> list[tuple[int, str]]:
    """(id, name) of every source list, by name, as the selects offer them."""
    lists = db.session.connection().execute(_SOURCE_LISTS)
    return [(row.id, row.name) for row in lists]


# Columns only, built once and executed on the session's connection (not through its ORM
# execution): the case list reads both on every request.
_SOURCE_LISTS = select(SourceList.id, SourceList.name).order_by(SourceList.name)


def _source_list_choices():
    return choices(_source_lists())


def _filter_form(sources: list[tuple[int, str]] | None = None) -> CaseFilterForm:
    """The case list's filters as the request sent them (``sources``: the source lists to
    offer, if the caller has read them already)."""
    form = CaseFilterForm(request.args)
    _offer_filter_choices(form, _source_lists() if sources is None else sources)
    return form


def _offer_filter_choices(form: CaseFilterForm, sources: list[tuple[int, str]]) -> None:
    form.source_list.choices = choices([("", _("Any")), *sources])
    if current_user.can(Permission.CASE_READ_ALL):
        form.caseworker.choices = choices(
            [("", _("Anyone")), ("none", _("Unassigned")), *_assignable_users()]
        )
    else:
        form.caseworker.choices = choices([("", _("Anyone"))])


# The filter bar's two text fields in its kept markup: each request's own words go there.
_TYPED = {name: f"{secrets.token_hex(8)}-{name}" for name in ("q", "region")}
_TYPED_SLOT = re.compile("|".join(_TYPED.values()))
# The fields whose value the kept markup shows as chosen.
_CHOSEN = ("status", "source_list", "caseworker", "age_band", "stale")


def _filter_fields_html(form: CaseFilterForm, sources: list[tuple[int, str]]) -> Markup:
    """The filter bar's fields as the request filled them in (``form``, validated).

    Kept as markup (app.forms.form_html) per choice of the selects and the check box, language,
    source lists and caseworkers offered, the two texts typed put in for each request: its four
    selects offer every caseworker and list, and rendering them was a quarter of the case
    list's Python calls. A form with an error is shown as it is, and not kept. What is kept
    names the caseworkers and lists a select offers to anyone who may filter by them, never
    a case or what someone typed."""
    if form.errors:
        return form_html(_FILTER_FIELDS, lambda: form, form, action="")
    chosen = {name: form[name].data for name in _CHOSEN}
    offered = _assignable_users() if current_user.can(Permission.CASE_READ_ALL) else None

    def blank() -> CaseFilterForm:
        kept = CaseFilterForm(formdata=None, data={**chosen, **_TYPED})
        _offer_filter_choices(kept, sources)
        return kept

    variant = (tuple(chosen.values()), tuple(sources), offered and tuple(offered))
    html = form_html(_FILTER_FIELDS, blank, action="", variant=variant)
    typed = {slot: str(escape(form[name].data or "")) for name, slot in _TYPED.items()}
    # One pass: a slot's stand-in typed into the other field is not replaced again.
    return Markup(_TYPED_SLOT.sub(lambda slot: typed[slot[0]], html))  # noqa: S704 - escaped


_FILTER_FIELDS = "cases/_filter_fields.html"


def _assign_form() -> AssignForm:
    """Bulk assignment: a placeholder first, so that nothing happens until a person is chosen;
    "Nobody" last, apart from the people."""
    form = AssignForm()
    form.assignee.choices = choices(
        [("", _("Choose a person…")), *_assignable_users(), (UNASSIGN, _("Nobody (unassign)"))]
    )
    return form


def _assign_controls_html() -> Markup:
    """The bulk assignment's select and button, kept as markup per language and list of
    people (app.forms.form_html): the select offers everyone who can hold cases."""
    return form_html(
        "cases/_assign_controls.html",
        _assign_form,
        action="",
        variant=tuple(_assignable_users()),
    )


def _digits(value: str) -> int | None:
    try:
        return database_int(value) if value.isdigit() else None
    except ValueError:  # too large to be anyone's id
        return None


def _chosen(field) -> str:
    """A filter select's value; "" (any) when what was sent is none of its choices: the error
    beside the field says so, and the list is not narrowed by a value nothing can match."""
    return "" if field.errors else str(field.data or "")


def _filters(form: CaseFilterForm) -> CaseFilters:
    form.validate()
    caseworker = _chosen(form.caseworker)
    return CaseFilters(
        # Too long to be a name (the form says so beside the field): no search on it.
        text="" if form.q.errors else form.q.data or "",
        status=_chosen(form.status),
        source_list_id=None if form.source_list.errors else form.source_list.data,
        region="" if form.region.errors else text(form.region),
        assigned_to_id=_digits(caseworker),
        unassigned=caseworker == "none",
        age_band=_chosen(form.age_band),
        stale_days=current_app.config["STALE_CASE_DAYS"] if form.stale.data else None,
        sort=case_sort(request.args.get("sort")),
    )


@bp.route("/cases")
@require(Permission.CASE_READ, reads_only=True)
def index():
    sources = _source_lists()
    form = _filter_form(sources)
    filters = _filters(form)
    # The header's search box sends the text alone: a case number there goes straight to the
    # case. The filter bar sends all its fields, and there a number lists the case (to select
    # it for assignment, say).
    if request.args.keys() == {"q"}:
        found = readable_case_by_number(current_user, filters.text)
        if found is not None:
            return redirect(url_for("cases.detail", case_id=found.id))
    per_page = page_size()
    total = kept_total(current_user, filters)
    query = search_cases(current_user, filters)
    if total is None and filters.text:
        # A search finds a few cases: counted with the page's rows.
        page = _counted_page(query, per_page)
    else:
        page = db.paginate(
            query, per_page=per_page, error_out=False, count=total is None, read=reading(query)
        )
    if total is not None:
        page.total = total
    broadened = False
    if page.total == 0 and filters.text and not parse_case_number(filters.text):
        # Nothing matched whole names: try the words as beginnings ("Ковал" → Коваленко).
        page = _counted_page(search_cases(current_user, filters, prefix=True), per_page)
        broadened = bool(page.total)
    record_list_read(*page.items)
    assign_controls = _assign_controls_html() if current_user.can(Permission.CASE_ASSIGN) else None
    return render_template(
        "cases/index.html",
        filter_fields=_filter_fields_html(form, sources),
        page=page,
        assign_controls=assign_controls,
        broadened=broadened,
        sort=filters.sort,
        page_sizes=PAGE_SIZES,
    )


def _counted_page(query: Select, per_page: int):
    """This request's page of ``query``'s cases, its total counted with its rows."""
    reading_counted = CountedReading(query)
    return db.paginate(
        query,
        per_page=per_page,
        error_out=False,
        read=reading_counted.read,
        total=reading_counted.total,
    )


CASE_EXPORT_HEADERS = (
    "case_number",
    "source_list",
    "external_id",
    "case_type",
    "priority",
    "status",
    "closure_reason",
    *NAME_FIELDS,
    "sex",
    "date_of_birth",
    "estimated_age",
    "place_of_birth",
    "document_number",
    "street_address",
    "postcode",
    "last_known_place",
    "region",
    "last_seen_on",
    "current_location",
    "assigned_to",
    "last_activity_at",
)


def _case_export_row(case: Case) -> tuple:
    return (
        case.case_number,
        case.source_list.name,
        case.external_id or "",
        case.case_type,
        case.priority,
        case.status,
        case.closure_reason or "",
        case.family_name,
        case.given_name,
        case.patronymic,
        case.family_name_latin,
        case.given_name_latin,
        case.sex,
        case.date_of_birth.isoformat() if case.date_of_birth else "",
        case.estimated_age if case.estimated_age is not None else "",
        case.place_of_birth,
        case.document_number,
        case.street_address,
        case.postcode,
        case.last_known_place,
        case.region,
        case.last_seen_on.isoformat() if case.last_seen_on else "",
        case.current_location,
        case.assigned_to.email if case.assigned_to else "",
        case.last_activity_at.isoformat(timespec="seconds"),
    )


@bp.route("/cases/export.<fmt>")
@require(Permission.EXPORT_RUN)
def export(fmt: str):
    """The case list as filtered on screen, for the cases this user may read."""
    if fmt not in EXPORT_FORMATS or not current_user.can(Permission.CASE_READ):
        abort(404 if fmt not in EXPORT_FORMATS else 403)
    filters = _filters(_filter_form())
    # search_cases joins each case's caseworker already; the rows name the source list too.
    query = search_cases(current_user, filters).options(selectinload(Case.source_list))
    total = queues.count(query)
    record(
        AuditAction.EXPORT,
        object_type="case_record",
        detail={"rows": total, "format": fmt, "filtered": bool(request.args)},
    )
    db.session.commit()

    def rows():
        # A generator function: the query runs while the response streams, in batches.
        for case in db.session.scalars(query.execution_options(yield_per=500)):
            yield _case_export_row(case)

    return export_response("cases", CASE_EXPORT_HEADERS, rows(), fmt)


@bp.route("/cases/assign", methods=["POST"])
@require(Permission.CASE_ASSIGN)
def assign():
    form = _assign_form()
    case_ids = [int(v) for v in request.form.getlist("case_ids") if v.isdigit()]
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(request.referrer or url_for("cases.index"))
    if not case_ids:
        flash(_("Choose at least one case and a person."), "error")
        return redirect(request.referrer or url_for("cases.index"))
    chosen = form.assignee.data
    assignee = None if chosen == UNASSIGN else db.session.get(User, int(chosen))
    try:
        changed = assign_cases(case_ids, assignee, current_user)
    except CaseError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(ngettext("%(num)d case assigned.", "%(num)d cases assigned.", changed), "success")
    return redirect(request.referrer or url_for("cases.index"))


@bp.route("/cases/new", methods=["GET", "POST"])
@require(Permission.CASE_CREATE)
def new():
    form = CaseForm()
    form.source_list.choices = _source_list_choices()
    if form.validate_on_submit():
        source_list = db.session.get(SourceList, form.source_list.data)
        if source_list is None:
            form.source_list.errors.append(_("Choose a source list."))
        else:
            try:
                case = open_case(
                    source_list,
                    current_user,
                    external_id=form.external_id.data,
                    **form.case_fields(),
                )
            except CaseError as error:
                form.external_id.errors.append(str(error))
            else:
                case_id, user_id = case.id, current_user.id
                db.session.commit()
                case_opened.send(current_app_object(), case_id=case_id, user_id=user_id)
                flash(_("Case %(n)s created.", n=format_case_number(case_id)), "success")
                return redirect(url_for("cases.detail", case_id=case_id))
    return render_template("cases/form.html", form=form, case=None)


@bp.route("/cases/<int:case_id>")
@require(Permission.CASE_READ, reads_only=True)
def detail(case_id: int):
    names = tuple(case_page_probes)
    row = db.session.execute(_case_page_case(names), {"case_id": case_id}).unique().first()
    if row is None:
        abort(404)
    case, pending, *answers = row
    return _case_page(_allowed(case), pending, probes=dict(zip(names, answers, strict=True)))


# What the case page shows of every case, read with it: three statements fewer per page, each
# a round trip to a PostgreSQL server (the page has about twenty).
CASE_PAGE_LOADS = (
    joinedload(Case.source_list),
    joinedload(Case.aliases),
    joinedload(Case.relatives),
)


@cache
def _case_page_case(probes: tuple[str, ...]) -> Select:
    # Built once for the features' questions (``probes``, app.cases.events.case_page_probes),
    # the id a parameter (as session.get with these options was not): see
    # app/cases/services.py _latest_events_statement. With the case, the status change waiting
    # for approval (app.cases.services.pending_request: at most one), or None, and the
    # questions' answers: a statement fewer each.
    return (
        select(Case, TransitionRequest, *(case_page_probes[name](Case.id) for name in probes))
        .outerjoin(
            TransitionRequest,
            and_(
                TransitionRequest.case_id == Case.id,
                TransitionRequest.state == ApprovalState.PENDING.value,
            ),
        )
        .where(Case.id == bindparam("case_id"))
        .options(*CASE_PAGE_LOADS)
    )


# The activity stream shows this many items, and this many more for each "Show more", up to
# ACTIVITY_MAX (a case's whole history is the printed summary's and the audit trail's job).
ACTIVITY_STEP = 20
ACTIVITY_MAX = 500


def _activity_shown(asked: int | None) -> int:
    """How many stream items to show: what the "Show more" link asked for, within bounds."""
    return min(max(asked or ACTIVITY_STEP, ACTIVITY_STEP), ACTIVITY_MAX)


def _relative_choices(case: Case):
    """The relatives a contact can name: the case's relatives, if loaded (the case page loads
    them with the case), else read as (id, name) pairs: a form posted to the case (a contact,
    every few minutes a caseworker) loaded every column of each relative as a mapped object to
    offer its name."""
    pairs: Iterable[tuple[int, str]]
    if "relatives" in inspect(case).unloaded:
        pairs = db.read(_RELATIVE_NAMES, {"case_id": case.id}).tuples()
    else:
        pairs = [(r.id, r.full_name) for r in case.relatives]
    return choices([("", "—"), *pairs])


_RELATIVE_NAMES = (
    select(Relative.id, Relative.full_name)
    .where(Relative.case_id == bindparam("case_id"))
    .order_by(Relative.id)  # as Case.relatives
)


# The case page's forms: the template that shows each (app.forms.form_html) and the endpoint
# it posts to, with the case's id (the decision: the waiting request's).
CASE_PAGE_FORMS: dict[type[PrefixedForm], tuple[str, str]] = {
    StatusForm: ("cases/_status_form.html", "cases.status"),
    ContactForm: ("cases/_contact_form.html", "cases.contact_add"),
    RelativeForm: ("cases/_relative_form.html", "cases.relative_add"),
    AliasForm: ("cases/_alias_form.html", "cases.alias_add"),
    NoteForm: ("cases/_note_form.html", "cases.note_add"),
    CaseNumberForm: ("cases/_link_form.html", "cases.sibling_link"),
    DuplicateForm: ("cases/_duplicate_form.html", "cases.duplicate"),
    ArchiveForm: ("cases/_archive_form.html", "cases.archive"),
    DecisionForm: ("cases/_decision_form.html", "cases.decide"),
}


# What the case page links to at its case's own addresses (its forms, its other pages, its
# activity narrowed to a kind), by endpoint: the values besides the case's id.
_CASE_PAGE_LINKS: dict[str, tuple[str, dict[str, Any]]] = {
    **{
        endpoint: (endpoint, {})
        for _template, endpoint in CASE_PAGE_FORMS.values()
        if endpoint != "cases.decide"  # the waiting request's, not the case's
    },
    "cases.edit": ("cases.edit", {}),
    "cases.print_summary": ("cases.print_summary", {}),
    # The whole stream has no parameter: url_for drops a None.
    **{
        f"activity:{kind}": (
            "cases.detail",
            {"activity": kind if kind != ActivityKind.ALL else None},
        )
        for kind in ActivityKind
    },
}


def _case_page_links(case_id: int) -> dict[str, str]:
    """The case page's links at its case's addresses (:data:`_CASE_PAGE_LINKS`), by name.

    Their shapes are built once per site prefix and kept for the life of the process (id_url
    around a stand-in id, as app.web.layout_urls keeps the layout's links), each case's id put
    into them: a url_for for each, fourteen a page, was about 560 Python calls a page."""
    kept: dict[str, dict[str, Callable[[int], str]]] = current_app.extensions.setdefault(
        "case_page_links", {}
    )
    shapes = kept.get(request.script_root)
    if shapes is None:
        shapes = kept[request.script_root] = {
            name: id_url(endpoint, "case_id", **values)
            for name, (endpoint, values) in _CASE_PAGE_LINKS.items()
        }
    return {name: shape(case_id) for name, shape in shapes.items()}


def _shown_forms(
    case: Case,
    can_edit: bool,
    pending: TransitionRequest | None,
    transitions: Sequence[Transition],
) -> list[type[PrefixedForm]]:
    """The forms the case page shows this reader, on the conditions its template shows them
    on: one it would not show is not built (all nine were built for every reader, also for one
    who may change nothing on an archived case)."""
    approves = current_user.can(Permission.CASE_APPROVE)
    shown: dict[type[PrefixedForm], bool] = {
        StatusForm: can_edit and bool(transitions) and pending is None,
        ContactForm: can_edit,
        RelativeForm: can_edit,
        AliasForm: can_edit,
        NoteForm: can_edit,
        CaseNumberForm: can_edit,
        DuplicateForm: approves and not case.archived,
        ArchiveForm: approves and not case.archived,
        DecisionForm: approves and pending is not None,
    }
    return [form_class for form_class, shows in shown.items() if shows]


def _case_page_forms(
    case: Case,
    can_edit: bool,
    pending: TransitionRequest | None,
    transitions: Sequence[Transition],
    refused: PrefixedForm | None,
    links: dict[str, str],
) -> dict[str, Markup]:
    """The markup of each form the case page shows this reader, by the name its template
    gives it (``status_form``): ``refused`` as it was posted, the others blank (kept, see
    app.forms.form_html; on a refused post the other forms stay blank, not filled from it)."""
    # What a blank form shows beyond its class and the language: the status form's targets
    # (and their note on approval). The contact form of a case with relatives offers their
    # names: it is rendered for the request, not kept (no person's name stays in the process
    # beyond the request that showed it).
    targets = tuple((t.target.value, t.needs_approval) for t in transitions)
    variants: dict[type[PrefixedForm], Hashable] = {StatusForm: targets}

    def prepared(form: PrefixedForm) -> PrefixedForm:
        if isinstance(form, StatusForm):
            form.target.choices = choices(
                (t.target.value, STATUS_LABELS[t.target]) for t in transitions
            )
        elif isinstance(form, ContactForm):
            form.relative.choices = _relative_choices(case)
        return form

    def blank(form_class: type[PrefixedForm]) -> PrefixedForm:
        return prepared(form_class(formdata=None))

    forms = {}
    for form_class in _shown_forms(case, can_edit, pending, transitions):
        template, endpoint = CASE_PAGE_FORMS[form_class]
        if form_class is DecisionForm:
            action = url_for(endpoint, request_id=cast(TransitionRequest, pending).id)
        else:
            action = links[endpoint]
        own = refused if refused is not None and type(refused) is form_class else None
        if own is None and form_class is ContactForm and case.relatives:
            own = blank(form_class)  # names: shown as rendered, not kept
        forms[f"{form_class.prefix_name}_form"] = form_html(
            template,
            partial(blank, form_class),
            prepared(own) if own is not None else None,
            action=action,
            variant=variants.get(form_class, ()),
            **({"transitions": transitions} if form_class is StatusForm else {}),
        )
    return forms


def _case_page(
    case: Case,
    pending: TransitionRequest | None,
    refused: PrefixedForm | None = None,
    probes: dict[str, bool] | None = None,
):
    """The case page, ``pending`` its status change waiting for approval, with blank forms,
    or with ``refused``, a form of it that was posted and refused, in its place: showing what
    was typed and, beside each field, what is wrong. ``probes``: the answers to
    :data:`app.cases.events.case_page_probes` read with the case, if they were."""
    with brief_write():
        record_case_read(case)
    can_edit = can_edit_case(current_user, case)
    transitions = allowed_targets(case.status)
    contacts = case_contacts(case)
    activity_kind = ActivityKind.parse(request.args.get("activity"))
    shown = _activity_shown(request.args.get("shown", type=int))
    links = _case_page_links(case.id)
    return render_template(
        "cases/detail.html",
        case=case,
        links=links,
        can_edit=can_edit,
        activity=case_activity(case, activity_kind, shown),
        activity_kind=activity_kind,
        activity_shown=shown,
        activity_step=ACTIVITY_STEP,
        contacts=contacts,
        latest_contact=contacts[0] if contacts else None,
        next_step=next_open_step(contacts, date.today()),
        pending=pending,
        transitions=transitions,
        relationship_labels=RELATIONSHIP_LABELS,
        # The refused form's <details> stays open, its errors in sight.
        open_form=refused.prefix_name if refused is not None and refused.errors else None,
        **_case_page_forms(case, can_edit, pending, transitions, refused, links),
        **page_sections(case_page_shown, current_app_object(), case=case, probes=probes),
    )


@bp.route("/cases/<int:case_id>/print")
@require(Permission.CASE_READ)
def print_summary(case_id: int):
    """A summary of the case on paper, to hand over or file: no forms, a confidentiality line,
    who printed it and when, and a signature block. Recorded as a read, like the case page."""
    case = _load_case(case_id)
    record_case_read(case, page="print")
    db.session.commit()
    reads_only_from_here()
    contacts = case_contacts(case)
    return render_template(
        "cases/print.html",
        case=case,
        contacts=contacts,
        notes=case_notes(case),
        printed_at=utcnow(),
        relationship_labels=RELATIONSHIP_LABELS,
    )


@bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
@require(Permission.CASE_EDIT)
def edit(case_id: int):
    case = _load_case(case_id, edit=True)
    form = CaseForm(obj=case)
    form.source_list.choices = _source_list_choices()
    conflict = None
    if request.method == "GET":
        form.start_from(case)
    form.source_list.data = case.source_list_id  # the list is fixed once a case exists
    if form.validate_on_submit():
        try:
            changed = update_case(
                case,
                current_user,
                form.case_fields(),
                form.expected_version(),
                form.base_values(),
                form.clash_choices(),
            )
            db.session.commit()
        except StaleCaseError as error:
            db.session.rollback()
            conflict = error
        except StaleDataError:
            db.session.rollback()
            case = db.session.get_one(Case, case_id)
            conflict = stale_edit(
                case, form.case_fields(), form.expected_version(), form.base_values()
            )
        except CaseError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            if changed:
                flash(_("Case saved."), "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    chosen: dict[str, str] = {}
    if conflict is not None:
        form.show_conflict(conflict)
        # Choices made on this version still stand; after a further save they are asked again.
        chosen = {} if conflict.stale else form.clash_choices()
    # The form shows the child's file as the case page does: recorded as a read likewise.
    record_case_read(case)
    db.session.commit()
    reads_only_from_here()
    return render_template(
        "cases/form.html", form=form, case=case, conflict=conflict, chosen=chosen
    )


def _case_action(case_id: int, form_class, action, success: str):
    """The shape every small POST on a case page shares: load, validate, act, commit.
    When ``action`` returns a string, that message replaces ``success``. A refused form
    (invalid, or the operation said no) shows the case page again with the form as posted."""
    case = _load_case(case_id, edit=True)
    form = form_class()
    if hasattr(form, "relative"):
        form.relative.choices = _relative_choices(case)
    if form.validate_on_submit():
        try:
            message = action(case, form)
        except (CaseError, TransitionError) as error:
            db.session.rollback()
            add_form_error(form, str(error), error.field)
        else:
            db.session.commit()
            flash(message if isinstance(message, str) else success, "success")
            return redirect(url_for("cases.detail", case_id=case_id))
    if not isinstance(form, PrefixedForm):
        # A button with no fields of its own (a next step's "Done"): nowhere else to say it.
        flash_form_errors(form)
        return redirect(url_for("cases.detail", case_id=case_id))
    return _case_page(case, pending_request(case), refused=form)


@bp.route("/cases/<int:case_id>/relatives", methods=["POST"])
@require(Permission.CASE_EDIT)
def relative_add(case_id: int):
    def act(case, form):
        add_relative(case, current_user, **form.relative_fields())

    return _case_action(case_id, RelativeForm, act, _("Relative added."))


@bp.route("/cases/<int:case_id>/relatives/<int:relative_id>", methods=["GET", "POST"])
@require(Permission.CASE_EDIT)
def relative_edit(case_id: int, relative_id: int):
    case = _load_case(case_id, edit=True)
    relative = db.session.get(Relative, relative_id)
    if relative is None or relative.case_id != case.id:
        abort(404)
    form = RelativeForm(obj=relative)
    form.submit.label.text = _("Save relative")
    if form.validate_on_submit():
        try:
            update_relative(relative, current_user, **form.relative_fields())
        except CaseError as error:
            db.session.rollback()
            form.full_name.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Relative saved."), "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    record_relative_read(relative)
    db.session.commit()
    reads_only_from_here()
    return render_template("cases/relative_form.html", form=form, case=case, relative=relative)


@bp.route("/cases/<int:case_id>/aliases", methods=["POST"])
@require(Permission.CASE_EDIT)
def alias_add(case_id: int):
    def act(case, form):
        add_alias(
            case,
            current_user,
            form.kind.data,
            text(form.family_name),
            text(form.given_name),
            text(form.patronymic),
        )

    return _case_action(case_id, AliasForm, act, _("Alias added."))


@bp.route("/cases/<int:case_id>/contacts", methods=["POST"])
@require(Permission.CASE_EDIT)
def contact_add(case_id: int):
    def act(case, form):
        log_contact(
            case,
            current_user,
            contacted_on=form.contacted_on.data,
            channel=form.channel.data,
            relative_id=form.relative.data,
            with_whom=text(form.with_whom),
            outcome=text(form.outcome),
            next_step=text(form.next_step),
            next_step_due=form.next_step_due.data,
        )

    return _case_action(case_id, ContactForm, act, _("Contact logged."))


@bp.route("/cases/<int:case_id>/contacts/<int:contact_id>/done", methods=["POST"])
@require(Permission.CASE_EDIT)
def contact_done(case_id: int, contact_id: int):
    def act(case, form):
        contact = db.session.get(ContactLog, contact_id)
        if contact is None or contact.case_id != case.id:
            abort(404)
        complete_next_step(contact, current_user)

    return _case_action(case_id, EmptyForm, act, _("Next step marked as done."))


@bp.route("/cases/<int:case_id>/notes", methods=["POST"])
@require(Permission.CASE_EDIT)
def note_add(case_id: int):
    return _case_action(
        case_id,
        NoteForm,
        lambda case, form: add_note(case, current_user, form.body.data),
        _("Note added."),
    )


@bp.route("/cases/<int:case_id>/status", methods=["POST"])
@require(Permission.CASE_EDIT)
def status(case_id: int):
    def act(case, form):
        pending = change_status(
            case,
            current_user,
            form.target.data,
            text(form.reason),
            form.closure_reason.data or None,
        )
        return _("The change waits for a supervisor's approval.") if pending else None

    return _case_action(case_id, StatusForm, act, _("Status changed."))


@bp.route("/cases/<int:case_id>/siblings", methods=["POST"])
@require(Permission.CASE_EDIT)
def sibling_link(case_id: int):
    def act(case, form):
        other = _case_by_number(form.case_number.data)
        link_siblings(case, other, current_user)

    return _case_action(case_id, CaseNumberForm, act, _("Siblings linked."))


def _case_by_number(text: str) -> Case:
    other_id = parse_case_number(text)
    other = db.session.get(Case, other_id) if other_id else None
    if other is None or not can_read_case(current_user, other):
        raise CaseError(
            _("No case with number %(n)s that you can see.", n=text), field="case_number"
        )
    return other


@bp.route("/cases/<int:case_id>/duplicate", methods=["POST"])
@require(Permission.CASE_APPROVE)
def duplicate(case_id: int):
    def act(case, form):
        mark_duplicate(
            case, _case_by_number(form.case_number.data), current_user, text(form.reason)
        )

    return _case_action(case_id, DuplicateForm, act, _("Case marked as a duplicate."))


@bp.route("/cases/<int:case_id>/archive", methods=["POST"])
@require(Permission.CASE_APPROVE)
def archive(case_id: int):
    return _case_action(
        case_id,
        ArchiveForm,
        lambda case, form: archive_case(case, current_user, form.reason.data),
        _("Case archived."),
    )


@bp.route("/approvals")
@require(Permission.CASE_APPROVE, reads_only=True)
def approvals():
    page = db.paginate(
        queues.pending_transitions(), per_page=current_app.config["PER_PAGE"], error_out=False
    )
    record_list_read(*(transition.case for transition in page.items))
    return render_template("cases/approvals.html", page=page, form=DecisionForm())


@bp.route("/approvals/<int:request_id>", methods=["POST"])
@require(Permission.CASE_APPROVE)
def decide(request_id: int):
    transition_request = db.get_or_404(TransitionRequest, request_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            decide_transition(
                transition_request,
                current_user,
                approve=bool(form.approve.data),
                note=form.note.data or "",
            )
        except TransitionError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Approved.") if form.approve.data else _("Rejected."), "success")
    return redirect(request.referrer or url_for("cases.approvals"))


@bp.route("/queues")
@require(Permission.CASE_ASSIGN, reads_only=True)
def supervisor_home():
    days = current_app.config["STALE_CASE_DAYS"]
    per_page = 10
    unassigned_sort = parse_sort(
        request.args.get("unassigned_sort"), queues.CASE_SORTS, queues.DEFAULT_UNASSIGNED_SORT
    )
    stale_sort = parse_sort(
        request.args.get("stale_sort"), queues.CASE_SORTS, queues.DEFAULT_STALE_SORT
    )
    # The three lists' totals first, in one statement (queues.queue_totals), not a count
    # each: a round trip is most of a count's cost on PostgreSQL once it reads an index, and
    # an empty queue's page is then not read. The unassigned cases are most of the open ones
    # (18,720 of 20,000 at national scale): the database keeps their number (app/tallies.py).
    # The lists' statements are built once per order (queues.unassigned_page, stale_page).
    stale_before = queues.stale_since(days)
    unassigned_total, stale_total, pending_total = queues.queue_totals(stale_before)
    pages: list[tuple[str, Callable[[int, int], Sequence[Any]], int]] = [
        (
            "unassigned",
            partial(case_rows, queues.unassigned_page(unassigned_sort)),
            unassigned_total,
        ),
        (
            "stale",
            partial(case_rows, queues.stale_page(stale_sort), stale_before=stale_before),
            stale_total,
        ),
        ("pending", queues.pending_page, pending_total),
    ]
    unassigned, stale, pending = (
        db.paginate(
            None,
            per_page=per_page,
            error_out=False,
            page=request.args.get(f"{name}_page", 1, type=int),
            read=read,
            total=total,
        )
        for name, read, total in pages
    )
    record_list_read(
        *unassigned.items, *stale.items, *(transition.case for transition in pending.items)
    )
    return render_template(
        "cases/supervisor_home.html",
        unassigned=unassigned,
        unassigned_sort=unassigned_sort,
        stale=stale,
        stale_sort=stale_sort,
        pending=pending,
        load=queues.caseworker_load(),
        stale_days=days,
        # Only for a table with requests in it (building and rendering the form was some 550
        # Python calls a request); at national scale nothing usually waits for approval.
        decision_form=DecisionForm() if pending.items else None,
        **page_sections(supervisor_queues_shown, current_app_object()),
    )


@bp.route("/my-cases")
@require(Permission.CASE_READ, reads_only=True)
def my_cases():
    sort = parse_sort(request.args.get("sort"), queues.MY_CASES_SORTS, queues.DEFAULT_MY_CASES_SORT)
    page = db.paginate(
        None,
        per_page=page_size(),
        error_out=False,
        read=partial(case_rows, queues.my_cases_page(sort), user_id=current_user.id),
        total=partial(queues.my_cases_total, current_user),
    )
    record_list_read(*page.items)
    due_dates = queues.next_due_dates([case.id for case in page.items])
    return render_template(
        "cases/my_cases.html",
        page=page,
        today=date.today(),
        due_dates=due_dates,
        sort=sort,
        page_sizes=PAGE_SIZES,
    )


@bp.route("/source-lists")
@require(Permission.SOURCE_LIST_VIEW)
def source_lists():
    lists = db.session.scalars(select(SourceList).order_by(SourceList.name)).all()
    progress = {sl.id: count_cases_by_progress(sl.id) for sl in lists}
    return render_template("cases/source_lists.html", lists=lists, progress=progress)


@bp.route("/source-lists/new", methods=["GET", "POST"])
@require(Permission.SOURCE_LIST_MANAGE)
def source_list_new():
    form = SourceListForm()
    if form.validate_on_submit():
        try:
            source_list = create_source_list(
                form.name.data,
                form.organisation.data or "",
                form.received_on.data,
                form.note.data or "",
            )
        except CaseError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Source list created."), "success")
            return redirect(url_for("cases.source_list", source_list_id=source_list.id))
    return render_template("cases/source_list_form.html", form=form)


@bp.route("/source-lists/<int:source_list_id>/export.<fmt>")
@require(Permission.SOURCE_LIST_VIEW)
def source_list_export(source_list_id: int, fmt: str):
    """Progress per status: numbers only, so admins may export it too."""
    if fmt not in EXPORT_FORMATS:
        abort(404)
    source_list = db.get_or_404(SourceList, source_list_id)
    counts = count_cases_by_progress(source_list.id)
    record(AuditAction.EXPORT, source_list, detail={"format": fmt, "what": "progress"})
    db.session.commit()
    rows = [
        (source_list.name, status, str(STATUS_LABELS[status]), counts.get(status, 0))
        for status in CaseStatus
    ]
    return export_response(
        f"progress-{source_list.id}", ("source_list", "status", "label", "cases"), rows, fmt
    )


@bp.route("/source-lists/<int:source_list_id>")
@require(Permission.SOURCE_LIST_VIEW)
def source_list(source_list_id: int):
    source_list = db.get_or_404(SourceList, source_list_id)
    counts = count_cases_by_progress(source_list.id)
    return render_template(
        "cases/source_list.html",
        source_list=source_list,
        counts=counts,
        total=sum(counts.values()),
        chart=status_bars(counts),
    )
