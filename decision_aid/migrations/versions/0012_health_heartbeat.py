"""The heartbeat row /healthz rewrites, so the health check proves the database takes writes.

Revision ID: 0012
Revises: 0008
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    heartbeat = op.create_table(
        "health_heartbeat",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_health_heartbeat"),
    )
    op.bulk_insert(heartbeat, [{"id": 1, "checked_at": dt.datetime(2000, 1, 1)}])


def downgrade():
    op.drop_table("health_heartbeat")
