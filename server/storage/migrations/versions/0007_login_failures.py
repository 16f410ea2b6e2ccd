"""failed logins are counted in the database (every worker sees the same counts)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27

* ``login_failures``: one row per failed (or not yet checked) login, for its account and for its address
  (:mod:`huiyin.server.state.throttle`). Kept in each process's memory before, so ``huiyin serve --workers N`` let N
  times the allowed attempts through and a restart forgot them. Starts empty.

The downgrade drops the table (the counts are forgotten, as a restart did before).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'login_failures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=8), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_login_failures_key', 'login_failures', ['scope', 'key', 'at'])
    op.create_index('ix_login_failures_at', 'login_failures', ['at'])


def downgrade() -> None:
    op.drop_index('ix_login_failures_at', table_name='login_failures')
    op.drop_index('ix_login_failures_key', table_name='login_failures')
    op.drop_table('login_failures')
