"""the category tree (issue 19)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08

* ``categories``: the district's managed category tree (``huiyin.core.categories``): a stable ``code`` (the key,
  never reused), the parent's code (two levels), names in zh-CN and en, a description, keywords (JSON), the
  default deadline in working days, an optional default unit, ``active``. It starts empty; the sample district
  fills it, a district imports its own (``huiyin category import``).

Matters keep their free-text category for now (the record path moves to codes in a later revision).
The downgrade drops the table (the tree is lost; matters are untouched).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'categories',
        sa.Column('code', sa.String(32), primary_key=True),
        sa.Column('parent_code', sa.String(32), sa.ForeignKey('categories.code'), nullable=True),
        sa.Column('name_zh', sa.String(40), nullable=False),
        sa.Column('name_en', sa.String(40), nullable=False),
        sa.Column('description', sa.String(400), nullable=False),
        sa.Column('keywords', sa.JSON(), nullable=False),
        sa.Column('deadline_days', sa.Integer(), nullable=False),
        sa.Column('default_unit_id', sa.Integer(), sa.ForeignKey('units.id'), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.create_index('ix_categories_parent_code', 'categories', ['parent_code'])


def downgrade() -> None:
    op.drop_index('ix_categories_parent_code', table_name='categories')
    op.drop_table('categories')
