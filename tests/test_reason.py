"""Differential, triage, red flags and explanations on the tiny knowledge base."""

from __future__ import annotations

import pytest

from curbside.engine import Engine
from curbside.errors import InputError, NoFindingsError
from curbside.kb.schema import Triage
from curbside.reason.model import CONTEXT_UNLISTED_LR


def test_cold_ranks_first_and_is_self_care(tiny_engine: Engine) -> None:
    a = tiny_engine.assess(tiny_engine.parse("Runny nose and a cough for a couple of days, no fever"))
    assert a.conditions[0].condition.id == "common_cold"
    assert a.triage.level == Triage.self_care
    probs = [rc.probability for rc in a.conditions]
    assert probs == sorted(probs, reverse=True) and 0.5 < sum(probs) + a.other_probability <= 1.0 + 1e-9


def test_red_flag_overrides_the_differential(tiny_engine: Engine) -> None:
    a = tiny_engine.assess(tiny_engine.parse("runny nose, fever and a stiff neck"))
    assert a.triage.level == Triage.emergency
    assert a.triage.red_flags and a.triage.red_flags[0].id == "fever_stiff_neck"
    assert a.triage.reasons[0].startswith("Red flag")


def test_explanations_name_the_persons_findings(tiny_engine: Engine) -> None:
    a = tiny_engine.assess(tiny_engine.parse("I smoke and have had a cough for months, no fever"))
    top = a.conditions[0]
    assert top.condition.id == "smokers_cough"
    assert {e.finding_id for e in top.supporting} >= {"cough", "smoker"}
    cold = next(rc for rc in a.conditions if rc.condition.id == "common_cold")
    assert any(e.finding_id == "duration_months" for e in cold.opposing)


def test_age_excludes_adult_only_condition(tiny_engine: Engine) -> None:
    a = tiny_engine.assess(tiny_engine.parse("my 3 year old son has a cough, he smokes? no"))
    assert all(rc.condition.id != "smokers_cough" or rc.probability < 0.05 for rc in a.conditions)


def test_emergency_condition_in_differential_is_never_self_care(tiny_engine: Engine) -> None:
    a = tiny_engine.assess(tiny_engine.parse("sudden fever and headache"))
    assert any(rc.condition.id == "meningitis" for rc in a.conditions)
    assert a.triage.level.rank >= Triage.urgent.rank


def test_no_symptom_is_an_honest_error(tiny_engine: Engine) -> None:
    with pytest.raises(NoFindingsError):
        tiny_engine.ask("What is the capital of France?")
    with pytest.raises(InputError):  # gibberish: no English words at all
        tiny_engine.ask("asdkjh qwe zxcv lorem ipsum")
    with pytest.raises(NoFindingsError):
        tiny_engine.ask("I feel a bit strange about my blorps today")


def test_answer_cites_and_disclaims(tiny_engine: Engine) -> None:
    c = tiny_engine.ask("runny nose and cough, I drive for work")
    assert "[1]" in c.answer and "kb:common_cold" in c.answer
    assert "This is not a diagnosis" in c.answer
    assert c.answer.index("Urgency") < c.answer.index("What it could be")
    p = c.payload
    assert p["triage"]["level"] == "self_care"
    assert p["conditions"][0]["id"] == "common_cold" and p["conditions"][0]["icd10"] == ["J00"]
    assert p["citations"][0]["id"] == "common_cold"
    assert {f["status"] for f in p["findings"]} == {"present"}
    assert p["error"] is None and p["kb_version"]


def test_no_fitting_condition_is_not_an_emergency(tiny_engine: Engine) -> None:
    # "smoker" alone is a known exposure, not a complaint: no condition is a candidate.
    from curbside.understand.case import Case, CaseFinding, Status

    case = Case(text="x", findings=[CaseFinding("duration_days", "Days", Status.present, "x", 0, 1)])
    a = tiny_engine.reasoner.assess(case)
    assert a.conditions == [] and a.triage.level == Triage.routine and a.triage.reasons


def test_a_listed_duration_counts_against_the_durations_left_out(tiny_engine: Engine) -> None:
    """`one_of` groups: a months-long condition leaves 15 % for an illness of days or weeks, shared out."""
    model = tiny_engine.reasoner.model
    share = model.left_over["smokers_cough"]["duration_days"]
    assert share == pytest.approx((1 - 0.85) / 2)
    assert model.likelihood_ratio("smokers_cough", "duration_days", True) == pytest.approx(
        min(share / model.background["duration_days"], CONTEXT_UNLISTED_LR))
    # a condition listing no duration keeps the mild, neutral-ish weight of an unlisted context
    assert "duration_days" not in model.left_over.get("common_cold", {})


def test_a_common_exposure_weighs_less_than_a_rare_one(engine: Engine) -> None:
    """Population bands floor the background rate of exposures that are common in everyone."""
    model = engine.reasoner.model
    smoking = model.likelihood_ratio("copd", "smoker", True)
    assert engine.kb.findings["smoker"].population is not None
    assert model.background["smoker"] >= 0.08
    assert 1.0 < smoking < 0.85 / 0.08 + 1e-9


def test_a_relative_with_the_condition_raises_it(engine: Engine) -> None:
    text = "Diarrhoea, bloating and weight loss for months."
    plain = engine.assess(engine.parse(text))
    family = engine.assess(engine.parse(text + " Family history: coeliac disease."))
    p = {rc.condition.id: rc.probability for rc in plain.conditions}
    q = {rc.condition.id: rc.probability for rc in family.conditions}
    assert q["celiac_disease"] > p.get("celiac_disease", 0.0)
