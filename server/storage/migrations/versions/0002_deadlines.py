"""deadlines: calendar overrides, claim deadlines, extensions, supervision

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: the working days release 0001 counted for each complexity (core's DeadlinePolicy defaults at the time)
RELEASE_0001_DAYS = {'simple': 3, 'complex': 7}


def upgrade() -> None:
    op.create_table('calendar_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('type', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    with op.batch_alter_table('calendar_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_days_year'), ['year'], unique=False)

    op.create_table('calendar_years',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('complete', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('year')
    )
    with op.batch_alter_table('matter_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deadline_days', sa.Integer(), nullable=False, server_default='3'))
        batch_op.add_column(sa.Column('due_provisional', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('received_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claim_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('extension_days_requested', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('due_notice', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default='none'))
        batch_op.add_column(sa.Column('claim_notice', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index('ix_matters_status_claim_due', ['status', 'claim_due_at', 'id'], unique=False)
    # Derive each row's basis from the row: release 0001 counted every deadline with core's default policy
    # (simple 3, complex 7 working days; nothing could change it then), so that is what its due_at holds.
    # The numbers are frozen here on purpose: a migration must do the same thing forever, whatever core's
    # defaults become (tests/server/test_migrations.py checks they equal 0001's).
    matters = sa.table('matters', sa.column('complexity', sa.String), sa.column('deadline_days', sa.Integer))
    for complexity, days in RELEASE_0001_DAYS.items():
        op.execute(matters.update().where(matters.c.complexity == complexity).values(deadline_days=days))



def downgrade() -> None:
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.drop_index('ix_matters_status_claim_due')
        batch_op.drop_column('claim_notice')
        batch_op.drop_column('due_notice')
        batch_op.drop_column('extension_days_requested')
        batch_op.drop_column('claim_due_at')
        batch_op.drop_column('received_at')
        batch_op.drop_column('due_provisional')
        batch_op.drop_column('deadline_days')

    with op.batch_alter_table('matter_events', schema=None) as batch_op:
        batch_op.drop_column('due_at')
        batch_op.drop_column('days')
    op.drop_table('calendar_years')
    with op.batch_alter_table('calendar_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_days_year'))

    op.drop_table('calendar_days')
