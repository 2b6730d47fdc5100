"""The language a discussion is held in (issue #14), and the language of each revision.

- discussion.language: the patient's language (a BCP 47 tag such as "pl"), chosen on the Start
  step and changeable on the patient's link page; the patient-facing pages and the patient's
  summary are in it, the clinician's pages stay in the clinic's language.
- revision.language: the language the finished discussion was shown in, copied at Finish and at
  each amendment, so a reprint shows the language and text of its time.
Both "en" for every row written before (server default): those discussions were all English.
Plain ADD COLUMN (no table copy), so revision's append-only triggers stay as they are.

Revision ID: 0025
Revises: 0024
"""
import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("discussion", sa.Column("language", sa.String(16), nullable=False, server_default="en"))
    op.add_column("revision", sa.Column("language", sa.String(16), nullable=False, server_default="en"))


def downgrade():
    with op.batch_alter_table("revision") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("discussion") as batch:
        batch.drop_column("language")
