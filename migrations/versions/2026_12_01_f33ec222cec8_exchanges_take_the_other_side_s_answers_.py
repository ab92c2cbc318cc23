"""Exchanges take the other side's answers from files and pair them with their people

Revision ID: f33ec222cec8
Revises: 93b5e97f4659
Create Date: 2026-12-01 13:20:50.627877

"""
from alembic import op
import sqlalchemy as sa

import app.database


# revision identifiers, used by Alembic.
revision = 'f33ec222cec8'
down_revision = '93b5e97f4659'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('exchange_answer_batch',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('exchange_id', sa.Integer(), nullable=False),
    sa.Column('created_at', app.database.TZDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_exchange_answer_batch_batch_id_import_batch'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['exchange_id'], ['exchange.id'], name=op.f('fk_exchange_answer_batch_exchange_id_exchange'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('batch_id', name=op.f('pk_exchange_answer_batch'))
    )
    with op.batch_alter_table('exchange_answer_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_answer_batch_exchange_id'), ['exchange_id'], unique=False)

    op.create_table('exchange_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exchange_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('answer_text', sa.String(length=200), nullable=False),
    sa.Column('answer', sa.String(length=20), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', app.database.TZDateTime(), nullable=True),
    sa.Column('created_at', app.database.TZDateTime(), nullable=False),
    sa.Column('updated_at', app.database.TZDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("answer IS NULL OR answer IN ('found', 'not_found', 'deceased', 'refused', 'handed_over')", name=op.f('ck_exchange_answer_answer_known')),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_exchange_answer_batch_id_import_batch'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user_account.id'], name=op.f('fk_exchange_answer_confirmed_by_id_user_account')),
    sa.ForeignKeyConstraint(['exchange_id'], ['exchange.id'], name=op.f('fk_exchange_answer_exchange_id_exchange'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['line_id'], ['exchange_line.id'], name=op.f('fk_exchange_answer_line_id_exchange_line'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['record_id'], ['partner_record.id'], name=op.f('fk_exchange_answer_record_id_partner_record'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_answer')),
    sa.UniqueConstraint('exchange_id', 'record_id', name='uq_exchange_answer_exchange_record')
    )
    with op.batch_alter_table('exchange_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_answer_exchange_id'), ['exchange_id'], unique=False)
        batch_op.create_index('ix_exchange_answer_line_id', ['line_id'], unique=False)

    op.create_table('exchange_answer_pairing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('likely', sa.Boolean(), nullable=False),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', app.database.TZDateTime(), nullable=True),
    sa.Column('created_at', app.database.TZDateTime(), nullable=False),
    sa.CheckConstraint("status IN ('proposed', 'confirmed', 'rejected')", name=op.f('ck_exchange_answer_pairing_status_known')),
    sa.CheckConstraint('score >= 0 AND score <= 1', name=op.f('ck_exchange_answer_pairing_score_range')),
    sa.ForeignKeyConstraint(['answer_id'], ['exchange_answer.id'], name=op.f('fk_exchange_answer_pairing_answer_id_exchange_answer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_exchange_answer_pairing_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['line_id'], ['exchange_line.id'], name=op.f('fk_exchange_answer_pairing_line_id_exchange_line'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_answer_pairing')),
    sa.UniqueConstraint('answer_id', 'line_id', name='uq_exchange_answer_pairing_answer_line')
    )
    with op.batch_alter_table('exchange_answer_pairing', schema=None) as batch_op:
        batch_op.create_index('ix_exchange_answer_pairing_line_id', ['line_id'], unique=False)



def downgrade():
    with op.batch_alter_table('exchange_answer_pairing', schema=None) as batch_op:
        batch_op.drop_index('ix_exchange_answer_pairing_line_id')

    op.drop_table('exchange_answer_pairing')
    with op.batch_alter_table('exchange_answer', schema=None) as batch_op:
        batch_op.drop_index('ix_exchange_answer_line_id')
        batch_op.drop_index(batch_op.f('ix_exchange_answer_exchange_id'))

    op.drop_table('exchange_answer')
    with op.batch_alter_table('exchange_answer_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_answer_batch_exchange_id'))

    op.drop_table('exchange_answer_batch')
