"""Create the product_events table (recorded by the worker, once per idempotency key).

Revision ID: product_events_0001
Revises:
Depends on: 0001
Create Date: 2026-01-01 00:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# A branch of its own (after the products table), so a service that turns the task
# queue on later gets no second head on its own line of migrations.
revision: str = "product_events_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("product_events",)
depends_on: str | Sequence[str] | None = "0001"


def upgrade() -> None:
    op.create_table(
        "product_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_events_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_events")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_product_events_idempotency_key")),
    )
    op.create_index(
        op.f("ix_product_events_product_id"), "product_events", ["product_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_product_events_product_id"), table_name="product_events")
    op.drop_table("product_events")
