"""Cases remember when a field the matcher reads last changed

Revision ID: e858cd8b7753
Revises: e1f523354853
Create Date: 2026-12-01 10:46:40.481064

"""
from alembic import op
import sqlalchemy as sa

import app.database


# revision identifiers, used by Alembic.
revision = 'e858cd8b7753'
down_revision = 'e1f523354853'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identity_changed_at', app.database.TZDateTime(), nullable=True))
    # What is known of existing cases: their last change of any kind. At worst the next
    # incremental run re-links a case that changed only its activity, as it did before.
    cases = sa.table(
        'case_record',
        sa.column('identity_changed_at', app.database.TZDateTime()),
        sa.column('updated_at', app.database.TZDateTime()),
    )
    op.execute(cases.update().values(identity_changed_at=cases.c.updated_at))
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.alter_column(
            'identity_changed_at', existing_type=app.database.TZDateTime(), nullable=False
        )


def downgrade():
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.drop_column('identity_changed_at')
