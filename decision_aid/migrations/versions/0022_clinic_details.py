"""The clinic's printed details (name, contacts, logo, local facts per option), one append-only
row per saved version; a discussion records the version it was held under.

Revision ID: 0022
Revises: 0021
"""
import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def _append_only(dialect: str) -> list[str]:
    # refuse_change() is PostgreSQL's from 0002 (revisions and the audit trail use it too).
    if dialect == "sqlite":
        return [f"CREATE TRIGGER clinic_details_no_{verb.lower()} BEFORE {verb} ON clinic_details "
                "BEGIN SELECT RAISE(ABORT, 'clinic_details rows are append-only'); END"
                for verb in ("UPDATE", "DELETE")]
    if dialect == "postgresql":
        return ["CREATE TRIGGER clinic_details_append_only BEFORE UPDATE OR DELETE ON clinic_details "
                "FOR EACH ROW EXECUTE FUNCTION refuse_change()"]
    return []


def upgrade():
    op.create_table(
        "clinic_details",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("printed_name", sa.String(length=120), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("contact", sa.String(length=254), nullable=False),
        sa.Column("opening_hours", sa.Text(), nullable=False),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("logo_type", sa.String(length=32), nullable=True),
        sa.Column("local_facts_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_clinic_details_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_clinic_details_created_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinic_details")),
        sa.UniqueConstraint("clinic_id", "version", name="uq_clinic_details_version"),
    )
    for statement in _append_only(op.get_bind().dialect.name):
        op.execute(statement)
    # Nullable, no default: discussions held before any details were saved print none.
    with op.batch_alter_table("discussion") as batch_op:
        batch_op.add_column(sa.Column("clinic_details_version", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("discussion") as batch_op:
        batch_op.drop_column("clinic_details_version")
    op.drop_table("clinic_details")  # its triggers go with it
