"""ids are never reused on SQLite

SQLite hands out max(id) + 1 unless a table is declared AUTOINCREMENT, so the id of a deleted
segment (or job, scene ...) could name a new row while a queued job, a URL or a cached page still
meant the old one. The tables whose ids are referenced from elsewhere are rebuilt with
AUTOINCREMENT (batch mode copies rows, indexes and foreign keys). PostgreSQL sequences never
reuse a value, so there is nothing to do there.

Revision ID: c3e2240fc9ec
Revises: 230524257d6a
Create Date: 2026-12-01 13:49:05.420598

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c3e2240fc9ec'
down_revision = '230524257d6a'
branch_labels = None
depends_on = None

TABLES = ("users", "topics", "scenes", "segments", "generation_jobs", "directors_cuts")


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}):
            pass


def upgrade():
    _rebuild(True)


def downgrade():
    _rebuild(False)
