"""The case list's name index is in the alphabet's collation, the review queue's index ascends, a case's priority has a computed rank with an index for the unassigned queue, and the status index holds archived, so that each list reads its page in its order and counts from an index

Revision ID: b5e1c0a7d2f4
Revises: 987a5c8680c4
Create Date: 2026-12-01 16:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5e1c0a7d2f4'
down_revision = '987a5c8680c4'
branch_labels = None
depends_on = None


def upgrade():
    # The case list sorts names in the "alphabet" collation (a1fabe7c0a11 creates it on
    # PostgreSQL; every SQLite connection of the application registers it, app/sqlite.py).
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.drop_index('ix_case_record_status_name')
        batch_op.create_index(
            'ix_case_record_status_name',
            ['status', sa.text('family_name COLLATE alphabet'),
             sa.text('given_name COLLATE alphabet'), 'id'],
            unique=False,
        )

    # The priority's rank in the queues, computed by the database (VIRTUAL on SQLite, which can
    # add no STORED column; STORED on PostgreSQL, which has no other kind).
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priority_rank', sa.SmallInteger(), sa.Computed("CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 WHEN 'low' THEN 3 END"), nullable=False))
        batch_op.create_index('ix_case_record_assigned_rank', ['assigned_to_id', 'priority_rank', 'id'], unique=False)

    # A status filter's count (status, not archived) reads this index alone.
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.drop_index('ix_case_record_status_assigned')
        batch_op.create_index('ix_case_record_status_assigned', ['status', 'assigned_to_id', 'archived'], unique=False)

    # Best first (score DESC, id DESC) reads this index backwards.
    with op.batch_alter_table('match_candidate', schema=None) as batch_op:
        batch_op.drop_index('ix_match_candidate_queue')
        batch_op.create_index('ix_match_candidate_queue', ['status', 'likely', 'score', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.drop_index('ix_case_record_status_assigned')
        batch_op.create_index('ix_case_record_status_assigned', ['status', 'assigned_to_id'], unique=False)

    with op.batch_alter_table('match_candidate', schema=None) as batch_op:
        batch_op.drop_index('ix_match_candidate_queue')
        batch_op.create_index('ix_match_candidate_queue', ['status', 'likely', sa.literal_column('score DESC'), 'id'], unique=False)

    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.drop_index('ix_case_record_assigned_rank')
        batch_op.drop_column('priority_rank')

    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.drop_index('ix_case_record_status_name')
        batch_op.create_index('ix_case_record_status_name', ['status', 'family_name', 'given_name', 'id'], unique=False)
