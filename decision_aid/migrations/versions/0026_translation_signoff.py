"""A translation of a content version is signed off like the content (issue #14).

- content_signoff.language: "en" for the clinical sign-off of a content version (every row so
  far), else the language of the translation a qualified medical translator signed off; the
  row's content_hash is then the translation's own hash.

Revision ID: 0026
Revises: 0025
"""
import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("content_signoff") as batch:
        batch.add_column(sa.Column("language", sa.String(length=35), nullable=False, server_default="en"))


def downgrade():
    with op.batch_alter_table("content_signoff") as batch:
        batch.drop_column("language")
