"""Prisoners of war get the fields their exchanges need

The case's service number, rank, unit, capture and health category (empty for existing
cases, whose health category is "none"); where the other side holds the person, per exchange
line; and the staged import row's columns for a prisoner list.

Revision ID: 6a56ebe28828
Revises: f33ec222cec8
Create Date: 2026-12-01 13:14:51.683132

"""
from alembic import op
import sqlalchemy as sa

import app.database


# revision identifiers, used by Alembic.
revision = '6a56ebe28828'
down_revision = 'f33ec222cec8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_number', sa.String(length=50), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('rank', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('unit', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('captured_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('place_of_capture', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('health_category', sa.String(length=20), nullable=False, server_default='none'))
        batch_op.create_check_constraint(
            'health_category_known',
            "health_category IN ('none', 'seriously_wounded', 'seriously_ill', 'other')",
        )

    with op.batch_alter_table('exchange_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('where_held', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('where_held_reported_on', sa.Date(), nullable=True))

    with op.batch_alter_table('import_row', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_number', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('rank', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('unit', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('place_of_capture', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('captured_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('import_row', schema=None) as batch_op:
        batch_op.drop_column('captured_on')
        batch_op.drop_column('place_of_capture')
        batch_op.drop_column('unit')
        batch_op.drop_column('rank')
        batch_op.drop_column('service_number')

    with op.batch_alter_table('exchange_line', schema=None) as batch_op:
        batch_op.drop_column('where_held_reported_on')
        batch_op.drop_column('where_held')

    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.drop_constraint('health_category_known', type_='check')
        batch_op.drop_column('health_category')
        batch_op.drop_column('place_of_capture')
        batch_op.drop_column('captured_on')
        batch_op.drop_column('unit')
        batch_op.drop_column('rank')
        batch_op.drop_column('service_number')

