"""thingplus: devices and sensors below the gateways (gateways are core devices)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "thingplus_devices",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("gateway_id", ID, nullable=False),
        sa.Column("device_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["gateway_id"], ["devices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("gateway_id", "device_id", name="uq_thingplus_devices_gateway_device"),
    )
    op.create_table(
        "thingplus_sensors",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("gateway_id", ID, nullable=False),
        sa.Column("series_id", ID, nullable=False),
        sa.Column("sensor_id", sa.String(length=100), nullable=False),
        sa.Column("device_id", sa.String(length=100), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("driver_name", sa.String(length=100), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("status", sa.JSON(), nullable=True),
        sa.Column("latest", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["gateway_id"], ["devices.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["series_id"], ["series.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("gateway_id", "sensor_id", name="uq_thingplus_sensors_gateway_sensor"),
    )


def downgrade() -> None:
    op.drop_table("thingplus_sensors")
    op.drop_table("thingplus_devices")
