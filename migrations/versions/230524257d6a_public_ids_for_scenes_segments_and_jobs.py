"""public ids for scenes, segments and jobs

Revision ID: 230524257d6a
Revises: 56738ad07e97
Create Date: 2026-12-01 13:47:03.228346

"""
import secrets
import string

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '230524257d6a'
down_revision = '56738ad07e97'
branch_labels = None
depends_on = None

TABLES = ('scenes', 'segments', 'generation_jobs')
# the same shape as app.models.base.new_public_id, copied so this revision never changes with the app
ALPHABET = string.ascii_letters + string.digits
BATCH = 1000


def _new_public_id() -> str:
    while True:
        token = ''.join(secrets.choice(ALPHABET) for _ in range(12))
        if not token.isdigit():
            return token


def _backfill(table_name: str) -> None:
    """Give every existing row a public id, a batch of rows per statement."""
    conn = op.get_bind()
    table = sa.table(table_name, sa.column('id', sa.Integer), sa.column('public_id', sa.String))
    ids = [row.id for row in conn.execute(sa.select(table.c.id).order_by(table.c.id))]
    update = table.update().where(table.c.id == sa.bindparam('row_id')).values(public_id=sa.bindparam('new_id'))
    for start in range(0, len(ids), BATCH):
        conn.execute(update, [{'row_id': i, 'new_id': _new_public_id()} for i in ids[start:start + BATCH]])


def upgrade():
    for table_name in TABLES:
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.add_column(sa.Column('public_id', sa.String(length=16), nullable=True))
        _backfill(table_name)
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.alter_column('public_id', existing_type=sa.String(length=16), nullable=False)
            batch_op.create_index(batch_op.f(f'ix_{table_name}_public_id'), ['public_id'], unique=True)


def downgrade():
    for table_name in reversed(TABLES):
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table_name}_public_id'))
            batch_op.drop_column('public_id')
