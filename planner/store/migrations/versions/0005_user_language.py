"""Languages: the page language a user chose (zh_CN or en), remembered on the account.

Revision ID: 0005_user_language
Revises: 0004_levels
Create Date: 2026-12-05 16:20:00.000000

A revision id of its own (not a bare number), so that another branch's revision after 0004_levels makes
a second head that one merge revision joins, as 0003_merge_jobs_accounts did.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005_user_language'
down_revision = '0004_levels'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the users' language (empty: not chosen yet, the browser's cookie or Accept-Language decides)."""
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=10), nullable=True))


def downgrade() -> None:
    """Drop the users' language."""
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('language')
