"""Simulated patients on tests/gold/interview_cases.jsonl (150 cases written for the interview, without sight
of the knowledge base): each starts with a short opening sentence; the full story answers the questions.

One test per case guards safety (an emergency ends the interview at urgent or above; a self-care or routine case
is not sent to the emergency department), and one test guards the set's floor: the interview gains top-1
accuracy over the opening alone with at most 8 questions on average.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from curbside.engine import Engine
from curbside.evaluation import EvalCase, InterviewCaseResult, InterviewEvalResult, load_cases, simulate_interview

CASES = load_cases(Path(__file__).parent / "gold" / "interview_cases.jsonl")
MIN_GAIN_TOP1 = 0.12  # measured +16 points; the target is +15
MAX_MEAN_QUESTIONS = 8.0


@pytest.fixture(scope="module")
def results(engine: Engine) -> dict[str, InterviewCaseResult]:
    return {c.id: simulate_interview(engine, c) for c in CASES}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_interview_case(results: dict[str, InterviewCaseResult], case: EvalCase) -> None:
    r = results[case.id]
    assert r.error is None, f"{case.id}: {r.error}"
    if case.triage == ["emergency"]:
        assert r.triage in ("emergency", "urgent"), f"{case.id}: emergency ended the interview at {r.triage}"
    if set(case.triage) <= {"self_care", "routine"}:
        assert r.triage != "emergency", f"{case.id}: {case.triage} ended at emergency"
    assert r.questions <= 10, f"{case.id}: {r.questions} questions"


def test_interview_set_floor(results: dict[str, InterviewCaseResult]) -> None:
    assert len(CASES) >= 150
    s = InterviewEvalResult(list(results.values())).summary()
    assert s["interview_top1"] - s["one_shot_top1"] >= MIN_GAIN_TOP1, s
    assert s["interview_top3"] >= s["one_shot_top3"], s
    assert s["mean_questions"] <= MAX_MEAN_QUESTIONS, s
