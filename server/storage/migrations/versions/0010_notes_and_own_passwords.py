"""longer notes; a password an admin set must be changed at the next sign-in (issue 17)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

* ``matter_events.note`` and ``calendar_days.note`` take 4,000 characters (``LIMITS["note"]`` in
  ``huiyin.core.schemas``; they took 1,000).
* ``operators.must_change_password``: the operator signs in with a password an admin set (a new account, or an
  admin's reset) and must choose their own before anything else. Every existing operator keeps their password
  as it is (false).

The downgrade drops the flag, and cuts notes longer than 1,000 characters to 1,000 (their start is kept, the
rest is lost) before it shortens the columns.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: the note's length before and after this revision (the models take theirs from core's LIMITS)
OLD_NOTE, NEW_NOTE = 1000, 4000
NOTED = ('matter_events', 'calendar_days')


def upgrade() -> None:
    for table in NOTED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('note', existing_type=sa.String(OLD_NOTE), type_=sa.String(NEW_NOTE),
                                  existing_nullable=False)
    with op.batch_alter_table('operators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('operators', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
    for table in NOTED:
        note = sa.table(table, sa.column('note', sa.String()))
        op.execute(note.update().where(sa.func.length(note.c.note) > OLD_NOTE)
                   .values(note=sa.func.substr(note.c.note, 1, OLD_NOTE)))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('note', existing_type=sa.String(NEW_NOTE), type_=sa.String(OLD_NOTE),
                                  existing_nullable=False)
