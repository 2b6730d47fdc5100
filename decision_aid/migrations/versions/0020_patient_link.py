"""The patient's own link before the visit: patient_link (only a hash of each token),
patient_link_request (the rate limit's recent requests) and each clinic's link lifetime.

Revision ID: 0020
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "patient_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discussion_id", sa.Uuid(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), server_default="prepare", nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answered_steps_json", sa.Text(), server_default="{}", nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name="fk_patient_link_clinic_id_clinic"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name="fk_patient_link_created_by_id_user_account"),
        sa.ForeignKeyConstraint(["discussion_id"], ["discussion.id"], ondelete="CASCADE",
                                name="fk_patient_link_discussion_id_discussion"),
        sa.PrimaryKeyConstraint("id", name="pk_patient_link"),
        sa.UniqueConstraint("token_hash", name="uq_patient_link_token_hash"),
    )
    op.create_index("ix_patient_link_discussion_id", "patient_link", ["discussion_id"])
    op.create_table(
        "patient_link_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_patient_link_request"),
    )
    op.create_index("ix_patient_link_request_at", "patient_link_request", ["at"])
    op.create_index("ix_patient_link_request_link_id", "patient_link_request", ["link_id"])
    op.create_index("ix_patient_link_request_address", "patient_link_request", ["address"])
    with op.batch_alter_table("clinic") as batch:
        batch.add_column(sa.Column("patient_link_days", sa.Integer(), server_default="7", nullable=False))


def downgrade():
    with op.batch_alter_table("clinic") as batch:
        batch.drop_column("patient_link_days")
    op.drop_table("patient_link_request")
    op.drop_table("patient_link")
