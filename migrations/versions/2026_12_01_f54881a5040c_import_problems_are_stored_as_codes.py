"""Import problems are stored as codes

Revision ID: f54881a5040c
Revises: 136ca02f668f
Create Date: 2026-12-01 11:23:29.639268

"""
from alembic import op
import sqlalchemy as sa

import app.database


# revision identifiers, used by Alembic.
revision = 'f54881a5040c'
down_revision = '136ca02f668f'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable: rows written before keep their English sentence (reason, error) and no code,
    # and are shown as written.
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error_code', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('error_params', sa.JSON(), nullable=True))

    with op.batch_alter_table('import_problem', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_code', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('reason_params', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('import_problem', schema=None) as batch_op:
        batch_op.drop_column('reason_params')
        batch_op.drop_column('reason_code')

    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_column('error_params')
        batch_op.drop_column('error_code')
