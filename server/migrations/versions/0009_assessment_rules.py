"""the assessment counts exactly what its rules say (issue 25): the stored facts folded again

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

The fold (``huiyin.core.assessment.fold``) ends a claim stage where the matter is closed as a duplicate and
counts a reopened duplicate's stages as docs/assessment.md says; every matter's stored facts are folded again
from its timeline with it (``rebuild_facts``). The downgrade keeps the rows: they are derived from the timeline,
and the older fold reads them as before.
"""
from typing import Sequence, Union

from alembic import op

from huiyin.server.report_facts import rebuild_facts

revision: str = '0009'
down_revision: Union[str, None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    rebuild_facts(op.get_bind())


def downgrade() -> None:
    pass
