"""Clinics, accounts, sessions, sign-in attempts, the audit trail; discussions belong to a clinic.

Discussions saved before accounts existed are given to a clinic named "Discussions saved
before accounts", owned by a disabled placeholder account that cannot sign in; an admin of
that clinic can be created with `flask --app decision_aid create-user --clinic "..."`.
Revisions and audit entries become append-only (database triggers).

Revision ID: 0002
Revises: 0001
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

LEGACY_CLINIC = "Discussions saved before accounts"
LEGACY_EMAIL = "legacy-owner@invalid"
APPEND_ONLY = ("revision", "audit_entry")


def _triggers(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [f"CREATE TRIGGER {t}_no_{v.lower()} BEFORE {v} ON {t} "
                f"BEGIN SELECT RAISE(ABORT, '{t} rows are append-only'); END"
                for t in APPEND_ONLY for v in ("UPDATE", "DELETE")]
    if dialect == "postgresql":
        return ["""CREATE OR REPLACE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
                   BEGIN RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME; END $$"""] + [
            f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
            f"FOR EACH ROW EXECUTE FUNCTION refuse_change()" for t in APPEND_ONLY]
    return []


def upgrade():
    op.create_table(
        "clinic",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_clinic"),
        sa.UniqueConstraint("name", name="uq_clinic_name"),
    )
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name="fk_user_account_clinic_id_clinic"),
        sa.PrimaryKeyConstraint("id", name="pk_user_account"),
        sa.UniqueConstraint("email", name="uq_user_account_email"),
    )
    op.create_index("ix_user_account_clinic_id", "user_account", ["clinic_id"])
    op.create_table(
        "user_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("end_reason", sa.String(32), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name="fk_user_session_user_id_user_account"),
        sa.PrimaryKeyConstraint("id", name="pk_user_session"),
        sa.UniqueConstraint("token_hash", name="uq_user_session_token_hash"),
    )
    op.create_index("ix_user_session_user_id", "user_session", ["user_id"])
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("email_key", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_attempt"),
    )
    op.create_index("ix_login_attempt_at", "login_attempt", ["at"])
    op.create_index("ix_login_attempt_email_key", "login_attempt", ["email_key"])
    op.create_index("ix_login_attempt_address", "login_attempt", ["address"])
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("clinic_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("object_type", sa.String(32), nullable=True),
        sa.Column("object_id", sa.String(64), nullable=True),
        sa.Column("detail", sa.String(200), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_entry"),
        sa.UniqueConstraint("prev_hash", name="uq_audit_entry_prev_hash"),
    )
    op.create_index("ix_audit_entry_at", "audit_entry", ["at"])
    op.create_index("ix_audit_entry_user_id", "audit_entry", ["user_id"])
    op.create_index("ix_audit_entry_clinic_id", "audit_entry", ["clinic_id"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_head"),
    )
    op.bulk_insert(head, [{"id": 1, "last_id": 0, "last_hash": "0" * 64}])

    # Discussions now belong to a clinic and a creator; revisions to an author account.
    with op.batch_alter_table("discussion") as batch:
        batch.add_column(sa.Column("clinic_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("created_by_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("revision") as batch:
        batch.add_column(sa.Column("author_id", sa.Integer(), nullable=True))

    connection = op.get_bind()
    if connection.execute(sa.text("SELECT count(*) FROM discussion")).scalar():
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        connection.execute(sa.text("INSERT INTO clinic (name, created_at) VALUES (:n, :t)"),
                           {"n": LEGACY_CLINIC, "t": now})
        clinic_id = connection.execute(sa.text("SELECT id FROM clinic WHERE name = :n"), {"n": LEGACY_CLINIC}).scalar()
        # "!" is never a valid argon2 hash, so this placeholder can never sign in.
        connection.execute(sa.text(
            "INSERT INTO user_account (clinic_id, email, name, role, password_hash, active, created_at, "
            "password_changed_at) VALUES (:c, :e, 'Before accounts', 'clinician', '!', :f, :t, :t)"),
            {"c": clinic_id, "e": LEGACY_EMAIL, "f": False, "t": now})
        owner = connection.execute(sa.text("SELECT id FROM user_account WHERE email = :e"), {"e": LEGACY_EMAIL}).scalar()
        connection.execute(sa.text("UPDATE discussion SET clinic_id = :c, created_by_id = :u"), {"c": clinic_id, "u": owner})
        connection.execute(sa.text("UPDATE revision SET author_id = :u"), {"u": owner})

    for name in ("ix_discussion_created_at", "ix_discussion_status_created", "ix_discussion_patient_ref_key",
                 "ix_discussion_clinician_key", "ix_discussion_discussion_date"):
        op.drop_index(name, table_name="discussion")
    with op.batch_alter_table("discussion") as batch:
        batch.alter_column("clinic_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("created_by_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key("fk_discussion_clinic_id_clinic", "clinic", ["clinic_id"], ["id"])
        batch.create_foreign_key("fk_discussion_created_by_id_user_account", "user_account", ["created_by_id"], ["id"])
    with op.batch_alter_table("revision") as batch:
        batch.alter_column("author_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key("fk_revision_author_id_user_account", "user_account", ["author_id"], ["id"])
    op.create_index("ix_discussion_clinic_created", "discussion", ["clinic_id", "created_at"])
    op.create_index("ix_discussion_clinic_status_created", "discussion", ["clinic_id", "status", "created_at"])
    op.create_index("ix_discussion_clinic_patient_ref", "discussion", ["clinic_id", "patient_ref_key"],
                    postgresql_ops={"patient_ref_key": "varchar_pattern_ops"})
    op.create_index("ix_discussion_clinic_clinician", "discussion", ["clinic_id", "clinician_key"],
                    postgresql_ops={"clinician_key": "varchar_pattern_ops"})
    op.create_index("ix_discussion_clinic_date", "discussion", ["clinic_id", "discussion_date"])

    for statement in _triggers(connection.dialect.name):
        op.execute(statement)


def downgrade():
    raise NotImplementedError("Accounts and the audit trail cannot be removed: restore a backup instead.")
