"""The interview: red-flag screens first, information gain, age and sex, the stop rule, the API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from curbside.api.app import create_app
from curbside.api.settings import Settings
from curbside.engine import Engine
from curbside.errors import BadAnswerError, NoFindingsError


def test_red_flag_screen_comes_first_and_a_yes_stops_at_once(tiny_engine: Engine) -> None:
    turn = tiny_engine.interview("I have a fever", age=30, sex="male")
    q = turn.payload["question"]
    assert q["finding"] == "neck_stiffness" and q["why"].startswith("It would change how urgent")
    assert not turn.payload["should_stop"]
    turn = tiny_engine.interview("I have a fever", [{"finding": "neck_stiffness", "answer": "yes"}], age=30,
                                 sex="male")
    assert turn.payload["should_stop"] and turn.payload["question"] is None
    assert turn.payload["stop_reason"] == "emergency" and turn.payload["triage"]["level"] == "emergency"
    assert "emergency number" in turn.payload["triage"]["action"]


def test_age_then_sex_are_asked_when_unknown(tiny_engine: Engine) -> None:
    q = tiny_engine.interview("runny nose and a cough").payload["question"]
    assert q["type"] == "age" and q["finding"] == "age"
    q = tiny_engine.interview("runny nose and a cough", age=40).payload["question"]
    assert q["type"] == "sex"
    turn = tiny_engine.interview("a cough", [{"finding": "age", "answer": "unknown"}], sex="female").payload
    assert turn["question"]["type"] == "yes_no"  # a skipped age question is not asked again
    assert turn["questions_asked"] == 2  # age (skipped) and sex count as questions


def test_questions_narrow_the_differential(tiny_engine: Engine) -> None:
    answers: list[dict[str, str]] = []
    seen: set[str] = set()
    for _ in range(5):
        turn = tiny_engine.interview("a cough", answers, age=50, sex="male")
        q = turn.payload["question"]
        if q is None:
            break
        assert q["finding"] not in seen and q["finding"] in tiny_engine.kb.findings  # never the same question twice
        seen.add(q["finding"])
        answers.append({"finding": q["finding"],
                        "answer": "yes" if q["finding"] in ("smoker", "duration_months") else "no"})
    top = turn.payload["conditions"][0]
    assert top["id"] == "smokers_cough"


def test_unknown_answers_add_no_evidence(tiny_engine: Engine) -> None:
    a = tiny_engine.interview("50M, a cough").payload
    b = tiny_engine.interview("50M, a cough", [{"finding": "smoker", "answer": "unknown"}]).payload
    assert [c["probability"] for c in a["conditions"]] == [c["probability"] for c in b["conditions"]]
    assert b["questions_asked"] == 1 and b["question"]["finding"] != "smoker"


def test_budget_stops_the_interview(engine: Engine) -> None:
    turn = engine.interview("I feel tired all the time", age=40, sex="female", budget=0)
    assert turn.payload["should_stop"] and turn.payload["stop_reason"] == "budget"


def test_no_pregnancy_questions_for_men(engine: Engine) -> None:
    answers: list[dict[str, str]] = []
    for _ in range(8):
        q = engine.interview("pain low in my tummy", answers, age=30, sex="male").payload["question"]
        if q is None:
            break
        assert engine.kb.findings[q["finding"]].system.value not in ("pregnancy", "reproductive_female")
        answers.append({"finding": q["finding"], "answer": "no"})


@pytest.mark.parametrize(
    "answers",
    [
        [{"finding": "no_such_finding", "answer": "yes"}],
        [{"finding": "fever", "answer": "maybe"}],
        ["fever"],
    ],
)
def test_bad_answers_are_named_errors(engine: Engine, answers: list[object]) -> None:
    with pytest.raises(BadAnswerError):
        engine.interview("I have a headache", answers)


def test_text_without_symptoms_is_an_honest_error(engine: Engine) -> None:
    with pytest.raises(NoFindingsError):
        engine.interview("hello, can you help me?")


def test_interview_endpoint(engine: Engine) -> None:
    client = TestClient(create_app(engine, Settings(rate_per_minute=0)))
    r = client.post("/v1/interview", json={"text": "I have a headache", "age": 30, "sex": "female", "answers": []})
    assert r.status_code == 200
    body = r.json()
    assert set(body["question"]) == {"finding", "text", "why", "type"} and body["should_stop"] is False
    assert body["conditions"] and set(body["conditions"][0]) >= {"id", "probability", "supporting", "opposing"}
    bad = client.post("/v1/interview", json={"text": "I have a headache", "answers": [{"finding": "x", "answer": "y"}]})
    assert bad.status_code == 422
    unknown = client.post("/v1/interview", json={"text": "I have a headache",
                                                 "answers": [{"finding": "nope", "answer": "yes"}]})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "bad_answer"


def test_the_page_runs_the_interview_as_a_chat(engine: Engine) -> None:
    client = TestClient(create_app(engine, Settings(rate_per_minute=0)))
    first = client.post("/", data={"text": "I have a headache"})
    assert first.status_code == 200 and 'id="interview"' in first.text and 'name="question" value="age"' in first.text
    second = client.post("/", data={"text": "I have a headache", "answers": "[]", "question": "age",
                                    "age_answer": "34", "reply": "age"})
    assert 'name="question" value="sex"' in second.text and 'name="age" value="34.0"' in second.text
    junk = client.post("/", data={"text": "I have a headache", "answers": "{not json", "question": "fever",
                                  "reply": "yes"})
    assert junk.status_code == 422
