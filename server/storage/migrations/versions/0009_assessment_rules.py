"""the assessment counts exactly what its rules say (issue 25): the stored facts folded again

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

The fold (``huiyin.core.assessment.fold``) now follows docs/assessment.md's rules for duplicates: a duplicate link
ends the stage waiting for a claim and that stage is never counted; reopening a duplicate is not a *reopened* and
starts a new stage at its holder, which an answer may end. Every matter's stored facts are folded again from its
timeline with it (``rebuild_facts``). The stored form (``MatterFacts.row()``) is unchanged: the same 16 items, so
the downgrade keeps the rows, which the older code reads as before (its figures then differ from its own fold's only
for the duplicates reopened and the stages a duplicate link ended).
"""
from collections.abc import Sequence

from alembic import op

from huiyin.server.storage.facts import rebuild_facts

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    rebuild_facts(op.get_bind())


def downgrade() -> None:
    pass
