"""Care storage and logic: loading the clinic directory, free slots by specialty and urgency, booking and
cancelling with a token. SQLite under ``CURBSIDE_HOME`` by default, PostgreSQL through ``CURBSIDE_DATABASE_URL``;
the schema is kept by Alembic migrations."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, select
from sqlalchemy.engine import Engine as DbEngine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from curbside.care.directory import DAYS, Clinic
from curbside.care.models import AppointmentRow, ClinicRow, PhysicianRow
from curbside.errors import AppointmentNotFoundError, BookingError, SlotTakenError
from curbside.store import database_url

URGENT_WINDOW = dt.timedelta(days=2)  # an urgent problem is offered slots within this window only
MAX_SLOTS_PER_PHYSICIAN = 6


def migrate(db: DbEngine) -> None:
    """Bring the care tables to the latest Alembic revision."""
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", db.url.render_as_string(hide_password=False))
    with db.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@dataclass(frozen=True)
class Slot:
    start: dt.datetime
    end: dt.datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CareStore:
    """The clinic, its physicians and their appointments in one database."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or database_url()
        connect_args = {"timeout": 30} if self.url.startswith("sqlite") else {}
        self.db = create_engine(self.url, future=True, connect_args=connect_args, pool_pre_ping=True)
        if self.url.startswith("sqlite"):
            @event.listens_for(self.db, "connect")
            def _pragmas(conn: Any, _: Any) -> None:
                cur = conn.cursor()
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA journal_mode=WAL")
                cur.close()
        migrate(self.db)
        self.sessions = sessionmaker(self.db, expire_on_commit=False)

    # ------------------------------------------------------------------ directory
    def load_clinic(self, clinic: Clinic) -> dict[str, int]:
        """Load (or reload) the clinic directory; physicians no longer listed are kept but made inactive."""
        with self.sessions.begin() as s:
            for old in s.scalars(select(ClinicRow)).all():
                if old.id != clinic.id:
                    s.delete(old)
            s.merge(ClinicRow(id=clinic.id, name=clinic.name, timezone=clinic.timezone,
                              booking_days=clinic.booking_days, departments=json.dumps(clinic.departments),
                              locations=json.dumps([loc.model_dump() for loc in clinic.locations])))
            s.flush()
            listed = {p.id for p in clinic.physicians}
            for row in s.scalars(select(PhysicianRow)).all():
                if row.id not in listed:
                    row.active = False
            for p in clinic.physicians:
                s.merge(PhysicianRow(id=p.id, clinic_id=clinic.id, name=p.name, specialties=" ".join(p.specialties),
                                     languages=json.dumps(p.languages), location=p.location,
                                     slot_minutes=p.slot_minutes, hours=json.dumps(p.hours), active=True))
        return {"physicians": len(clinic.physicians), "locations": len(clinic.locations)}

    def clinic(self) -> dict[str, Any] | None:
        with self.sessions() as s:
            row = s.scalars(select(ClinicRow)).first()
            if row is None:
                return None
            return {"id": row.id, "name": row.name, "timezone": row.timezone, "booking_days": row.booking_days,
                    "departments": json.loads(row.departments), "locations": json.loads(row.locations)}

    # ------------------------------------------------------------------ slots
    @staticmethod
    def _slots(p: PhysicianRow, start: dt.datetime, end: dt.datetime) -> list[Slot]:
        hours: dict[str, list[str]] = json.loads(p.hours)
        step = dt.timedelta(minutes=p.slot_minutes)
        out: list[Slot] = []
        day = start.date()
        while day <= end.date():
            for rng in hours.get(DAYS[day.weekday()], []):
                a, b = rng.split("-")
                t = dt.datetime.combine(day, dt.time(int(a[:2]), int(a[3:])))
                close = dt.datetime.combine(day, dt.time(0)) + dt.timedelta(hours=int(b[:2]), minutes=int(b[3:]))
                while t + step <= close:
                    if start < t <= end:
                        out.append(Slot(t, t + step))
                    t += step
            day += dt.timedelta(days=1)
        return out

    def options(self, specialty: str, after: dt.datetime | None = None, urgency: str | None = None,
                per_physician: int = MAX_SLOTS_PER_PHYSICIAN) -> dict[str, Any]:
        """Physicians of a specialty with their free slots, soonest first. Nothing is offered for an emergency;
        an urgent problem is offered only slots in the next two days."""
        now = after or dt.datetime.now().replace(second=0, microsecond=0)
        if urgency == "emergency":
            return {"options": [], "emergency": True, "specialty": specialty,
                    "message": "This needs emergency care now: call your local emergency number. Do not book."}
        clinic = self.clinic()  # before opening a session: never hold two connections at once
        days = clinic["booking_days"] if clinic else 21
        until = now + (URGENT_WINDOW if urgency == "urgent" else dt.timedelta(days=int(str(days))))
        with self.sessions() as s:
            doctors = [p for p in s.scalars(select(PhysicianRow).where(PhysicianRow.active.is_(True))).all()
                       if specialty in p.specialties.split()]
            fallback = False
            if not doctors and specialty != "primary_care":
                doctors = [p for p in s.scalars(select(PhysicianRow).where(PhysicianRow.active.is_(True))).all()
                           if "primary_care" in p.specialties.split()]
                fallback = bool(doctors)
            booked = {(a.physician_id, a.start) for a in s.scalars(select(AppointmentRow).where(
                AppointmentRow.start > now, AppointmentRow.start <= until)).all()}
        options: list[dict[str, Any]] = []
        for p in doctors:
            free = [sl for sl in self._slots(p, now, until) if (p.id, sl.start) not in booked][:per_physician]
            if free:
                options.append({
                    "physician": {"id": p.id, "name": p.name, "specialties": p.specialties.split(),
                                  "languages": json.loads(p.languages), "location": p.location},
                    "slots": [{"start": sl.start.isoformat(timespec="minutes"),
                               "end": sl.end.isoformat(timespec="minutes")} for sl in free]})
        options.sort(key=lambda o: o["slots"][0]["start"])
        department = (clinic or {}).get("departments", {}).get(specialty)
        return {"options": options, "emergency": False, "specialty": specialty, "department": department,
                "fallback_to_primary_care": fallback}

    # ------------------------------------------------------------------ bookings
    def book(self, physician_id: str, start: dt.datetime, patient_name: str, contact: str,
             consent_to_share_summary: bool, summary: str | None = None,
             now: dt.datetime | None = None) -> tuple[dict[str, Any], str]:
        """Book a free slot; returns the appointment and its cancel token (shown once). Raises ``BookingError``
        for an invalid request and ``SlotTakenError`` when the slot is already booked."""
        now = now or dt.datetime.now()
        start = start.replace(second=0, microsecond=0, tzinfo=None)
        clinic = self.clinic()
        with self.sessions() as s:
            p = s.get(PhysicianRow, physician_id)
            if p is None or not p.active:
                raise BookingError(f"No physician with id {physician_id[:80]!r}.")
            until = now + dt.timedelta(days=int(clinic["booking_days"]) if clinic else 21)
            slot = next((sl for sl in self._slots(p, start - dt.timedelta(minutes=1), start) if sl.start == start),
                        None)
            if slot is None:
                raise BookingError("That time is not one of this physician's appointment slots.")
            if start <= now or start > until:
                raise BookingError("That slot is in the past or too far ahead to book.")
        token = secrets.token_urlsafe(24)
        row = AppointmentRow(id=uuid.uuid4().hex, physician_id=physician_id, start=slot.start, end=slot.end,
                             patient_name=patient_name, contact=contact,
                             consent_to_share_summary=consent_to_share_summary,
                             summary=summary if consent_to_share_summary else None, token_hash=_hash(token),
                             created=dt.datetime.now())
        try:
            with self.sessions.begin() as s:
                s.add(row)
        except IntegrityError as exc:  # the unique constraint on (physician_id, start)
            raise SlotTakenError("That slot has just been booked by someone else; please choose another.") from exc
        return self._public(row), token

    def _find(self, s: Session, appointment_id: str, token: str) -> AppointmentRow:
        row = s.get(AppointmentRow, appointment_id[:40])
        if row is None or not hmac.compare_digest(row.token_hash, _hash(token or "")):
            raise AppointmentNotFoundError("No appointment with that id and token.")
        return row

    def get(self, appointment_id: str, token: str) -> dict[str, Any]:
        with self.sessions() as s:
            return self._public(self._find(s, appointment_id, token))

    def cancel(self, appointment_id: str, token: str) -> None:
        with self.sessions.begin() as s:
            s.delete(self._find(s, appointment_id, token))

    def appointments(self, after: dt.datetime | None = None) -> list[dict[str, Any]]:
        """Every appointment (for the clinic's administrators), soonest first."""
        with self.sessions() as s:
            q = select(AppointmentRow).order_by(AppointmentRow.start)
            if after is not None:
                q = q.where(AppointmentRow.start >= after)
            return [self._public(r, admin=True) for r in s.scalars(q).all()]

    @staticmethod
    def _public(row: AppointmentRow, admin: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"id": row.id, "physician_id": row.physician_id,
                               "start": row.start.isoformat(timespec="minutes"),
                               "end": row.end.isoformat(timespec="minutes"), "patient_name": row.patient_name,
                               "consent_to_share_summary": row.consent_to_share_summary}
        if admin:
            out.update({"contact": row.contact, "summary": row.summary,
                        "created": row.created.isoformat(timespec="seconds")})
        return out

    def close(self) -> None:
        self.db.dispose()
