"""Matching state remembers the highest record id its frequencies count

Revision ID: b26627962406
Revises: b5e1c0a7d2f4
Create Date: 2026-12-01 18:29:47.578564

"""
from alembic import op
import sqlalchemy as sa

import app.database


# revision identifiers, used by Alembic.
revision = 'b26627962406'
down_revision = 'b5e1c0a7d2f4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('matching_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counted_through_id', sa.Integer(), nullable=True))
    # Every record there is has been counted by the runs that followed its import.
    op.execute(
        "UPDATE matching_state SET counted_through_id = (SELECT max(id) FROM partner_record)"
    )


def downgrade():
    with op.batch_alter_table('matching_state', schema=None) as batch_op:
        batch_op.drop_column('counted_through_id')
