"""The core example of issue 2, in our own words: episodic one-sided neck spasms in a man of 59."""

from __future__ import annotations

import pytest

from curbside.engine import Consult, Engine

NECK = (
    "Male, 59 years old. Over the past couple of days I've had, once daily, a sudden cramp-like pull in the muscles "
    "on the right at the back of my neck, running from the bottom of my skull down the neck. Nothing seems to trigger "
    "it: I wasn't hurt, I hadn't moved awkwardly, it wasn't cold and I'm not stressed. During it I'm unable to turn my "
    "head to the right and I just sit and wait; it passes after two or three minutes and then my neck moves normally "
    "and doesn't hurt. My back and spine are fine. Some years ago I was told I had a pinched nerve in my neck from "
    "worn discs, and it flared up slightly about seven months ago. Last year I had migraines for a few months for the "
    "first time; bloods and a brain scan were fine except my blood pressure was a bit high. Could this be dangerous "
    "when I'm driving? What is it?"
)


@pytest.fixture(scope="module")
def consult(engine: Engine) -> Consult:
    return engine.ask(NECK)


def test_cervical_dystonia_first(consult: Consult) -> None:
    assert consult.payload["conditions"][0]["id"] == "cervical_dystonia"


def test_spine_and_drug_causes_to_rule_out(consult: Consult) -> None:
    rule_out = {r["id"] for r in consult.payload["rule_out"]}
    listed = {c["id"] for c in consult.payload["conditions"]}
    assert "drug_induced_dystonia" in rule_out | listed
    assert rule_out & {"cervical_radiculopathy", "cervical_spondylosis"}


def test_routine_with_neurology(consult: Consult) -> None:
    assert consult.payload["triage"]["level"] == "routine"
    assert consult.payload["specialist"]["id"] == "neurology"


def test_patient_and_findings(consult: Consult) -> None:
    p = consult.payload
    assert p["patient"]["age"] == 59 and p["patient"]["sex"] == "male"
    present = {f["id"] for f in p["findings"] if f["status"] == "present"}
    assert {"neck_spasm", "limited_neck_rotation"} <= present
    assert p["context"]["laterality"] == "right"


def test_answer_covers_what_a_doctor_would_say(consult: Consult) -> None:
    text = consult.answer
    assert "botulinum toxin" in text.lower()
    assert "physical therapy" in text.lower() or "physiotherapy" in text.lower()
    assert "About driving" in text and "do not drive" in text.lower()
    assert "Neurologist" in text
    assert "kb:cervical_dystonia" in text and "not a diagnosis" in text
