"""Matching state keeps what each source taught the last full run

Revision ID: 957ac1604951
Revises: b514bc8f8c1b
Create Date: 2026-12-01 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '957ac1604951'
down_revision = 'b514bc8f8c1b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('matching_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parameters', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('matching_state', schema=None) as batch_op:
        batch_op.drop_column('parameters')
