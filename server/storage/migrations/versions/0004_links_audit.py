"""links between matters, and the audit of changes that are not matter events

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

* ``matter_links``: two matters linked as ``related`` or ``duplicate`` (one row per pair, keyed by both ids and a
  kind, so later kinds such as a merge or a parent and its children fit the same table);
* ``matter_events.other_matter_id`` and ``link_kind``: the ``link`` / ``linked`` timeline entries name the other
  matter;
* ``audit_entries``: who changed a calendar day, the policy, an operator or a unit, when, before and after.

Nothing existing is changed; the downgrade drops the new tables and columns (links and audit rows are lost).
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('matter_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.Column('other_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['operators.id'], ),
    sa.ForeignKeyConstraint(['matter_id'], ['matters.id'], ),
    sa.ForeignKeyConstraint(['other_id'], ['matters.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('matter_id', 'other_id', name='uq_matter_links_pair')
    )
    with op.batch_alter_table('matter_links', schema=None) as batch_op:
        batch_op.create_index('ix_matter_links_other', ['other_id'], unique=False)

    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['operators.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_kind_id', ['kind', 'id'], unique=False)
        batch_op.create_index('ix_audit_actor_id', ['actor', 'id'], unique=False)
        batch_op.create_index('ix_audit_at', ['at'], unique=False)

    with op.batch_alter_table('matter_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('other_matter_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('link_kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.create_foreign_key('fk_matter_events_other_matter', 'matters', ['other_matter_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('matter_events', schema=None) as batch_op:
        batch_op.drop_constraint('fk_matter_events_other_matter', type_='foreignkey')
        batch_op.drop_column('link_kind')
        batch_op.drop_column('other_matter_id')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_at')
        batch_op.drop_index('ix_audit_actor_id')
        batch_op.drop_index('ix_audit_kind_id')
    op.drop_table('audit_entries')
    with op.batch_alter_table('matter_links', schema=None) as batch_op:
        batch_op.drop_index('ix_matter_links_other')
    op.drop_table('matter_links')
