"""Data-driven gold cases (tests/gold/cases.jsonl, written by Curbside authors in lay language).

One test per case guards a floor: the expected diagnosis is in the top 10, an emergency is never
triaged below urgent, and self-care/routine cases are not sent to the emergency department. An
aggregate test guards the overall top-3 and triage figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from curbside.engine import Engine
from curbside.evaluation import EvalCase, evaluate_cases, load_cases, matches

GOLD = Path(__file__).parent / "gold" / "cases.jsonl"
CASES = load_cases(GOLD) if GOLD.is_file() else []
TOP3_FLOOR = 0.88
TRIAGE_FLOOR = 0.82


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


def test_gold_set_floor(engine: Engine) -> None:
    assert len(CASES) >= 60
    summary = evaluate_cases(engine, CASES).summary()
    assert summary["top3"] >= TOP3_FLOOR, summary
    assert summary["triage_accuracy"] >= TRIAGE_FLOOR, summary
    assert summary["emergency_below_urgent"] == 0, summary
