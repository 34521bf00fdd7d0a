"""Free text -> Case: phrasings, typos, negation, history, family, hypotheticals, attributes, bad input."""

from __future__ import annotations

import pytest

from curbside.engine import Engine
from curbside.errors import (
    EmptyInputError,
    InputTooLongError,
    NotTextError,
    UnsupportedLanguageError,
)
from curbside.understand.attributes import extract_age_sex, extract_measurements, extract_time_course
from curbside.understand.case import Status


def statuses(engine: Engine, text: str) -> dict[str, str]:
    return {f.id: f.status.value for f in engine.parse(text).findings}


def test_lay_and_clinical_phrasings(tiny_engine: Engine) -> None:
    got = statuses(tiny_engine, "My nose is running and I keep coughing")
    assert got == {"runny_nose": "present", "cough": "present"}


def test_typo_tolerance(tiny_engine: Engine) -> None:
    assert statuses(tiny_engine, "I have had diarhoea since Monday")["diarrhea"] == "present"


def test_negation(tiny_engine: Engine) -> None:
    s = statuses(tiny_engine, "I have a headache but no fever and I don't have a stiff neck.")
    assert s == {"headache": "present", "fever": "absent", "neck_stiffness": "absent"}


def test_family_history_and_past_history(tiny_engine: Engine) -> None:
    assert statuses(tiny_engine, "My mother had a stiff neck.")["neck_stiffness"] == "family"
    assert statuses(tiny_engine, "Years ago I had a bad cough.")["cough"] == "history"


def test_hypothetical(tiny_engine: Engine) -> None:
    assert statuses(tiny_engine, "What should I do if I get a fever?")["fever"] == "hypothetical"


def test_spans_point_into_the_text(tiny_engine: Engine) -> None:
    text = "Since yesterday, a really bad headache."
    case = tiny_engine.parse(text)
    f = next(f for f in case.findings if f.id == "headache")
    assert text[f.start:f.end] == f.text == "headache"


@pytest.mark.parametrize(
    ("text", "age", "sex"),
    [
        ("59, male, neck spasms", 59, "male"),
        ("I'm a 34 year old woman with a cough", 34, "female"),
        ("34F, cough for a week", 34, "female"),
        ("My 6 month old daughter has a fever", 0.5, "female"),
        ("65 year old Male. Chest discomfort for 3 days.", 65, "male"),
        ("He is 40 and has a cough", 40, "male"),
        ("cough for 3 years", None, None),
    ],
)
def test_age_and_sex(text: str, age: float | None, sex: str | None) -> None:
    assert extract_age_sex(text) == (age, sex)


def test_temperature_gives_fever() -> None:
    ids = [d.finding_id for d in extract_measurements("Temp 39.2 C this morning")]
    assert ids == ["fever", "high_fever"]
    assert [d.finding_id for d in extract_measurements("temperature 101 F")] == ["fever"]
    assert extract_measurements("temperature 36.8") == []


@pytest.mark.parametrize(
    ("text", "duration", "brief"),
    [
        ("For the last two days I get spasms lasting 2-3 minutes", "days", True),
        ("coughing for three weeks", "weeks", False),
        ("it started 4 months ago", "months", False),
        ("I had surgery 5 years ago", None, False),
    ],
)
def test_time_course(text: str, duration: str | None, brief: bool) -> None:
    got_duration, got_brief, _ = extract_time_course(text)
    assert (got_duration, got_brief) == (duration, brief)


def test_onset_and_laterality_in_case(engine: Engine) -> None:
    case = engine.parse("Out of nowhere I get a spasm on the right side of my neck")
    assert case.onset == "sudden" and case.laterality == "right" and "neck" in case.body_sites


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", EmptyInputError),
        ("   \n\t ", EmptyInputError),
        ("cough " * 20000, InputTooLongError),
        ("\x00\x01\x02\x03\x04\x05garbage\x06\x07", NotTextError),
        ("Tengo dolor de cabeza y fiebre desde ayer", UnsupportedLanguageError),
        ("У меня болит голова и высокая температура", UnsupportedLanguageError),
        ("12345 67890 !!!", NotTextError),
    ],
)
def test_bad_input_raises_named_errors(tiny_engine: Engine, text: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        tiny_engine.parse(text)


def test_status_enum_values() -> None:
    assert {s.value for s in Status} == {"present", "absent", "history", "family", "hypothetical"}


# ---- against the built-in knowledge base: real sentences, lay and clinical ----------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my pee burns and I'm peeing all the time", {"dysuria"}),
        ("the room spins when I roll over in bed", {"vertigo"}),
        ("I can't catch my breath", {"shortness_of_breath"}),
        ("coughing up blood since Tuesday", {"hemoptysis"}),
        ("Presents with a 6-month history of productive cough.", {"productive_cough"}),
        ("tenderness in the RLQ with fever", {"fever"}),
        ("temp 39.2 and shivering", {"fever", "high_fever", "chills"}),
    ],
)
def test_builtin_phrasings(engine: Engine, text: str, expected: set[str]) -> None:
    present = {f.id for f in engine.parse(text).findings if f.status == Status.present}
    assert expected <= present, present


def test_rash_that_does_not_fade_is_not_a_denial(engine: Engine) -> None:
    s = statuses(engine, "My son has a fever and a rash that doesn't fade when I press a glass on it")
    assert s["fever"] == "present" and s["non_blanching_rash"] == "present"


def test_writing_for_a_parent(engine: Engine) -> None:
    case = engine.parse("My mother is 82 and has a sore on her tailbone that keeps getting deeper")
    assert case.age == 82 and case.sex == "female"
    assert any(f.status == Status.present for f in case.findings)


def test_family_history_stays_family_when_the_writer_is_the_patient(engine: Engine) -> None:
    s = statuses(engine, "My mother had breast cancer. I have a lump in my breast.")
    assert s["cancer_history"] == "family" and s["breast_lump"] == "present"


def test_denying_a_group_denies_its_members(engine: Engine) -> None:
    s = statuses(engine, "Headache and fever, no chest pain.")
    assert s["chest_pain"] == "absent"
    assert all(v == "absent" for k, v in s.items() if k.startswith("chest_pain_"))


def test_medicines_are_reported(engine: Engine) -> None:
    case = engine.parse("I started metoclopramide two days ago and I take ibuprofen; now my neck twists")
    assert {m.id for m in case.medicines} == {"metoclopramide", "ibuprofen"}


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("my home monitor says 228/132", ["severely_high_bp_reading"]),
        ("BP 85/50 and dizzy", ["low_blood_pressure"]),
        ("blood pressure 128/82", []),
        ("pulse 128, sats 89%", ["rapid_heartbeat", "low_oxygen"]),
        ("HR 188 regular", ["rapid_heartbeat", "very_fast_heart_rate"]),
        ("pain is 8/10", []),
    ],
)
def test_vital_signs(text: str, ids: list[str]) -> None:
    assert [d.finding_id for d in extract_measurements(text)] == ids


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("last night I took about 24 paracetamol tablets", ["paracetamol_overdose", "overdose_or_poison_ingestion"]),
        ("he swallowed 30 of his sleeping tablets", ["overdose_or_poison_ingestion"]),
        ("I took 2 paracetamol for my headache", []),
    ],
)
def test_overdose_counts(text: str, ids: list[str]) -> None:
    from curbside.understand.attributes import extract_overdose

    assert [d.finding_id for d in extract_overdose(text)] == ids


def test_junk_never_crashes(engine: Engine) -> None:
    """Random junk either gets an answer or a named InputError, never anything else."""
    import random
    import string

    from curbside.errors import InputError

    rng = random.Random(20261121)
    alphabet = string.printable + "éüñ中文日本語😀—–’“”\u200b\u202e\x00\x07"
    words = ["pain", "no", "fever", "not", "my", "chest", "history", "of", "mother", "if", "39.5", "120/80", "took",
             "24", "tablets", "'", "-", "...", "I'm", "can't"]
    for i in range(300):
        if i % 3 == 0:
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 200)))
        elif i % 3 == 1:
            text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 40)))
        else:
            text = rng.choice(words) * rng.randint(1, 500)
        try:
            consult = engine.ask(text)
        except InputError:
            continue
        assert consult.payload["triage"]["level"] in {"emergency", "urgent", "routine", "self_care"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm 35, not pregnant, and I have burning when I pee", {"pregnant": "absent", "dysuria": "present"}),
        ("no vomiting, I have diarrhoea", {"vomiting": "absent", "diarrhea": "present"}),
        ("I'm 28 and 10 weeks pregnant", {"early_pregnancy": "present"}),
        ("he is running around normally", {"child_otherwise_well": "present"}),
        ("No loss of appetite, no weight loss", {"weight_loss": "absent"}),
        ("She is very tired and lethargic in the past few days", {"fatigue": "present"}),
        # "without" qualifies what it follows; a comma ends it unless an "or" makes a list
        ("Bruising without injury, difficulty rising from a chair and weak thighs", {"proximal_weakness": "present"}),
        ("A cough without fever, chills or night sweats", {"cough": "present", "night_sweats": "absent"}),
        # "non" binds to the word after it
        ("Hypertension, non-insulin-dependent diabetes mellitus", {"diabetes_known": "present"}),
        ("Non-smoker. Dry cough for a week", {"smoker": "absent", "dry_cough": "present"}),
        # "no change in X" denies X; a long history of X is X now
        ("No palpitations while walking, No change in bowel habit", {"change_in_bowel_habit": "absent"}),
        ("She has a long-term history of eye dryness", {"dry_eye_feeling": "present"}),
        ("She has several years of heavier periods", {"heavy_periods": "present"}),
        ("I had a hysterectomy many years ago", {"pelvic_surgery_or_radiotherapy": "history"}),
    ],
)
def test_scope_of_denials_and_time(engine: Engine, text: str, expected: dict[str, str]) -> None:
    got = {f.id: f.status.value for f in engine.parse(text).findings if f.source != "implied"}
    for fid, status in expected.items():
        assert got.get(fid) == status, got
    assert "poor_appetite" not in {k for k, v in got.items() if v == "present"}


def test_habit_durations_are_not_illness_durations() -> None:
    assert extract_time_course("Cough for 4 days. He is a heavy smoker for 35 years.")[0] == "days"
    assert extract_time_course("Diabetic for 10 years. Now burning feet.")[0] is None
    # A note's past-history section says nothing of how long the present illness has lasted.
    assert extract_time_course("Breathless. Past history: Diabetes mellitus for the past 10 years.")[0] is None
    assert extract_time_course("PMH: asthma for 20 years. Complaints: wheeze for 3 days")[0] == "days"


def test_co_symptoms_are_not_aggravating_actions(engine: Engine) -> None:
    assert statuses(engine, "Abdominal pain with vomiting")["vomiting"] == "present"
    assert statuses(engine, "Sore throat with fever and cough")["cough"] == "present"
    assert "cough" not in statuses(engine, "Back pain worse when coughing")
    assert "cough" not in statuses(engine, "My chest hurts on deep breathing and coughing")


def test_writing_about_a_relative_in_an_emergency(engine: Engine) -> None:
    s = statuses(engine, "My dad's face dropped on one side and his arm went weak, his speech is slurred")
    assert s["facial_paralysis"] == "present" and s["arm_weakness"] == "present"
    s = statuses(engine, "My mother had breast cancer and I found a lump in my breast")
    assert s["breast_lump"] == "present" and s["active_cancer"] == "family"


def test_trigger_words_inside_a_phrasing(engine: Engine) -> None:
    assert statuses(engine, "No history of DVT.")["previous_blood_clot"] == "absent"
    assert statuses(engine, "History of DVT two years ago")["previous_blood_clot"] in {"history", "present"}
    assert statuses(engine, "I fainted but was back to normal within a minute")["quick_recovery_after_faint"] == (
        "present")


def test_backward_denials_stop_at_a_comma(engine: Engine) -> None:
    s = statuses(engine, "Exam: rebound tenderness, absent bowel sounds")
    assert s["peritoneal_signs"] == "present" and s["absent_bowel_sounds"] == "present"
    assert statuses(engine, "TSH high, free T4 low")["raised_tsh"] == "present"
    s = statuses(engine, "Rash, itching absent. Troponin was normal.")
    assert s["rash"] == "present" and s["itching"] == "absent" and s["raised_troponin"] == "absent"


def test_one_episode_is_not_recurrent_and_brief_morning_stiffness_is_not_inflammatory(engine: Engine) -> None:
    assert "recurrent_episodes" not in statuses(engine, "He had an episode of blood in his urine")
    assert statuses(engine, "I get episodes of dizziness")["recurrent_episodes"] == "present"
    short = statuses(engine, "Morning stiffness in the finger joints for less than 5 minutes")
    assert "stiffness_after_rest" in short and "morning_stiffness_long" not in short
    assert "morning_stiffness_long" in statuses(engine, "Morning stiffness for two hours in both hands")


def test_findings_about_relatives_count_when_said_of_a_relative(engine: Engine) -> None:
    s = statuses(engine, "My brother died suddenly young and I faint when I exercise")
    assert s["family_history_sudden_death"] == "present"
    assert statuses(engine, "My mother had diabetes.")["diabetes_known"] == "family"


def test_a_relatives_finding_gives_its_family_history_finding(engine: Engine) -> None:
    s = statuses(engine, "I'm thirsty all the time. My mother had diabetes.")
    assert s["family_history_diabetes"] == "present"
    assert "family_history_diabetes" not in statuses(engine, "I'm thirsty all the time and I have diabetes.")


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("Diarrhoea and bloating for months. Family history: Celiac Disease.", ["celiac_disease"]),
        ("Lump in the groin. His father had an inguinal hernia at 70.", ["inguinal_hernia"]),
        ("Lump in the groin. I had an inguinal hernia repaired years ago.", []),
        ("Diarrhoea for months. No family history of coeliac disease.", []),
    ],
)
def test_conditions_named_as_a_relatives(engine: Engine, text: str, family: list[str]) -> None:
    assert engine.parse(text).family_conditions == family


def test_blood_pressure_difference_between_arms() -> None:
    got = [d.finding_id for d in extract_measurements("BP 184/100 right arm, 142/86 left arm")]
    assert "arm_pulse_difference" in got
    assert "arm_pulse_difference" not in [d.finding_id for d in extract_measurements(
        "BP 150/90 right arm, 146/88 left arm")]


def test_an_ongoing_complaint_described_as_a_history_is_current(engine: Engine) -> None:
    s = statuses(engine, "25 year old woman. She has a history of tiredness and breathlessness on exertion.")
    assert s["fatigue"] == "present"
    assert statuses(engine, "I had a history of back pain years ago, now a cough")["back_pain"] == "history"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tired. Family history: father has diabetes.", {"fatigue": "present", "diabetes_known": "family"}),
        ("Exam: rubbery non-tender cervical lymphadenopathy", {"swollen_lymph_nodes": "present"}),
        ("Collapsed with abdominal pain and tachycardia, free fluid in the pelvis",
         {"rapid_heartbeat": "present", "abdominal_pain": "present"}),
        ("Jaundice, dark urine and tiredness, Coombs negative", {"jaundice": "present", "dark_urine": "present"}),
        ("I'm always tired and short of breath, and I had a blood clot in my leg last year",
         {"shortness_of_breath": "present", "previous_blood_clot": "history"}),
    ],
)
def test_scope_of_headings_and_backward_triggers(engine: Engine, text: str, expected: dict[str, str]) -> None:
    got = statuses(engine, text)
    for fid, status in expected.items():
        assert got.get(fid) == status, (fid, got)


def test_blood_pressure_in_words() -> None:
    assert [d.finding_id for d in extract_measurements("my blood pressure was 185 over 125")] == [
        "severely_high_bp_reading"]


def test_weight_lost_as_an_amount() -> None:
    from curbside.understand.attributes import extract_weight_loss

    assert [d.finding_id for d in extract_weight_loss("I have lost 5 kg in two months")] == ["weight_loss"]
    assert extract_weight_loss("he weighs 70 kg") == [] and extract_weight_loss("has not lost 3 kg") == []


def test_a_word_inside_a_longer_symptom_is_not_its_own_symptom(engine: Engine) -> None:
    got = statuses(engine, "pale stools and dark urine for a week")
    assert "pallor" not in got and got.get("dark_urine") == "present"


def test_a_parent_reporting_is_not_family_history(engine: Engine) -> None:
    got = statuses(engine, "3 year old boy. Mother reports a fever and a cough for two days.")
    assert got["fever"] == "present" and got["cough"] == "present"


def test_an_action_named_as_an_aggravator_is_not_a_symptom(engine: Engine) -> None:
    assert "cough" not in statuses(engine, "Back pain that increases in intensity when straining and coughing")
    assert statuses(engine, "I have a cough and a sore throat")["cough"] == "present"
    assert "chest_injury" not in statuses(engine, "central crushing chest pain")


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("Hb 8.2 g/dL", ["anemia_found"]),
        ("haemoglobin 88 g/L", ["anemia_found"]),
        ("Hb 14.1", []),
        ("Hb 18.9 g/dL", ["high_haemoglobin_reading"]),
        ("haemoglobin 195 g/L", ["high_haemoglobin_reading"]),
        ("HbA1c 58 mmol/mol", ["high_blood_sugar_reading"]),
        ("creatinine 250", ["raised_creatinine"]),
        ("creatinine 80", []),
        ("WBC 18", ["high_white_count"]),
        ("platelets 45", ["low_platelets_reading"]),
        ("blood sugar 400", ["high_blood_sugar_reading"]),
        ("BM 2.1", ["low_blood_sugar_reading"]),
        ("sodium 125", ["low_sodium_reading"]),
        ("corrected calcium 3.1", ["raised_calcium"]),
        ("ALT 1800", ["abnormal_liver_tests"]),
        ("CA 125 raised", []),
    ],
)
def test_blood_results_as_numbers(text: str, ids: list[str]) -> None:
    from curbside.understand.attributes import extract_labs

    assert [d.finding_id for d in extract_labs(text)] == ids


def test_normal_results_and_long_histories(engine: Engine) -> None:
    assert "fever" not in {k for k, v in statuses(engine, "Burning when I pee. Temperature normal.").items()
                           if v == "present"}
    assert statuses(engine, "cramping pain with each period for several years")["painful_periods"] == "present"
    assert statuses(engine, "Bruises appear without injury")["easy_bruising"] == "present"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no periods for 5 months, milky discharge from both nipples", {"nipple_discharge": "present"}),
        ("No fever, chills or night sweats", {"chills": "absent", "night_sweats": "absent"}),
        ("Denies fever, chills, night sweats", {"chills": "absent"}),
    ],
)
def test_a_denied_phrase_before_a_comma_does_not_deny_the_next_clause(
        engine: Engine, text: str, expected: dict[str, str]) -> None:
    got = statuses(engine, text)
    for fid, status in expected.items():
        assert got.get(fid) == status, (fid, got)
