"""Matching runs keep the prior they scored with

Revision ID: b514bc8f8c1b
Revises: f54881a5040c
Create Date: 2026-12-01 13:20:58.922216

"""
from alembic import op
import sqlalchemy as sa

import app.database


# revision identifiers, used by Alembic.
revision = 'b514bc8f8c1b'
down_revision = 'f54881a5040c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('matching_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calibration', sa.JSON(), nullable=True))

    with op.batch_alter_table('matching_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('true_pairs_per_case', sa.Float(), nullable=True))



def downgrade():
    with op.batch_alter_table('matching_state', schema=None) as batch_op:
        batch_op.drop_column('true_pairs_per_case')

    with op.batch_alter_table('matching_run', schema=None) as batch_op:
        batch_op.drop_column('calibration')

