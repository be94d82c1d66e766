"""identity: an index on access-token expiry, for the sweep of expired grants

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_oauth_grants_access_expiry", "oauth_grants", ["access_expires_at"])


def downgrade() -> None:
    op.drop_index("ix_oauth_grants_access_expiry", table_name="oauth_grants")
