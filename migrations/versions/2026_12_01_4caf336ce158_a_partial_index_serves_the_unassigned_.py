"""A partial index serves the unassigned queue on PostgreSQL, and an index the search by a partner list's own number

Revision ID: 4caf336ce158
Revises: 397845f9f2a1
Create Date: 2026-12-01 22:20:07.471900

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4caf336ce158'
down_revision = '397845f9f2a1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.create_index('ix_case_record_external_id', ['external_id'], unique=False)
        # PostgreSQL orders by ix_case_record_assigned_rank's later columns only after an
        # equality on assigned_to_id, and IS NULL is none: it sorted the whole unassigned queue
        # for each page. Only the unassigned cases, in the queue's order (the same on SQLite).
        batch_op.create_index(
            'ix_case_record_unassigned',
            ['priority_rank', 'id', 'status', 'archived'],
            unique=False,
            postgresql_where=sa.text('assigned_to_id IS NULL'),
            sqlite_where=sa.text('assigned_to_id IS NULL'),
        )


def downgrade():
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.drop_index('ix_case_record_unassigned')
        batch_op.drop_index('ix_case_record_external_id')
