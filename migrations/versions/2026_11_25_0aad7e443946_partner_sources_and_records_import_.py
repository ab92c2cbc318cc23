"""Partner sources and records, import batches and their problems.

Revision ID: 0aad7e443946
Revises: e02b2789c290
Create Date: 2026-11-25 11:02:45.912742

"""
from alembic import op
import sqlalchemy as sa

import app.database


# revision identifiers, used by Alembic.
revision = '0aad7e443946'
down_revision = 'e02b2789c290'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('partner_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('list_name', sa.String(length=200), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('mapping', sa.JSON(), nullable=True),
    sa.Column('created_at', app.database.TZDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_source')),
    sa.UniqueConstraint('name', name=op.f('uq_partner_source_name'))
    )
    op.create_table('import_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('partner_source_id', sa.Integer(), nullable=True),
    sa.Column('source_list_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=True),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('encoding', sa.String(length=20), nullable=True),
    sa.Column('delimiter', sa.String(length=1), nullable=True),
    sa.Column('headers', sa.JSON(), nullable=True),
    sa.Column('mapping', sa.JSON(), nullable=True),
    sa.Column('all_or_nothing', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('warnings', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('runner', sa.String(length=100), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.database.TZDateTime(), nullable=False),
    sa.Column('started_at', app.database.TZDateTime(), nullable=True),
    sa.Column('finished_at', app.database.TZDateTime(), nullable=True),
    sa.CheckConstraint("(kind = 'records' AND partner_source_id IS NOT NULL) OR (kind = 'cases' AND source_list_id IS NOT NULL)", name=op.f('ck_import_batch_target_given')),
    sa.CheckConstraint("kind IN ('records', 'cases')", name=op.f('ck_import_batch_kind_known')),
    sa.CheckConstraint("status IN ('pending', 'running', 'done', 'failed')", name=op.f('ck_import_batch_status_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_import_batch_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['partner_source_id'], ['partner_source.id'], name=op.f('fk_import_batch_partner_source_id_partner_source')),
    sa.ForeignKeyConstraint(['source_list_id'], ['source_list.id'], name=op.f('fk_import_batch_source_list_id_source_list')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batch'))
    )
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.create_index('ix_import_batch_sha256', ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_batch_status'), ['status'], unique=False)

    op.create_table('import_problem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('line_number', sa.Integer(), nullable=False),
    sa.Column('column_name', sa.String(length=200), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.CheckConstraint("severity IN ('warning', 'rejected')", name=op.f('ck_import_problem_severity_known')),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_import_problem_batch_id_import_batch'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_problem'))
    )
    with op.batch_alter_table('import_problem', schema=None) as batch_op:
        batch_op.create_index('ix_import_problem_batch_line', ['batch_id', 'line_number'], unique=False)

    op.create_table('partner_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=100), nullable=False),
    sa.Column('family_name', sa.String(length=200), nullable=False),
    sa.Column('given_name', sa.String(length=200), nullable=False),
    sa.Column('patronymic', sa.String(length=200), nullable=False),
    sa.Column('sex', sa.String(length=10), nullable=False),
    sa.Column('dob_year', sa.Integer(), nullable=True),
    sa.Column('dob_month', sa.Integer(), nullable=True),
    sa.Column('dob_day', sa.Integer(), nullable=True),
    sa.Column('age', sa.Integer(), nullable=True),
    sa.Column('age_on', sa.Date(), nullable=True),
    sa.Column('place_of_birth', sa.String(length=200), nullable=False),
    sa.Column('place_of_origin', sa.String(length=200), nullable=False),
    sa.Column('current_location', sa.String(length=300), nullable=False),
    sa.Column('institution', sa.String(length=200), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('mother_name', sa.String(length=300), nullable=False),
    sa.Column('father_name', sa.String(length=300), nullable=False),
    sa.Column('raw', sa.JSON(), nullable=False),
    sa.Column('line_number', sa.Integer(), nullable=True),
    sa.Column('row_hash', sa.String(length=64), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.database.TZDateTime(), nullable=False),
    sa.Column('updated_at', app.database.TZDateTime(), nullable=False),
    sa.CheckConstraint("sex IN ('male', 'female', 'unknown')", name=op.f('ck_partner_record_sex_known')),
    sa.CheckConstraint('dob_day IS NULL OR dob_day BETWEEN 1 AND 31', name=op.f('ck_partner_record_dob_day_range')),
    sa.CheckConstraint('dob_month IS NULL OR dob_month BETWEEN 1 AND 12', name=op.f('ck_partner_record_dob_month_range')),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_partner_record_batch_id_import_batch')),
    sa.ForeignKeyConstraint(['source_id'], ['partner_source.id'], name=op.f('fk_partner_record_source_id_partner_source')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_record')),
    sa.UniqueConstraint('source_id', 'external_id', name='uq_partner_record_source_external')
    )
    with op.batch_alter_table('partner_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_record_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_partner_record_family_name', ['family_name'], unique=False)



def downgrade():
    with op.batch_alter_table('partner_record', schema=None) as batch_op:
        batch_op.drop_index('ix_partner_record_family_name')
        batch_op.drop_index(batch_op.f('ix_partner_record_batch_id'))

    op.drop_table('partner_record')
    with op.batch_alter_table('import_problem', schema=None) as batch_op:
        batch_op.drop_index('ix_import_problem_batch_line')

    op.drop_table('import_problem')
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_batch_status'))
        batch_op.drop_index('ix_import_batch_sha256')

    op.drop_table('import_batch')
    op.drop_table('partner_source')
