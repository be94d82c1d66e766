"""ckw: customers, installations, metering points and their daily totals; a client's "PKCE optional" setting

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("oauth_clients") as batch:
        batch.add_column(
            sa.Column("pkce_optional", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "ckw_customers",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("customer_number", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id"),
        sa.UniqueConstraint("customer_number"),
    )
    op.create_table(
        "ckw_installations",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("installation_id", sa.String(length=32), nullable=False),
        sa.Column("street", sa.String(length=200), nullable=False),
        sa.Column("zip", sa.String(length=16), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["ckw_customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("installation_id"),
    )
    op.create_index("ix_ckw_installations_customer", "ckw_installations", ["customer_id"])
    op.create_table(
        "ckw_metering_points",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("installation_id", ID, nullable=False),
        sa.Column("device_id", ID, nullable=False),
        sa.Column("energy_series_id", ID, nullable=False),
        sa.Column("estimated_series_id", ID, nullable=False),
        sa.Column("metering_point_id", sa.String(length=33), nullable=False),
        sa.Column("meter_number", sa.String(length=32), nullable=False),
        sa.Column("energy_direction", sa.String(length=16), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column("valid_from", sa.BigInteger(), nullable=False),
        sa.Column("valid_to", sa.BigInteger(), nullable=True),
        sa.Column("delivered_until", sa.BigInteger(), nullable=True),
        sa.Column("simulation_seed", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["installation_id"], ["ckw_installations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["device_id"], ["devices.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["energy_series_id"], ["series.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["estimated_series_id"], ["series.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("metering_point_id"),
    )
    op.create_index(
        "ix_ckw_metering_points_installation", "ckw_metering_points", ["installation_id"]
    )
    op.create_table(
        "ckw_daily_totals",
        sa.Column("metering_point_id", ID, nullable=False),
        sa.Column("day_start", sa.BigInteger(), nullable=False),
        sa.Column("day_end", sa.BigInteger(), nullable=False),
        sa.Column("kwh", sa.Double(), nullable=False),
        sa.Column("quarter_hours", sa.Integer(), nullable=False),
        sa.Column("estimated", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["metering_point_id"], ["ckw_metering_points.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("metering_point_id", "day_start"),
    )


def downgrade() -> None:
    op.drop_table("ckw_daily_totals")
    op.drop_index("ix_ckw_metering_points_installation", table_name="ckw_metering_points")
    op.drop_table("ckw_metering_points")
    op.drop_index("ix_ckw_installations_customer", table_name="ckw_installations")
    op.drop_table("ckw_installations")
    op.drop_table("ckw_customers")
    with op.batch_alter_table("oauth_clients") as batch:
        batch.drop_column("pkce_optional")
