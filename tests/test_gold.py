"""Data-driven gold cases, written for Curbside without sight of its knowledge base.

- tests/gold/cases.jsonl: 260 cases in lay language (how people write to a symptom checker);
- tests/gold/clinical_cases.jsonl: 120 short clinical notes (how doctors and nurses write);
- tests/gold/interview_cases.jsonl: 150 stories opening with one short sentence (see also test_interview_gold).

One test per case guards a floor: the expected diagnosis is in the top 10, an emergency is never
triaged below urgent, and self-care/routine cases are not sent to the emergency department. An
aggregate test per set guards its overall top-3 and triage figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from curbside.engine import Engine
from curbside.evaluation import EvalCase, evaluate_cases, load_cases, matches

GOLD_DIR = Path(__file__).parent / "gold"
SETS = {  # file -> (minimum cases, top-3 floor, triage floor)
    "cases.jsonl": (200, 0.88, 0.82),
    "clinical_cases.jsonl": (100, 0.88, 0.82),
    "interview_cases.jsonl": (150, 0.80, 0.78),
}
CASES = [case for name in SETS for case in load_cases(GOLD_DIR / name)]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_gold_case(engine: Engine, case: EvalCase) -> None:
    consult = engine.ask(case.text, age=case.age, sex=case.sex)
    ranked = [rc.condition for rc in consult.assessment.conditions]
    names = [c.name for c in ranked[:5]]
    assert any(matches(c, case.dx, case.icd10) for c in ranked[:10]), f"{case.id}: {case.dx} not in top 10: {names}"
    level = consult.assessment.triage.level.value
    if case.triage == ["emergency"]:
        assert level in ("emergency", "urgent"), f"{case.id}: emergency triaged {level}"
    if set(case.triage) <= {"self_care", "routine"}:
        assert level != "emergency", f"{case.id}: {case.triage} triaged emergency"


@pytest.mark.parametrize("name", sorted(SETS))
def test_gold_set_floor(engine: Engine, name: str) -> None:
    minimum, top3_floor, triage_floor = SETS[name]
    cases = load_cases(GOLD_DIR / name)
    assert len(cases) >= minimum
    summary = evaluate_cases(engine, cases).summary()
    assert summary["top3"] >= top3_floor, summary
    assert summary["triage_accuracy"] >= triage_floor, summary
    assert summary["emergency_below_urgent"] == 0, summary
