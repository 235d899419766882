"""Join the two schema branches of the jobs (0002_jobs) and the accounts (0002_accounts) changes.

Revision ID: 0003_merge_jobs_accounts
Revises: 0002_jobs, 0002_accounts
Create Date: 2026-12-05 11:05:00.000000
"""

from __future__ import annotations

revision = '0003_merge_jobs_accounts'
down_revision = ('0002_jobs', '0002_accounts')
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: both branches' tables are already in place."""


def downgrade() -> None:
    """Nothing to change."""
