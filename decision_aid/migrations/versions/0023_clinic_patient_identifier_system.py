"""Each clinic names the identifier system of its own patient references, for the FHIR export.

- clinic.patient_identifier_system: an absolute URI (e.g. the clinic's own
  https://clinic.example/patient-ids, or a urn:oid:...), set by an admin on /admin/clinic.
  Empty until then, and an export refuses to run without it: a FHIR Identifier without its
  system cannot be matched to the right patient by the receiving record.

Revision ID: 0023
Revises: 0022
"""
import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("clinic") as batch:
        batch.add_column(sa.Column("patient_identifier_system", sa.String(255), nullable=True))


def downgrade():
    with op.batch_alter_table("clinic") as batch:
        batch.drop_column("patient_identifier_system")
