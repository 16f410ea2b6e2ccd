"""queues, counts and search that do not grow with history

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27

* ``matter_tallies``: how many matters there are per (origin unit, holder unit, status), kept in step with
  ``matters`` by triggers (insert, delete, an update of any of the three columns), so every queue count that is a
  sum over units and statuses (incoming, in hand, pending below, sent on, all, district) reads a few rows instead of
  counting the queue (see ``server/matters/queues.py``);
* indexes for the queues' orders: ``(due_at, id)`` (the district queue, wide jurisdictions),
  ``(holder_unit_id, due_at, id)`` (the ``all`` queue, one range per unit), ``(origin_unit_id, status, due_at,
  id)`` (the ``sent_on`` queue without its closed matters), and ``ix_matters_open_due`` on ``(due_at, id)`` of the
  open matters only (``status IN ('pending', 'in_progress')``: supervision's deadlines), and
  ``matter_events (to_unit_id, matter_id)`` (the matters that passed through a unit: who sees a resident in full);
* a text index for ``q=``: on PostgreSQL ``pg_trgm`` GIN indexes on ``lower(number)``, ``lower(title)``,
  ``lower(resident_name)`` and the phone's digits; on SQLite an FTS5 table ``matters_fts`` with the trigram
  tokenizer (rowid = the matter's id), kept in step by triggers.

SQLite drops a table's triggers with the table: a later migration that rebuilds ``matters`` in batch mode must
create them again (``sqlite_triggers()`` below). The downgrade drops all of it; nothing stored is lost.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: the phone's digits as the search compares them (server/matters/queues.py ``_stored_phone_digits``)
PHONE_DIGITS = "replace(replace({}.resident_phone, '-', ''), ' ', '')"
_TALLY_KEY = "origin_unit_id, holder_unit_id, status"


def _tally_add(row: str) -> str:
    return (f"INSERT INTO matter_tallies ({_TALLY_KEY}, n) VALUES ({row}.origin_unit_id, {row}.holder_unit_id, "
            f"{row}.status, 1) ON CONFLICT ({_TALLY_KEY}) DO UPDATE SET n = matter_tallies.n + 1;")


def _tally_remove(row: str) -> str:
    return (f"UPDATE matter_tallies SET n = n - 1 WHERE origin_unit_id = {row}.origin_unit_id "
            f"AND holder_unit_id = {row}.holder_unit_id AND status = {row}.status;")


_MOVED = ("old.origin_unit_id <> new.origin_unit_id OR old.holder_unit_id <> new.holder_unit_id "
          "OR old.status <> new.status")
_FTS_ROW = f"new.number, new.title, new.resident_name, {PHONE_DIGITS.format('new')}"


def sqlite_triggers() -> list[str]:
    return [
        f"CREATE TRIGGER matters_tally_insert AFTER INSERT ON matters BEGIN {_tally_add('new')} END",
        f"CREATE TRIGGER matters_tally_delete AFTER DELETE ON matters BEGIN {_tally_remove('old')} END",
        "CREATE TRIGGER matters_tally_update AFTER UPDATE OF origin_unit_id, holder_unit_id, status ON matters "
        f"WHEN {_MOVED} BEGIN {_tally_remove('old')} {_tally_add('new')} END",
        "CREATE TRIGGER matters_fts_insert AFTER INSERT ON matters BEGIN "
        f"INSERT INTO matters_fts (rowid, number, title, resident_name, phone) VALUES (new.id, {_FTS_ROW}); END",
        "CREATE TRIGGER matters_fts_delete AFTER DELETE ON matters BEGIN "
        "DELETE FROM matters_fts WHERE rowid = old.id; END",
        "CREATE TRIGGER matters_fts_update AFTER UPDATE OF number, title, resident_name, resident_phone ON matters "
        "BEGIN DELETE FROM matters_fts WHERE rowid = old.id; "
        f"INSERT INTO matters_fts (rowid, number, title, resident_name, phone) VALUES (new.id, {_FTS_ROW}); END",
    ]


#: an update touches two tally rows: always in key order, so two transactions moving matters opposite ways
#: (a claim and a release at one unit) wait for each other instead of deadlocking
PG_FUNCTION = f"""
CREATE FUNCTION matters_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND (NEW.origin_unit_id, NEW.holder_unit_id, NEW.status)
                          < (OLD.origin_unit_id, OLD.holder_unit_id, OLD.status) THEN
    {_tally_add('NEW')}
    {_tally_remove('OLD')}
    RETURN NULL;
  END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    {_tally_remove('OLD')}
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    {_tally_add('NEW')}
  END IF;
  RETURN NULL;
END $$
"""

PG_TRIGGERS = [
    "CREATE TRIGGER matters_tally_insert AFTER INSERT OR DELETE ON matters FOR EACH ROW "
    "EXECUTE FUNCTION matters_tally()",
    "CREATE TRIGGER matters_tally_update AFTER UPDATE OF origin_unit_id, holder_unit_id, status ON matters "
    f"FOR EACH ROW WHEN ({_MOVED.replace('old.', 'OLD.').replace('new.', 'NEW.')}) EXECUTE FUNCTION matters_tally()",
]

PG_TRGM = {"ix_matters_number_trgm": "lower(number)", "ix_matters_title_trgm": "lower(title)",
           "ix_matters_resident_trgm": "lower(resident_name)",
           "ix_matters_phone_trgm": f"({PHONE_DIGITS.format('matters')})"}

OPEN_STATUSES = "('pending', 'in_progress')"


def upgrade() -> None:
    op.create_table('matter_tallies',
    sa.Column('origin_unit_id', sa.Integer(), nullable=False),
    sa.Column('holder_unit_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('origin_unit_id', 'holder_unit_id', 'status')
    )
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.create_index('ix_matters_due', ['due_at', 'id'], unique=False)
        batch_op.create_index('ix_matters_holder_due', ['holder_unit_id', 'due_at', 'id'], unique=False)
        batch_op.create_index('ix_matters_origin_status_due', ['origin_unit_id', 'status', 'due_at', 'id'],
                              unique=False)
    op.create_index('ix_events_to_unit', 'matter_events', ['to_unit_id', 'matter_id'], unique=False)
    op.create_index('ix_matters_open_due', 'matters', ['due_at', 'id'], unique=False,
                    sqlite_where=sa.text(f"status IN {OPEN_STATUSES}"),
                    postgresql_where=sa.text(f"status IN {OPEN_STATUSES}"))
    op.execute(f"INSERT INTO matter_tallies ({_TALLY_KEY}, n) SELECT {_TALLY_KEY}, count(*) FROM matters "
               f"GROUP BY {_TALLY_KEY}")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE matters_fts USING fts5(number, title, resident_name, phone, "
                   "tokenize='trigram')")
        op.execute("INSERT INTO matters_fts (rowid, number, title, resident_name, phone) SELECT id, number, title, "
                   f"resident_name, {PHONE_DIGITS.format('matters')} FROM matters")
        for statement in sqlite_triggers():
            op.execute(statement)
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, expression in PG_TRGM.items():
            op.execute(f"CREATE INDEX {name} ON matters USING gin ({expression} gin_trgm_ops)")
        op.execute(PG_FUNCTION)
        for statement in PG_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("matters_tally_insert", "matters_tally_delete", "matters_tally_update", "matters_fts_insert",
                     "matters_fts_delete", "matters_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE matters_fts")
    else:
        op.execute("DROP TRIGGER IF EXISTS matters_tally_insert ON matters")
        op.execute("DROP TRIGGER IF EXISTS matters_tally_update ON matters")
        op.execute("DROP FUNCTION IF EXISTS matters_tally()")
        for name in PG_TRGM:
            op.execute(f"DROP INDEX {name}")
    op.drop_index('ix_matters_open_due', table_name='matters')
    op.drop_index('ix_events_to_unit', table_name='matter_events')
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.drop_index('ix_matters_origin_status_due')
        batch_op.drop_index('ix_matters_holder_due')
        batch_op.drop_index('ix_matters_due')
    op.drop_table('matter_tallies')
