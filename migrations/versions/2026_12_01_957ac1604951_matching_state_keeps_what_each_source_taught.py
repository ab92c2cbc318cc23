"""Matching state keeps what each source taught the last full run

Revision ID: 957ac1604951
Revises: d6a7c9310f0f
Create Date: 2026-12-01 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '957ac1604951'
down_revision = 'd6a7c9310f0f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('matching_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parameters', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('matching_state', schema=None) as batch_op:
        batch_op.drop_column('parameters')
