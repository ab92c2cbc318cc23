"""Cases and partner records carry an identity document number, a street address and a postcode

Revision ID: 397845f9f2a1
Revises: b26627962406
Create Date: 2026-12-01 19:17:14.262131

"""
from alembic import op
import sqlalchemy as sa

import app.database


# revision identifiers, used by Alembic.
revision = '397845f9f2a1'
down_revision = 'b26627962406'
branch_labels = None
depends_on = None


def upgrade():
    # Existing rows know none of them: empty, as a form or an import leaves an unknown field.
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('street_address', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('postcode', sa.String(length=20), nullable=False, server_default=''))

    with op.batch_alter_table('import_row', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document_number', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('street_address', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('postcode', sa.Text(), nullable=False, server_default=''))

    with op.batch_alter_table('partner_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document_number', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('street_address', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('postcode', sa.String(length=20), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('partner_record', schema=None) as batch_op:
        batch_op.drop_column('postcode')
        batch_op.drop_column('street_address')
        batch_op.drop_column('document_number')

    with op.batch_alter_table('import_row', schema=None) as batch_op:
        batch_op.drop_column('postcode')
        batch_op.drop_column('street_address')
        batch_op.drop_column('document_number')

    # Not rebuilt on SQLite: case_record has a computed column a rebuild cannot copy, and
    # SQLite (3.35 and later) drops a plain column in place.
    with op.batch_alter_table('case_record', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('postcode')
        batch_op.drop_column('street_address')
