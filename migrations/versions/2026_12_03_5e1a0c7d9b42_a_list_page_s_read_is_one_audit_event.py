"""A list page's read is one audit event holding the ids it showed

Revision ID: 5e1a0c7d9b42
Revises: 840c0950b795
Create Date: 2026-12-03 04:30:00.000000

Until this revision a list page wrote one ``read`` event per object it showed: the match queue's
25 candidates made 50 rows, each with five index entries (on SQLite most of the page's time, and
a team's year of reading hundreds of millions of rows). From here on a page writes one event
whose ``shown`` holds the ids by table. Events written before stay as they are: the audit trail
is append-only, and "who saw this case" reads both kinds (``app.audit.services.about``).

PostgreSQL indexes ``shown`` with GIN (``jsonb_path_ops``: containment, ``@>``); SQLite has no
such index and reads the events' ids when an administrator filters the trail by object.
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = "5e1a0c7d9b42"
down_revision = "840c0950b795"
branch_labels = None
depends_on = None


def upgrade():
    # A new nullable column: SQLite adds it in place (no table rebuild, which would drop the
    # append-only triggers with the old table).
    op.add_column(
        "audit_event",
        sa.Column("shown", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_audit_event_shown",
            "audit_event",
            ["shown"],
            postgresql_using="gin",
            postgresql_ops={"shown": "jsonb_path_ops"},
        )


# Down: each page's ids become the events of the earlier revision, one per object, appended
# (the trail is append-only), so that going down loses nobody's read.
_EXPAND = """
INSERT INTO audit_event (at, actor_id, action, object_type, object_id, detail, ip_address)
SELECT page.at, page.actor_id, 'read', kind.key, {object_id}, page.detail, page.ip_address
FROM audit_event AS page, {each}(page.shown) AS kind, {elements}(kind.value) AS shown_id
WHERE page.shown IS NOT NULL
ORDER BY page.id
"""


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            _EXPAND.format(
                each="jsonb_each",
                elements="jsonb_array_elements_text",
                object_id="CAST(shown_id.value AS INTEGER)",
            )
        )
        op.drop_index("ix_audit_event_shown", table_name="audit_event")
    else:
        op.execute(
            _EXPAND.format(each="json_each", elements="json_each", object_id="shown_id.value")
        )
    op.drop_column("audit_event", "shown")
