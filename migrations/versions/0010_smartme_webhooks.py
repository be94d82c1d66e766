"""smartme: realtime webhook registrations and their delivery outbox

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "smartme_webhook_registrations",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("guid", sa.String(length=36), nullable=False),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("registration_type", sa.SmallInteger(), nullable=False),
        sa.Column("meter_guid", sa.String(length=36), nullable=True),
        sa.Column("serial_number", sa.String(length=64), nullable=True),
        sa.Column("api_url", sa.String(length=2048), nullable=False),
        sa.Column("basic_username", sa.String(length=255), nullable=True),
        sa.Column("basic_password_sealed", sa.Text(), nullable=True),
        sa.Column("disabled_reason", sa.String(length=300), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.BigInteger(), nullable=False),
        sa.Column("lease_holder", sa.String(length=128), nullable=False),
        sa.Column("lease_until", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("guid"),
    )
    op.create_index(
        "ix_smartme_webhook_registrations_owner", "smartme_webhook_registrations", ["owner_id"]
    )
    op.create_table(
        "smartme_webhook_deliveries",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("registration_id", ID, nullable=False),
        sa.Column("device_guid", sa.String(length=36), nullable=False),
        sa.Column("value_date_us", sa.BigInteger(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("state", sa.SmallInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("finished_at", sa.BigInteger(), nullable=True),
        sa.Column("last_status", sa.SmallInteger(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("delivered_by", sa.String(length=128), nullable=True),
        sa.ForeignKeyConstraint(
            ["registration_id"], ["smartme_webhook_registrations.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_smartme_webhook_deliveries_pending",
        "smartme_webhook_deliveries",
        ["registration_id", "state", "id"],
    )
    op.create_index(
        "ix_smartme_webhook_deliveries_finished", "smartme_webhook_deliveries", ["finished_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_smartme_webhook_deliveries_finished", table_name="smartme_webhook_deliveries")
    op.drop_index("ix_smartme_webhook_deliveries_pending", table_name="smartme_webhook_deliveries")
    op.drop_table("smartme_webhook_deliveries")
    op.drop_index(
        "ix_smartme_webhook_registrations_owner", table_name="smartme_webhook_registrations"
    )
    op.drop_table("smartme_webhook_registrations")
