"""moderation: segment moderation state and scores, cases, reports, strikes, copyright claims

Revision ID: b7d1f00d5e01
Revises: 7a1d0c0a0d17
Create Date: 2026-12-01 17:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b7d1f00d5e01'
down_revision = '7a1d0c0a0d17'
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")


def upgrade():
    with op.batch_alter_table('segments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moderation_state', sa.String(length=16), server_default='clear', nullable=False))
        batch_op.add_column(sa.Column('moderation', sa.JSON(), nullable=True))

    op.create_table(
        'moderation_cases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('target_type', sa.String(length=16), nullable=False),
        sa.Column('target_ref', sa.String(length=64), nullable=False),
        sa.Column('writer_id', sa.Integer(), nullable=True),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('severity', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('evidence', sa.JSON(), nullable=True),
        sa.Column('decision', sa.String(length=16), nullable=True),
        sa.Column('decision_reason', sa.Text(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['writer_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('moderation_cases', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_cases_writer_id', ['writer_id'], unique=False)
        batch_op.create_index('ix_moderation_cases_queue', ['status', 'severity', 'created_at'], unique=False)
        batch_op.create_index('uq_moderation_cases_open_target', ['target_type', 'target_ref'], unique=True,
                              sqlite_where=OPEN, postgresql_where=OPEN)

    op.create_table(
        'reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reporter_id', sa.Integer(), nullable=False),
        sa.Column('target_type', sa.String(length=16), nullable=False),
        sa.Column('target_ref', sa.String(length=64), nullable=False),
        sa.Column('reasons', sa.JSON(), nullable=False),
        sa.Column('details', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('outcome', sa.Text(), nullable=True),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['case_id'], ['moderation_cases.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index('ix_reports_reporter_id', ['reporter_id'], unique=False)
        batch_op.create_index('ix_reports_case_id', ['case_id'], unique=False)
        batch_op.create_index('uq_reports_open_per_person', ['reporter_id', 'target_type', 'target_ref'], unique=True,
                              sqlite_where=OPEN, postgresql_where=OPEN)

    op.create_table(
        'strikes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('issued_by_id', sa.Integer(), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('appeal', sa.Text(), nullable=True),
        sa.Column('appealed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['case_id'], ['moderation_cases.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('strikes', schema=None) as batch_op:
        batch_op.create_index('ix_strikes_user_id', ['user_id'], unique=False)

    op.create_table(
        'copyright_claims',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('segment_ref', sa.String(length=64), nullable=False),
        sa.Column('notice_id', sa.Integer(), nullable=True),
        sa.Column('fields', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['notice_id'], ['copyright_claims.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('copyright_claims', schema=None) as batch_op:
        batch_op.create_index('ix_copyright_claims_segment_ref', ['segment_ref'], unique=False)


def downgrade():
    with op.batch_alter_table('copyright_claims', schema=None) as batch_op:
        batch_op.drop_index('ix_copyright_claims_segment_ref')
    op.drop_table('copyright_claims')
    with op.batch_alter_table('strikes', schema=None) as batch_op:
        batch_op.drop_index('ix_strikes_user_id')
    op.drop_table('strikes')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('uq_reports_open_per_person')
        batch_op.drop_index('ix_reports_case_id')
        batch_op.drop_index('ix_reports_reporter_id')
    op.drop_table('reports')
    with op.batch_alter_table('moderation_cases', schema=None) as batch_op:
        batch_op.drop_index('uq_moderation_cases_open_target')
        batch_op.drop_index('ix_moderation_cases_queue')
        batch_op.drop_index('ix_moderation_cases_writer_id')
    op.drop_table('moderation_cases')
    with op.batch_alter_table('segments', schema=None) as batch_op:
        batch_op.drop_column('moderation')
        batch_op.drop_column('moderation_state')
