"""Levels: a user's role applies within a jurisdiction (province, city, county) and below.

Revision ID: 0004_levels
Revises: 0003_merge_jobs_accounts
Create Date: 2026-12-05 12:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004_levels'
down_revision = '0003_merge_jobs_accounts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the users' jurisdiction (empty: the whole instance, as before)."""
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('jurisdiction', sa.String(length=80), nullable=True))


def downgrade() -> None:
    """Drop the users' jurisdiction."""
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('jurisdiction')
