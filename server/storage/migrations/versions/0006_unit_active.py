"""units can be deactivated (the admin console)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27

* ``units.active``: a unit an admin deactivated keeps its history (matters, timeline entries and operators that
  name it) but takes no new operators, children or matters. Every existing unit is active.

The downgrade drops the column (which units were deactivated is lost).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('active')
