"""Patterns the lexicon cannot express: age, sex, durations, measurements, medicines, topics.

Each extractor returns plain values plus any findings it derives (for example a
temperature of 39.2 °C gives ``fever`` and ``high_fever``; "for three weeks" gives
``duration_weeks``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUM_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "couple": 2,
    "few": 3, "several": 4, "many": 6,
}
_NUM = r"(\d+(?:\.\d+)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|" \
       r"couple(?: of)?|few|several|many)"
_UNIT = r"(second|sec|minute|min|hour|hr|day|week|wk|month|year|yr)s?"


def _num(word: str) -> float:
    word = word.replace(" of", "")
    try:
        return float(word)
    except ValueError:
        return float(_NUM_WORDS.get(word, 1))


@dataclass(frozen=True, slots=True)
class Derived:
    """A finding derived by a pattern, with the text span that justifies it."""

    finding_id: str
    start: int
    end: int


# ---------------------------------------------------------------- age and sex
_AGE_PATTERNS = [
    re.compile(r"\b(\d{1,3})\s*(?:-|\s)?\s*(year|yr|month|week|day)s?[\s-]*old\b", re.I),
    re.compile(r"\b(\d{1,3})\s*(?:yo|y/o|y\.o\.|yrs?|years?)\b(?!\s+ago)", re.I),
    re.compile(r"\b(?:aged?|age:?)\s*(\d{1,3})\b", re.I),
    re.compile(r"\b(?:i'?m|i am|he is|she is|he's|she's)\s+(\d{1,3})\b(?!\s*(?:kg|lbs?|cm|%|weeks|days|months))", re.I),
    re.compile(r"\b(\d{1,3})\s*(?:m|f|male|female|man|woman)\b", re.I),
    re.compile(r"\b(?:male|female|man|woman|m|f)\s*,?\s*(\d{1,3})\b"
               r"(?!\s*(?:kg|lbs?|cm|%|days|weeks|months|years? ago))",
               re.I),
    re.compile(r"^\s*(\d{1,3})\s*[,/]", re.I),
    re.compile(r"\bmy\s+(?:mother|mum|mom|father|dad|grandmother|grandma|grandfather|grandpa|husband|wife|partner|"
               r"sister|brother|aunt|uncle)\s*(?:is|,|\()\s*(\d{2,3})\b", re.I),
]
_FEMALE = re.compile(
    r"\b(female|woman|women|girl|lady|she|her|herself|mother of|mum of|pregnant|wife|daughter)\b", re.I
)
_MALE = re.compile(r"\b(male|man|men|boy|gentleman|guy|he|his|him|himself|husband|son)\b", re.I)
_CHILD_SUBJECT = re.compile(
    r"\bmy\s+(?:(\d{1,2})[\s-]*(year|month|week|day)s?[\s-]*old\s+)?(son|daughter|baby|boy|girl|child|kid|toddler|infant|newborn)\b",
    re.I,
)
_DURATION_BEFORE = re.compile(
    r"\b(for|past|last|over|since|about|around|almost|nearly|after|within)\s+(the\s+)?$", re.I)
_SHORT_SEX = re.compile(r"\b\d{1,3}\s*(?:yo\s*|y/o\s*|-year-old\s*)?([mf])\b|^\W*([mf])\s*[,/]?\s*\d{1,3}\b", re.I)
_I_AM = r"\b(i'?m|i am)\s+(a\s+)?(\d{1,3}\s*(?:-|\s)?(?:years?[\s-]*old|yo|y/o)?\s+)?"
_FIRST_PERSON_SEX = [
    (re.compile(_I_AM + r"(female|woman|girl|lady|mum|mom|mother)\b", re.I), "female"),
    (re.compile(_I_AM + r"(male|man|guy|boy|dad|father)\b", re.I), "male"),
    (re.compile(r"\bmy (husband|boyfriend)\b", re.I), "female"),
    (re.compile(r"\bmy (wife|girlfriend)\b", re.I), "male"),
    (re.compile(r"\b(my period|my periods|my menstrual|my vagina|my breasts?|my uterus|my ovar)", re.I), "female"),
    (re.compile(r"\b(my penis|my testicles?|my scrotum|my prostate|my balls)\b", re.I), "male"),
]


def extract_age_sex(text: str) -> tuple[float | None, str | None]:
    """Best guess at the patient's age (years) and sex from the text."""
    child = _CHILD_SUBJECT.search(text)
    age: float | None = None
    sex: str | None = None
    if child:
        if child.group(1):
            age = _to_years(float(child.group(1)), child.group(2))
        noun = child.group(3).lower()
        sex = {"son": "male", "boy": "male", "daughter": "female", "girl": "female"}.get(noun)
        if age is None and noun in ("baby", "infant", "newborn"):
            age = 0.5
        if age is None and noun == "toddler":
            age = 2.0
    if age is None:
        for pat in _AGE_PATTERNS:
            m = next((x for x in pat.finditer(text) if not _DURATION_BEFORE.search(text, max(0, x.start() - 14),
                                                                                     x.start())), None)
            if m:
                value = float(m.group(1))
                unit = m.group(2) if pat is _AGE_PATTERNS[0] else "year"
                value = _to_years(value, unit)
                if 0 <= value <= 115:
                    age = value
                    break
    if sex is None:
        short = _SHORT_SEX.search(text)
        if short:
            sex = "female" if (short.group(1) or short.group(2)).lower() == "f" else "male"
    if sex is None:
        for pat, s in _FIRST_PERSON_SEX:
            if pat.search(text):
                sex = s
                break
    if sex is None:
        n_female = len(_FEMALE.findall(text))
        n_male = len(_MALE.findall(text))
        if n_female > n_male:
            sex = "female"
        elif n_male > n_female:
            sex = "male"
    return age, sex


def _to_years(value: float, unit: str | None) -> float:
    unit = (unit or "year").lower()
    if unit.startswith("month"):
        return round(value / 12, 3)
    if unit.startswith("week"):
        return round(value / 52, 3)
    if unit.startswith("day"):
        return round(value / 365, 3)
    return value


# ---------------------------------------------------------------- time course
_FOR_DURATION = re.compile(
    rf"\b(?:for|past|last|over|since|about|around|almost|nearly|x)\s+(?:the\s+)?(?:last\s+|past\s+)?"
    rf"{_NUM}[\s-]*{_UNIT}\b",
    re.I,
)
_AGO = re.compile(rf"\b{_NUM}[\s-]*{_UNIT}\s+ago\b", re.I)
_START_VERB = re.compile(r"\b(start|began|begin|noticed|came on|develop|onset|since|first)", re.I)
_EPISODE = re.compile(
    rf"\b(?:lasts?|lasting|each|every time|episodes? of|for|after|within|passes after|goes after)\s+"
    rf"(?:about\s+|around\s+|only\s+|just\s+)?"
    rf"(?:{_NUM}\s+(?:or|to)\s+{_NUM}|{_NUM}|\d+\s*(?:-|–|to)\s*\d+)[\s-]*(second|sec|minute|min)s?\b",
    re.I,
)
_RANGE_MIN = re.compile(r"\b\d+\s*(?:-|–|to)\s*\d+\s*(second|sec|minute|min)s?\b", re.I)


def _bucket(value: float, unit: str) -> str | None:
    unit = unit.lower()
    if unit.startswith(("sec", "min", "hour", "hr")):
        return "days"
    if unit.startswith("day"):
        return "days" if value < 7 else ("weeks" if value <= 42 else "months")
    if unit.startswith(("week", "wk")):
        return "weeks" if value <= 6 else "months"
    return "months"  # months, years


# A duration stated about a habit, a diagnosis or a medicine ("a smoker for 35 years", "diabetic for 10 years")
# is not how long the present illness has lasted.
_NOT_ILLNESS = re.compile(
    r"smok|cigar|vap|drink|alcohol|beer|wine|pack|diagnos|known|history|\bhx\b|married|worked|working|job|"
    r"taking|\bon\s+(?:insulin|metformin|tablets|medication)|treated|diabetic|hypertensive|vegan|vegetarian",
    re.I,
)


def _sentence(text: str, start: int, end: int) -> str:
    left = max(text.rfind(".", 0, start), text.rfind("\n", 0, start), text.rfind(";", 0, start)) + 1
    right_candidates = [i for i in (text.find(".", end), text.find("\n", end), text.find(";", end)) if i != -1]
    return text[left: min(right_candidates) if right_candidates else len(text)]


# Sections of a clinical note about the past, the family or habits: "Past history: diabetes for 10 years" does
# not say how long the present illness has lasted. Such a section runs until a section about the present.
_PAST_SECTION = re.compile(
    r"\b(?:past (?:medical |surgical )?(?:history|hx)|pmhx?|psh|medical history|surgical history|social history|"
    r"family (?:medical )?(?:history|hx)|fhx?|drug history|medications?|allergies)\s*:", re.I)
_PRESENT_SECTION = re.compile(
    r"\b(?:hpi|history of (?:the )?present(?:ing)? (?:illness|complaint)|presenting complaints?|chief complaints?|"
    r"complaints?|examination|on examination|o/e|exam|vitals|findings)\s*:", re.I)


def inside(pos: int, regions: list[tuple[int, int]]) -> bool:
    """Whether a character position falls in one of the ranges."""
    return any(a <= pos < b for a, b in regions)


def past_sections(text: str) -> list[tuple[int, int]]:
    """Character ranges of the note's sections about past history, family, habits and medicines."""
    regions = []
    for m in _PAST_SECTION.finditer(text):
        nxt = _PRESENT_SECTION.search(text, m.end())
        regions.append((m.start(), nxt.start() if nxt else len(text)))
    return regions


def extract_time_course(text: str) -> tuple[str | None, bool, list[Derived]]:
    """Illness duration bucket, whether episodes are brief, and the derived findings."""
    derived: list[Derived] = []
    duration: str | None = None
    past = past_sections(text)
    for m in _FOR_DURATION.finditer(text):
        if _NOT_ILLNESS.search(_sentence(text, m.start(), m.end())) or inside(m.start(), past):
            continue
        b = _bucket(_num(m.group(1).lower()), m.group(2))
        if b:
            duration = duration or b
            derived.append(Derived(f"duration_{b}", m.start(), m.end()))
            break
    if duration is None:
        for m in _AGO.finditer(text):
            if inside(m.start(), past):
                continue
            sentence_start = max(text.rfind(".", 0, m.start()), text.rfind("\n", 0, m.start())) + 1
            sentence_end = text.find(".", m.end())
            sentence = text[sentence_start: sentence_end if sentence_end != -1 else len(text)]
            if _START_VERB.search(sentence):
                b = _bucket(_num(m.group(1).lower()), m.group(2))
                if b:
                    duration = b
                    derived.append(Derived(f"duration_{b}", m.start(), m.end()))
                    break
    brief = False
    for m in list(_EPISODE.finditer(text)) + list(_RANGE_MIN.finditer(text)):
        brief = True
        derived.append(Derived("brief_episodes", m.start(), m.end()))
        break
    return duration, brief, derived


# ---------------------------------------------------------------- measurements
_TEMP = re.compile(
    r"\b(?:temp(?:erature)?|fever|pyrexia|t)\s*(?:of|was|is|at|reached|up to|:|=)?\s*(?:about\s+)?"
    r"(\d{2,3}(?:[.,]\d)?)\s*(°|deg(?:rees)?)?\s*([cf])?\b",
    re.I,
)
_TEMP_BARE = re.compile(r"\b(\d{2,3}(?:[.,]\d)?)\s*(?:°\s*|deg(?:rees)?\s*)([cf])\b", re.I)


_BP = re.compile(r"\b(?:bp|blood pressure|pressure|monitor|reading|says|of|was|is|at)?\s*:?\s*"
                 r"\b(\d{2,3})\s*(?:/|\bover\b)\s*(\d{2,3})\b(?!\s*(?:weeks|days|months|years|10\b))", re.I)
_ARM = re.compile(r"\s*(?:mmhg\s*)?(?:in\s+|on\s+)?(?:the\s+)?(?:right|left|r|l)\s+arm\b", re.I)
_PULSE = re.compile(r"\b(?:hr|heart rate|pulse|heart beat|heartbeat)\s*(?:of|is|was|at|:|=)?\s*(\d{2,3})\b", re.I)
_SPO2 = re.compile(r"\b(?:sats?|spo2|o2 sat\w*|oxygen(?: saturation| level| levels)?)\s*(?:of|is|was|at|:|=)?\s*"
                   r"(\d{2,3})\s*%", re.I)


def extract_vitals(text: str) -> list[Derived]:
    """Findings from stated blood pressure, pulse and oxygen saturation readings."""
    out: list[Derived] = []
    arms: list[tuple[int, int, int]] = []  # (systolic, start, end) of readings taken in a named arm
    for m in _BP.finditer(text):
        systolic, diastolic = int(m.group(1)), int(m.group(2))
        if not (60 <= systolic <= 300 and 30 <= diastolic <= 200 and systolic > diastolic):
            continue
        if _ARM.match(text, m.end(2)):
            arms.append((systolic, m.start(1), m.end(2)))
        if systolic >= 180 or diastolic >= 120:
            out.append(Derived("severely_high_bp_reading", m.start(1), m.end(2)))
        elif systolic >= 140 or diastolic >= 90:
            out.append(Derived("raised_bp_reading", m.start(1), m.end(2)))
        elif systolic <= 90:
            out.append(Derived("low_blood_pressure", m.start(1), m.end(2)))
    # Readings in the two arms more than 20 mmHg apart (systolic): an inter-arm difference.
    if len(arms) >= 2 and max(a[0] for a in arms) - min(a[0] for a in arms) > 20:
        out.append(Derived("arm_pulse_difference", arms[0][1], arms[-1][2]))
    for m in _PULSE.finditer(text):
        rate = int(m.group(1))
        if 100 < rate <= 250:
            out.append(Derived("rapid_heartbeat", m.start(), m.end()))
        if 150 <= rate <= 250:
            out.append(Derived("very_fast_heart_rate", m.start(), m.end()))
    for m in _SPO2.finditer(text):
        if 50 <= int(m.group(1)) <= 93:
            out.append(Derived("low_oxygen", m.start(), m.end()))
    return out


_PARACETAMOL = r"(?:paracetamol|acetaminophen|tylenol|panadol|calpol)"
_TOOK_MANY = re.compile(
    r"\b(?:took|taken|swallowed|had)\s+(?:about\s+|around\s+|over\s+|maybe\s+|like\s+)?(\d{1,3})\s+"
    r"(?:x\s+)?(?:of\s+)?(?:my\s+|his\s+|her\s+)?(\w+\s+)?(tablets?|pills?|capsules?|" + _PARACETAMOL + r")\b",
    re.I,
)


def extract_overdose(text: str) -> list[Derived]:
    """An overdose from a stated number of tablets: 8+ paracetamol, or 10+ tablets of anything."""
    out: list[Derived] = []
    for m in _TOOK_MANY.finditer(text):
        count = int(m.group(1))
        words = f"{m.group(2) or ''} {m.group(3)}".lower()
        if re.search(_PARACETAMOL, words) and count >= 8:
            out.append(Derived("paracetamol_overdose", m.start(), m.end()))
            out.append(Derived("overdose_or_poison_ingestion", m.start(), m.end()))
        elif count >= 10:
            out.append(Derived("overdose_or_poison_ingestion", m.start(), m.end()))
    return out


_PSA = re.compile(r"\bpsa\s*(?:level\s*)?(?:of|is|was|at|:|=|came back)?\s*(?:at\s+)?(\d{1,3}(?:\.\d+)?)", re.I)


def extract_psa(text: str) -> list[Derived]:
    """A PSA value of 4 ng/mL or more is raised."""
    return [Derived("raised_psa", m.start(), m.end()) for m in _PSA.finditer(text) if float(m.group(1)) >= 4]


_WEIGHT_LOST = re.compile(
    r"\b(?:lost|losing|lose|dropped|shed)\s+(?:about\s+|around\s+|over\s+|nearly\s+|almost\s+|some\s+)?"
    r"\d+(?:[.,]\d+)?\s*(?:kg|kgs|kilos?|kilograms?|lbs?|pounds?|stones?|st)\b"
    r"|\b\d+(?:[.,]\d+)?\s*(?:kg|kgs|kilos?|kilograms?|lbs?|pounds?)\s+(?:weight\s+)?(?:loss|lost|lighter|down)\b",
    re.I)


def extract_weight_loss(text: str) -> list[Derived]:
    """Weight loss stated as an amount ("lost 5 kg", "6 kg weight loss"); negations are left to the lexicon."""
    out = []
    for m in _WEIGHT_LOST.finditer(text):
        before = text[max(0, m.start() - 12):m.start()].lower()
        if not re.search(r"\b(no|not|never|without|haven't|hasn't)\b", before):
            out.append(Derived("weight_loss", m.start(), m.end()))
    return out


_NUM = r"\s*(?:level|levels|count)?\s*(?:of|is|was|were|at|:|=|-)?\s*(?:only\s+|about\s+)?(\d+(?:[.,]\d+)?)"
_LABS = {
    "hb": re.compile(r"\b(?:hb|hgb|haemoglobin|hemoglobin)(?!\s*a1c)" + _NUM, re.I),
    "creatinine": re.compile(r"\b(?:creatinine|creat|serum creatinine|cr)" + _NUM, re.I),
    "wbc": re.compile(r"\b(?:wbc|wcc|white cell count|white blood cells?|white count|leucocytes|leukocytes)" + _NUM,
                      re.I),
    "platelets": re.compile(r"\b(?:platelets?|plt|platelet count)" + _NUM, re.I),
    "glucose": re.compile(r"\b(?:glucose|blood sugar|sugar|bm|cbg|blood glucose|rbs|fbs)" + _NUM, re.I),
    "sodium": re.compile(r"\b(?:sodium|na\+?)" + _NUM, re.I),
    "calcium": re.compile(r"\b(?:calcium|corrected calcium|ca2?\+?)" + _NUM, re.I),
    "hba1c": re.compile(r"\b(?:hba1c|a1c|glycated haemoglobin|glycated hemoglobin)" + _NUM, re.I),
    "alt": re.compile(r"\b(?:alt|ast|transaminases?)" + _NUM, re.I),
}


def extract_labs(text: str) -> list[Derived]:
    """Findings from common blood results stated as numbers, in either usual unit (guessed from the size)."""
    out: list[Derived] = []

    def add(fid: str, m: re.Match[str]) -> None:
        out.append(Derived(fid, m.start(), m.end()))

    for name, pat in _LABS.items():
        for m in pat.finditer(text):
            v = float(m.group(1).replace(",", "."))
            if name == "hb" and 2 <= v <= 200:
                g_dl = v / 10 if v > 25 else v
                if g_dl < 11.5:
                    add("anemia_found", m)
                elif g_dl >= 17.5:
                    add("high_haemoglobin_reading", m)
            elif name == "creatinine" and 0.1 <= v <= 2000:
                if (v > 20 and v > 120) or (v <= 20 and v > 1.3):
                    add("raised_creatinine", m)
            elif name == "wbc" and 11 < v <= 200:
                add("high_white_count", m)
            elif name == "platelets" and 1 <= v < 150:
                add("low_platelets_reading", m)
            elif name == "glucose" and 1 <= v <= 1500:
                mmol = v / 18 if v > 40 else v
                if mmol >= 11.1:
                    add("high_blood_sugar_reading", m)
                elif mmol < 3.5:
                    add("low_blood_sugar_reading", m)
            elif name == "sodium" and 100 <= v < 133:
                add("low_sodium_reading", m)
            elif name == "calcium" and ((1 <= v <= 5 and v > 2.65) or (5 < v <= 20 and v > 10.5)):
                add("raised_calcium", m)
            elif name == "hba1c" and ((4 <= v <= 20 and v >= 6.5) or (20 < v <= 200 and v >= 48)):
                add("high_blood_sugar_reading", m)
            elif name == "alt" and 100 <= v <= 20000:
                add("abnormal_liver_tests", m)
    return out


def extract_measurements(text: str) -> list[Derived]:
    """Fever from stated temperatures (Celsius or Fahrenheit), vital signs, tablet counts, weight lost."""
    out: list[Derived] = (extract_vitals(text) + extract_overdose(text) + extract_psa(text)
                          + extract_weight_loss(text) + extract_labs(text))
    for pat, unit_group in ((_TEMP, 3), (_TEMP_BARE, 2)):
        for m in pat.finditer(text):
            value = float(m.group(1).replace(",", "."))
            unit = (m.group(unit_group) or "").lower()
            celsius = (value - 32) * 5 / 9 if unit == "f" or (not unit and value >= 90) else value
            if 37.95 <= celsius <= 43.5:
                out.append(Derived("fever", m.start(), m.end()))
                if celsius >= 39.0:
                    out.append(Derived("high_fever", m.start(), m.end()))
    return out


# ---------------------------------------------------------------- topics and sites
_TOPICS = {
    "driving": re.compile(r"\b(driv(e|ing|er)|behind the wheel|at the wheel|car)\b", re.I),
    "work": re.compile(r"\b(work|job|office|shift)\b", re.I),
    "sport": re.compile(r"\b(sport|gym|running|training|football|exercise)\b", re.I),
    "pregnancy": re.compile(r"\b(pregnan\w*|expecting a baby)\b", re.I),
    "travel": re.compile(r"\b(fly|flight|travel\w*|trip)\b", re.I),
    "children": re.compile(r"\b(my (son|daughter|baby|child|kid|toddler)|children)\b", re.I),
}
_SITES = {
    "head": r"head|skull|forehead|temple",
    "neck": r"neck|cervical",
    "chest": r"chest|breastbone|sternum",
    "abdomen": r"abdomen|abdominal|belly|stomach|tummy",
    "back": r"back|spine|lumbar",
    "arm": r"arm|shoulder|elbow|wrist|hand|finger",
    "leg": r"leg|hip|knee|ankle|foot|feet|toe|calf|thigh",
    "eye": r"eye|eyes|vision",
    "ear": r"ear|ears|hearing",
    "throat": r"throat",
    "skin": r"skin|rash",
    "pelvis": r"pelvis|pelvic|groin|genital|vagina|penis|testicle|scrotum",
    "urinary": r"bladder|urine|pee|urinat\w*",
}
_SITE_RE = {k: re.compile(rf"\b({v})\b", re.I) for k, v in _SITES.items()}


def extract_topics(text: str) -> list[str]:
    return [t for t, pat in _TOPICS.items() if pat.search(text)]


def extract_sites(text: str) -> list[str]:
    return [s for s, pat in _SITE_RE.items() if pat.search(text)]
