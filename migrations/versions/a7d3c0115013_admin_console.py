"""the admin console: suspensions, quota resets, sign-ins, topic covers, archives and old slugs,
featured and hidden scenes, feedback triage with notes

Revision ID: a7d3c0115013
Revises: 7a1d0c0a0d17
Create Date: 2026-12-01 17:25:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a7d3c0115013'
down_revision = '7a1d0c0a0d17'
branch_labels = None
depends_on = None


def upgrade():
    # the dashboard counts the last 30 days of these by day
    with op.batch_alter_table('segments', schema=None) as batch_op:
        batch_op.create_index('ix_segments_created_at', ['created_at', 'author_id'], unique=False)
    with op.batch_alter_table('scenes', schema=None) as batch_op:
        batch_op.create_index('ix_scenes_created_at', ['created_at'], unique=False)
    with op.batch_alter_table('generation_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_generation_jobs_finished_at',
                                ['finished_at', 'status', 'provider', 'error_code', 'created_at'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspended_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('suspension_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('quota_reset_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'sign_ins',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('sign_ins', schema=None) as batch_op:
        batch_op.create_index('ix_sign_ins_user_id', ['user_id'], unique=False)
        batch_op.create_index('ix_sign_ins_at', ['at', 'user_id'], unique=False)

    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cover_key', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'topic_redirects',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('old_slug', sa.String(length=64), nullable=False),
        sa.Column('topic_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('old_slug'),
    )
    with op.batch_alter_table('topic_redirects', schema=None) as batch_op:
        batch_op.create_index('ix_topic_redirects_topic_id', ['topic_id'], unique=False)

    with op.batch_alter_table('scenes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('featured_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), server_default='new', nullable=False))
        batch_op.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('labels', sa.String(length=255), server_default=sa.text("''"), nullable=False))
        batch_op.create_index('ix_feedback_status', ['status'], unique=False)
        batch_op.create_index('ix_feedback_assignee_id', ['assignee_id'], unique=False)
        batch_op.create_foreign_key('fk_feedback_assignee_id_users', 'users', ['assignee_id'], ['id'],
                                    ondelete='SET NULL')
    op.create_table(
        'feedback_notes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('feedback_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['feedback_id'], ['feedback.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('feedback_notes', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_notes_feedback_id', ['feedback_id'], unique=False)


def downgrade():
    with op.batch_alter_table('feedback_notes', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_notes_feedback_id')
    op.drop_table('feedback_notes')
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_constraint('fk_feedback_assignee_id_users', type_='foreignkey')
        batch_op.drop_index('ix_feedback_assignee_id')
        batch_op.drop_index('ix_feedback_status')
        batch_op.drop_column('labels')
        batch_op.drop_column('assignee_id')
        batch_op.drop_column('status')
    with op.batch_alter_table('scenes', schema=None) as batch_op:
        batch_op.drop_column('hidden_at')
        batch_op.drop_column('featured_at')
    with op.batch_alter_table('topic_redirects', schema=None) as batch_op:
        batch_op.drop_index('ix_topic_redirects_topic_id')
    op.drop_table('topic_redirects')
    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.drop_column('archived_at')
        batch_op.drop_column('cover_key')
    with op.batch_alter_table('sign_ins', schema=None) as batch_op:
        batch_op.drop_index('ix_sign_ins_at')
        batch_op.drop_index('ix_sign_ins_user_id')
    op.drop_table('sign_ins')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('quota_reset_at')
        batch_op.drop_column('suspension_reason')
        batch_op.drop_column('suspended_at')
    with op.batch_alter_table('generation_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_generation_jobs_finished_at')
    with op.batch_alter_table('scenes', schema=None) as batch_op:
        batch_op.drop_index('ix_scenes_created_at')
    with op.batch_alter_table('segments', schema=None) as batch_op:
        batch_op.drop_index('ix_segments_created_at')
