"""The audit trail's vocabularies in the reader's language (stored values stay English codes)."""

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from app.audit.models import AuditAction

ACTION_LABELS: dict[str, LazyString] = {
    AuditAction.LOGIN: _l("Signed in"),
    AuditAction.LOGIN_FAILED: _l("Sign-in failed"),
    AuditAction.LOGOUT: _l("Signed out"),
    AuditAction.SESSIONS_ENDED: _l("Signed out everywhere"),
    AuditAction.PASSWORD_CHANGE: _l("Password changed"),
    AuditAction.SECOND_FACTOR_ENROLLED: _l("Second factor set up"),
    AuditAction.SECOND_FACTOR_FAILED: _l("Second factor failed"),
    AuditAction.SECOND_FACTOR_RESET: _l("Second factor removed"),
    AuditAction.RECOVERY_CODE_USED: _l("Recovery code used"),
    AuditAction.CREATE: _l("Created"),
    AuditAction.UPDATE: _l("Changed"),
    AuditAction.DELETE: _l("Deleted"),
    AuditAction.READ: _l("Viewed"),
    AuditAction.STATUS_CHANGE: _l("Status changed"),
    AuditAction.ASSIGN: _l("Assigned"),
    AuditAction.APPROVE: _l("Approved"),
    AuditAction.REJECT: _l("Rejected"),
    AuditAction.IMPORT: _l("Imported"),
    AuditAction.EXPORT: _l("Exported"),
    AuditAction.MERGE: _l("Merged"),
}

# Audit events name the table of their object; an unknown one is shown as stored.
OBJECT_TYPE_LABELS: dict[str, LazyString] = {
    "case_record": _l("Case"),
    "case_alias": _l("Alias"),
    "relative": _l("Relative"),
    "contact_log": _l("Contact"),
    "case_note": _l("Note"),
    "transition_request": _l("Status change request"),
    "source_list": _l("Source list"),
    "user": _l("User"),
    "user_account": _l("User"),
    "recovery_code": _l("Recovery code"),
    "import_batch": _l("Import"),
    "partner_source": _l("Partner source"),
    "partner_record": _l("Partner record"),
    "match_candidate": _l("Match"),
    "matching_run": _l("Matching run"),
    "given_name_entry": _l("Given name"),
}
