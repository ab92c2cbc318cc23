"""The administrator's pages: user accounts and the audit trail (no case content)."""
