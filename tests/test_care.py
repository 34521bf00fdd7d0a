"""Care routing: the clinic directory, free slots by specialty and urgency, booking (once per slot, also under
concurrency), tokens, admin endpoints, the page's booking form; on SQLite always and on PostgreSQL when present."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from curbside.api.app import create_app
from curbside.api.settings import Settings
from curbside.care.directory import DirectoryError, load_directory
from curbside.care.store import CareStore
from curbside.engine import Engine
from curbside.errors import BookingError, SlotTakenError

CLINIC = Path(__file__).parent.parent / "examples" / "clinic" / "clinic.yaml"
NECK = (Path(__file__).parent.parent / "examples" / "neck.txt").read_text()


@pytest.fixture()
def care(tmp_path: Path, engine: Engine) -> CareStore:
    store = CareStore(f"sqlite:///{tmp_path / 'care.db'}")
    store.load_clinic(load_directory(CLINIC, set(engine.kb.specialties)))
    return store


def _first_slot(store: CareStore, specialty: str = "neurology") -> tuple[str, dt.datetime]:
    o = store.options(specialty)["options"][0]
    return o["physician"]["id"], dt.datetime.fromisoformat(o["slots"][0]["start"])


def test_directory_validation(tmp_path: Path, engine: Engine) -> None:
    clinic = load_directory(CLINIC, set(engine.kb.specialties))
    assert any("neurology" in p.specialties for p in clinic.physicians)
    bad = tmp_path / "bad.yaml"
    bad.write_text("clinic: {id: x, name: X, locations: [{id: a, name: A}], physicians: [{id: p, name: P, "
                   "specialties: [neurology], location: b, hours: {mon: ['09:00-12:00']}}]}")
    with pytest.raises(DirectoryError, match="unknown location"):
        load_directory(bad)
    bad.write_text("clinic: {id: x, name: X, locations: [{id: a, name: A}], physicians: [{id: p, name: P, "
                   "specialties: [wizardry], location: a, hours: {mon: ['09:00-12:00']}}], colour: blue}")
    with pytest.raises(DirectoryError, match="colour"):
        load_directory(bad)
    bad.write_text("clinic: {id: x, name: X, locations: [{id: a, name: A}], physicians: [{id: p, name: P, "
                   "specialties: [wizardry], location: a, hours: {mon: ['09:00-12:00']}}]}")
    with pytest.raises(DirectoryError, match="unknown specialty ids: wizardry"):
        load_directory(bad, set(engine.kb.specialties))
    bad.write_text("clinic: {id: x, name: X, locations: [{id: a, name: A}], physicians: [{id: p, name: P, "
                   "specialties: [neurology], location: a, hours: {mon: ['12:00-09:00']}}]}")
    with pytest.raises(DirectoryError, match="bad opening hours"):
        load_directory(bad)


def test_options_soonest_first_and_by_urgency(care: CareStore) -> None:
    after = dt.datetime(2026, 11, 21, 13, 0)  # a Saturday afternoon
    routine = care.options("neurology", after=after)
    starts = [o["slots"][0]["start"] for o in routine["options"]]
    assert starts == sorted(starts) and {o["physician"]["id"] for o in routine["options"]} == {
        "dr-lindqvist", "dr-reyes"}
    assert routine["options"][0]["slots"][0]["start"] == "2026-11-23T13:00"  # Monday afternoon, Dr Reyes
    assert routine["department"] == "Neurology and movement disorders"
    urgent = care.options("neurology", after=after, urgency="urgent")
    assert all(sl["start"] <= "2026-11-23T13:00" for o in urgent["options"] for sl in o["slots"])
    emergency = care.options("neurology", after=after, urgency="emergency")
    assert emergency["options"] == [] and "emergency number" in emergency["message"]
    fallback = care.options("ophthalmology", after=after)  # no eye doctor: the family doctors are offered
    assert fallback["fallback_to_primary_care"] and fallback["options"]


def test_a_slot_is_booked_once_and_can_be_cancelled(care: CareStore) -> None:
    physician, start = _first_slot(care)
    appt, token = care.book(physician, start, "Ann Lee", "ann@example.org", False, "private summary")
    assert appt["start"] == start.isoformat(timespec="minutes")
    assert care.appointments()[0]["summary"] is None  # no consent, no summary
    with pytest.raises(SlotTakenError):
        care.book(physician, start, "Bob", "bob@example.org", True)
    assert start.isoformat(timespec="minutes") not in [
        sl["start"] for o in care.options("neurology")["options"] if o["physician"]["id"] == physician
        for sl in o["slots"]]
    with pytest.raises(BookingError):
        care.book(physician, start + dt.timedelta(minutes=7), "Bob", "bob@example.org", True)  # not a slot
    with pytest.raises(BookingError):
        care.book(physician, dt.datetime(2020, 1, 6, 13, 0), "Bob", "bob@example.org", True)  # in the past
    care.cancel(appt["id"], token)
    again, _ = care.book(physician, start, "Bob", "bob@example.org", True, "shared summary")
    assert care.appointments()[0]["summary"] == "shared summary"
    assert again["id"] != appt["id"]


def test_parallel_bookings_of_one_slot_end_with_exactly_one(care: CareStore) -> None:
    physician, start = _first_slot(care)
    results: list[str] = []
    barrier = threading.Barrier(16)

    def attempt(i: int) -> None:
        barrier.wait()
        try:
            care.book(physician, start, f"Patient {i}", f"p{i}@example.org", False)
            results.append("booked")
        except SlotTakenError:
            results.append("taken")

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("booked") == 1 and results.count("taken") == 15
    assert len(care.appointments()) == 1


def test_bookings_survive_a_restart(tmp_path: Path, care: CareStore) -> None:
    physician, start = _first_slot(care)
    appt, token = care.book(physician, start, "Ann", "ann@example.org", True, "s")
    care.close()
    reopened = CareStore(care.url)  # a new process would do the same; migrations are idempotent
    assert reopened.get(appt["id"], token)["patient_name"] == "Ann"
    with pytest.raises(SlotTakenError):
        reopened.book(physician, start, "Bob", "bob@example.org", True)


def test_api_booking_flow(engine: Engine, care: CareStore) -> None:
    client = TestClient(create_app(engine, Settings(rate_per_minute=0, admin_key="s3cret"), care=care))
    options = client.get("/v1/care/options", params={"specialty": "neurology"}).json()
    o = options["options"][0]
    assert set(o["physician"]) >= {"id", "name", "specialties"} and set(o["slots"][0]) == {"start", "end"}
    assert client.get("/v1/care/options", params={"specialty": "neurology", "urgency": "emergency"}).json()[
        "options"] == []
    body = {"physician_id": o["physician"]["id"], "start": o["slots"][0]["start"], "patient_name": "Ann Lee",
            "contact": "+44 20 7946 0000", "consent_to_share_summary": True, "summary": "Cervical dystonia 88%"}
    r = client.post("/v1/appointments", json=body)
    assert r.status_code == 201 and r.json()["cancel_token"]
    appt = r.json()
    assert client.post("/v1/appointments", json=body).status_code == 409
    assert client.post("/v1/appointments", json={**body, "start": "not a date"}).status_code == 422
    assert client.post("/v1/appointments", json={**body, "physician_id": "dr-nobody"}).status_code == 422
    assert client.post("/v1/appointments", json={k: v for k, v in body.items() if k != "contact"}).status_code == 422
    assert client.get(f"/v1/appointments/{appt['id']}", params={"token": appt["cancel_token"]}).status_code == 200
    assert client.get(f"/v1/appointments/{appt['id']}", params={"token": "wrong"}).status_code == 404
    assert client.get("/v1/admin/appointments").status_code == 401
    admin = client.get("/v1/admin/appointments", headers={"X-API-Key": "s3cret"})
    assert admin.status_code == 200 and admin.json()["appointments"][0]["summary"] == "Cervical dystonia 88%"
    assert client.delete(f"/v1/appointments/{appt['id']}", params={"token": "wrong"}).status_code == 404
    assert client.delete(f"/v1/appointments/{appt['id']}", params={"token": appt["cancel_token"]}).status_code == 204
    assert client.post("/v1/appointments", json=body).status_code == 201  # the slot is free again
    closed = TestClient(create_app(engine, Settings(rate_per_minute=0), care=care))
    assert closed.get("/v1/admin/appointments", headers={"X-API-Key": "x"}).status_code == 403


def test_page_offers_slots_and_books_with_consent(engine: Engine, care: CareStore) -> None:
    client = TestClient(create_app(engine, Settings(rate_per_minute=0), care=care))
    html = client.post("/", data={"text": NECK}).text
    assert ('id="booking"' in html and "Dr Tomas Reyes" in html) or "Dr Amara Lindqvist" in html
    import re

    slot = re.search(r'name="slot" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    done = client.post("/book", data={"slot": slot, "patient_name": "Ann", "contact": "ann@example.org",
                                      "summary": "Curbside consult", "consent": "yes"})
    assert done.status_code == 200 and "Appointment booked" in done.text and "was shared" in done.text
    taken = client.post("/book", data={"slot": slot, "patient_name": "Bob", "contact": "bob@example.org"})
    assert taken.status_code == 409
    emergency = client.post("/", data={"text": "crushing chest pain and sweating, I feel like I'm dying"}).text
    assert 'id="booking"' not in emergency


def test_care_on_postgresql(postgres_url: str, engine: Engine) -> None:
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS care_appointments, care_physicians, care_clinic, alembic_version CASCADE")
    store = CareStore(postgres_url.replace("postgresql://", "postgresql+psycopg://"))
    store.load_clinic(load_directory(CLINIC, set(engine.kb.specialties)))
    test_parallel_bookings_of_one_slot_end_with_exactly_one(store)
    physician, start = _first_slot(store)
    appt, token = store.book(physician, start, "Ann", "ann@example.org", True, "s")
    store.close()
    reopened = CareStore(postgres_url.replace("postgresql://", "postgresql+psycopg://"))
    assert reopened.get(appt["id"], token)["patient_name"] == "Ann"
    reopened.close()
