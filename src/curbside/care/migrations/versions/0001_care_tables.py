"""Care tables: clinic, physicians, appointments (one booking per slot, enforced by a unique constraint).

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "care_clinic",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("timezone", sa.String(80), nullable=False),
        sa.Column("booking_days", sa.Integer, nullable=False),
        sa.Column("departments", sa.Text, nullable=False),
        sa.Column("locations", sa.Text, nullable=False),
    )
    op.create_table(
        "care_physicians",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("clinic_id", sa.String(80), sa.ForeignKey("care_clinic.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("specialties", sa.Text, nullable=False),
        sa.Column("languages", sa.Text, nullable=False),
        sa.Column("location", sa.String(80), nullable=False),
        sa.Column("slot_minutes", sa.Integer, nullable=False),
        sa.Column("hours", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
    )
    op.create_table(
        "care_appointments",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("physician_id", sa.String(80), sa.ForeignKey("care_physicians.id"), nullable=False),
        sa.Column("start", sa.DateTime, nullable=False),
        sa.Column("end", sa.DateTime, nullable=False),
        sa.Column("patient_name", sa.String(200), nullable=False),
        sa.Column("contact", sa.String(200), nullable=False),
        sa.Column("consent_to_share_summary", sa.Boolean, nullable=False),
        sa.Column("summary", sa.Text, nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.UniqueConstraint("physician_id", "start", name="uq_appointment_slot"),
    )
    op.create_index("ix_care_appointments_start", "care_appointments", ["start"])


def downgrade() -> None:
    op.drop_index("ix_care_appointments_start", "care_appointments")
    op.drop_table("care_appointments")
    op.drop_table("care_physicians")
    op.drop_table("care_clinic")
