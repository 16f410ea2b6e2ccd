"""the assessment reads one row per matter (issue 12: a year of a large district in under 2 s)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27

* ``matter_facts``: one row per matter, its timeline folded by ``huiyin.core.assessment.fold`` (a JSON array of
  units and instants), with ``created_at`` (indexed: the report's cohort is a range of it) and
  ``last_event_at``. Written from now on by ``server/matters/events.py`` with each timeline entry the assessment reads
  (``server/storage/facts.py``); filled here from ``matter_events`` by the same fold (``rebuild_facts``). A later
  change of the fold or of its stored form needs a migration that calls ``rebuild_facts`` again.
* ``ix_matters_created_at``: the board's intake of today, a range of ``matters.created_at``.

The downgrade drops both; nothing stored is lost (the facts are derived from the timeline).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from huiyin.server.storage.facts import rebuild_facts

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('matter_facts',
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_event_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['matter_id'], ['matters.id'], ),
    sa.PrimaryKeyConstraint('matter_id')
    )
    op.create_index('ix_matter_facts_created_at', 'matter_facts', ['created_at'], unique=False)
    op.create_index('ix_matters_created_at', 'matters', ['created_at'], unique=False)
    rebuild_facts(op.get_bind())


def downgrade() -> None:
    op.drop_index('ix_matters_created_at', table_name='matters')
    op.drop_index('ix_matter_facts_created_at', table_name='matter_facts')
    op.drop_table('matter_facts')
