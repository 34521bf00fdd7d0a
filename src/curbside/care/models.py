"""Tables for care routing (SQLAlchemy 2): the loaded clinic, its physicians and appointments.

A slot is one physician at one start time; the unique constraint on (physician_id, start) makes the database
itself refuse a second booking of the same slot, whatever the code does.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ClinicRow(Base):
    __tablename__ = "care_clinic"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    timezone: Mapped[str] = mapped_column(String(80))
    booking_days: Mapped[int] = mapped_column(Integer)
    departments: Mapped[str] = mapped_column(Text)  # JSON: specialty id -> department name
    locations: Mapped[str] = mapped_column(Text)  # JSON list


class PhysicianRow(Base):
    __tablename__ = "care_physicians"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    clinic_id: Mapped[str] = mapped_column(String(80), ForeignKey("care_clinic.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(300))
    specialties: Mapped[str] = mapped_column(Text)  # space-separated Curbside specialty ids
    languages: Mapped[str] = mapped_column(Text)  # JSON list
    location: Mapped[str] = mapped_column(String(80))
    slot_minutes: Mapped[int] = mapped_column(Integer)
    hours: Mapped[str] = mapped_column(Text)  # JSON: day -> ["HH:MM-HH:MM", ...]
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class AppointmentRow(Base):
    __tablename__ = "care_appointments"
    __table_args__ = (UniqueConstraint("physician_id", "start", name="uq_appointment_slot"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    physician_id: Mapped[str] = mapped_column(String(80), ForeignKey("care_physicians.id"))
    start: Mapped[dt.datetime] = mapped_column(DateTime)
    end: Mapped[dt.datetime] = mapped_column(DateTime)
    patient_name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(String(200))
    consent_to_share_summary: Mapped[bool] = mapped_column(Boolean)
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created: Mapped[dt.datetime] = mapped_column(DateTime)
