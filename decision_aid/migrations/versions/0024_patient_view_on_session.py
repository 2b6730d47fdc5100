"""The tablet's patient view is held on the server-side session row, no longer in the cookie.

- user_session.patient_view_discussion_id: the discussion the tablet is showing to the patient,
  set at "Patient view" and cleared only once the clinician's password is typed again. In the
  signed cookie, putting back an older copy of the cookie ended the patient view without it.

Revision ID: 0024
Revises: 0023
"""
import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_session") as batch:
        batch.add_column(sa.Column("patient_view_discussion_id", sa.Uuid(), nullable=True))


def downgrade():
    with op.batch_alter_table("user_session") as batch:
        batch.drop_column("patient_view_discussion_id")
