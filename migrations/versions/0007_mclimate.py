"""mclimate: controllers' vendor fields and simulated state, users' records, sensor history

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "mclimate_controllers",
        sa.Column("device_id", ID, nullable=False),
        sa.Column("mac", sa.String(length=32), nullable=False),
        sa.Column("firmware_version", sa.String(length=32), nullable=False),
        sa.Column("room_id", sa.BigInteger(), nullable=True),
        sa.Column("brand_id", sa.Integer(), nullable=True),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("assigned_at", sa.BigInteger(), nullable=True),
        sa.Column("relay_state", sa.Boolean(), nullable=True),
        sa.Column("command_log", sa.Text(), nullable=True),
        sa.Column("controller_log", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("simulated_until", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("device_id"),
    )
    op.create_table(
        "mclimate_records",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("device_id", ID, nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_mclimate_records_owner_kind", "mclimate_records", ["owner_id", "kind", "device_id"]
    )
    op.create_table(
        "mclimate_controller_logs",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("device_id", ID, nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_mclimate_controller_logs_device",
        "mclimate_controller_logs",
        ["device_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_mclimate_controller_logs_device", table_name="mclimate_controller_logs")
    op.drop_table("mclimate_controller_logs")
    op.drop_index("ix_mclimate_records_owner_kind", table_name="mclimate_records")
    op.drop_table("mclimate_records")
    op.drop_table("mclimate_controllers")
