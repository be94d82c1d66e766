"""smartme: meters and their readings

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "smartme_meters",
        sa.Column("device_id", ID, nullable=False),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("guid", sa.String(length=36), nullable=False),
        sa.Column("serial", sa.BigInteger(), nullable=False),
        sa.Column("energy_type", sa.Integer(), nullable=False),
        sa.Column("sub_type", sa.Integer(), nullable=False),
        sa.Column("family_type", sa.Integer(), nullable=False),
        sa.Column("is_custom", sa.Boolean(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("latest", sa.JSON(), nullable=False),
        sa.Column("value_date_us", sa.BigInteger(), nullable=True),
        sa.Column("custom_values", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("device_id"),
        sa.UniqueConstraint("guid"),
        sa.UniqueConstraint("serial"),
    )
    op.create_index("ix_smartme_meters_owner", "smartme_meters", ["owner_id"])
    op.create_table(
        "smartme_readings",
        sa.Column("device_id", ID, nullable=False),
        sa.Column("at_us", sa.BigInteger(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("device_id", "at_us"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("smartme_readings")
    op.drop_index("ix_smartme_meters_owner", table_name="smartme_meters")
    op.drop_table("smartme_meters")
