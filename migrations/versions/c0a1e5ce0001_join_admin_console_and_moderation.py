"""join the admin console and moderation schema changes

Both follow the audit log; this revision makes them one line again.

Revision ID: c0a1e5ce0001
Revises: a7d3c0115013, b7d1f00d5e01
Create Date: 2026-12-01 17:50:00

"""

revision = 'c0a1e5ce0001'
down_revision = ('a7d3c0115013', 'b7d1f00d5e01')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
