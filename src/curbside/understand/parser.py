"""Free text -> Case: input checks, lexicon matching, ConText assertions, attributes.

Owns the whole understanding step and the input guards (empty, too long,
binary, other languages). Raises ``InputError`` subclasses for unusable text.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

from curbside.errors import EmptyInputError, InputTooLongError, NotTextError, UnsupportedLanguageError
from curbside.kb.loader import KnowledgeBase
from curbside.understand import attributes
from curbside.understand.case import Case, CaseFinding, MedicineMention, Status
from curbside.understand.context import assert_spans, build_pipeline
from curbside.understand.lexicon import ConditionMatcher, Lexicon, MedicineMatcher
from curbside.understand.text import key_tokens, tokenize

MAX_CHARS = 20_000
_ENGLISH = frozenset(
    """i me my we you he she it they is am are was were be been have has had do does did a an the and or but
    not no with without for of in on at to from my since after before this that there what when how can could
    would should will just very feel feeling pain hurts it's i'm im what's help please got get so really also
    day days week weeks year years old ago""".split()
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Someone writing on behalf of an adult relative: "My mother (82) has...", "my dad keeps falling".
_PROXY = re.compile(
    r"^\W*(?:hi|hello|hey|dear doctor)?\W*my\s+(?:\d+[\s-]*(?:year|yr)s?[\s-]*old\s+)?"
    r"(mother|mum|mom|father|dad|grandmother|grandma|nan|granny|grandfather|grandpa|sister|brother|aunt|uncle|"
    r"husband|wife|partner)\b[^.!?]{0,40}?\b(is|has|keeps|can't|cannot|couldn't|won't|isn't|doesn't|fell|woke|"
    r"seems|looks|started|was|got|complains|complaining|gets|feels|developed|suddenly|just|went|dropped|collapsed|"
    r"fainted|passed out|vomited|is vomiting|coughing|having|suffering|needs)\b",
    re.I,
)
# A "Family history:" heading makes the rest of its sentence or line about relatives, whatever verbs follow
# ("Family history: father has diabetes").
_FAMILY_HEADING = re.compile(r"\b(?:family (?:medical )?(?:history|hx)|fhx|fh)\s*[:\-]", re.I)
# An action (a KB finding marked ``aggravating_action``) named only as what brings on or worsens another symptom
# ("back pain worse when coughing") is not reported as a symptom of its own.
# A pain word takes only the words of timing ("pain on coughing", "hurts when I sneeze"): "abdominal pain with
# vomiting" and "sore throat with fever and cough" report both symptoms.
_AGGRAVATES = re.compile(
    r"\b(?:(?:worse|worsens|worsened|worsening|increases?|increased|intensifies|aggravated|exacerbated|provoked|"
    r"precipitated|triggered|brought on|comes on|relieved|eased|better)"
    r"\s+(?:\w+\s+){0,3}?(?:with|by|on|when|during|after|upon|while|if)\s+(?:\w+\s+){0,2}"
    r"|(?:hurts|hurt|painful|pain|sore|ache|aches)\s+(?:\w+\s+){0,3}?(?:on|when|during|upon|while|if)\s+"
    r"(?:(?:i|he|she|they|you|we|it|deep|hard|heavy|heavily|a|the)\s+|\w+ing\s+(?:and|or)\s+){0,3})$", re.I)
_BREAK = re.compile(r"[.!?\n]")
# "an episode of haematuria" is one event, not episodes that come and go.
_ONE_EVENT = re.compile(r"\b(?:a|an|one|single|first|this|that|the)\s+$", re.I)
_ONE_EVENT_WORDS = frozenset({"episode", "attack", "spell", "bout", "flare", "flare up", "flare-up"})
# Morning stiffness said to last minutes is the brief stiffness after rest of worn joints, not the long
# stiffness of inflammatory arthritis.
_MINUTES = re.compile(r"[^.;]{0,40}?\b(?:less than|under|<|only|about|around|few|couple of|\d+\s*(?:-|to)?)\s*"
                      r"(\d+)?\s*(?:min|mins|minute|minutes)\b", re.I)
_FIRST_PERSON = re.compile(r"\b(i have|i've|i am having|i'm having|i get|i feel|i've got|i keep)\b", re.I)
_PROXY_SEX = {"mother": "female", "mum": "female", "mom": "female", "grandmother": "female", "grandma": "female",
              "nan": "female", "granny": "female", "sister": "female", "aunt": "female", "wife": "female",
              "father": "male", "dad": "male", "grandfather": "male", "grandpa": "male", "brother": "male",
              "uncle": "male", "husband": "male"}


def check_text(text: object) -> str:
    """Validate raw input, returning it stripped; raise a named ``InputError`` otherwise."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NotTextError("The input is not readable text.") from exc
    if not isinstance(text, str):
        raise NotTextError("The question must be text.")
    stripped = text.strip()
    if not stripped:
        raise EmptyInputError("The question is empty: describe what is happening, in your own words.")
    if len(stripped) > MAX_CHARS:
        raise InputTooLongError(
            f"The question is too long ({len(stripped):,} characters; the limit is {MAX_CHARS:,}). "
            "Describe the main symptoms in a few sentences."
        )
    bad = sum(1 for ch in stripped if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") and ch not in "\n\r\t")
    if bad / len(stripped) > 0.05 or "\ufffd" * 3 in stripped:
        raise NotTextError("The input looks like binary data, not a question.")
    words = [w.lower() for w in _WORD.findall(stripped)]
    if not words:
        raise NotTextError("The input has no words in it.")
    latin = sum(1 for w in words if w.isascii())
    if latin / len(words) < 0.5:
        raise UnsupportedLanguageError("Curbside understands English only for now; please ask in English.")
    return stripped


def _family_regions(text: str) -> list[tuple[int, int]]:
    """Character ranges that follow a "Family history:" heading, up to the end of its sentence or line."""
    regions = []
    for m in _FAMILY_HEADING.finditer(text):
        end = _BREAK.search(text, m.end())
        regions.append((m.end(), end.start() if end else len(text)))
    return regions


def looks_english(text: str) -> bool:
    """False for text of four or more words none of which is a common English word."""
    words = [w.lower() for w in _WORD.findall(text)]
    return len(words) < 4 or any(w in _ENGLISH for w in words)


class Parser:
    """Turns text into a Case using one knowledge base's lexicon."""

    def __init__(self, kb: KnowledgeBase, lexicon: Lexicon | None = None,
                 medicine_matcher: MedicineMatcher | None = None) -> None:
        self.kb = kb
        self.lexicon = lexicon or Lexicon(kb)
        self.medicine_matcher = medicine_matcher or MedicineMatcher(kb)
        self.condition_matcher = ConditionMatcher(kb)
        self.nlp = build_pipeline()
        self.implied_by: dict[str, list[str]] = {}
        self.family_finding = {f.family_of: f.id for f in kb.findings.values() if f.family_of}
        self.actions = frozenset(f.id for f in kb.findings.values() if f.aggravating_action)
        for f in kb.findings.values():
            for target in f.implies:
                self.implied_by.setdefault(target, []).append(f.id)

    def parse(self, text: str, age: float | None = None, sex: str | None = None) -> Case:
        text = check_text(text)
        tokens = key_tokens(tokenize(text))
        matches = self.lexicon.match(text, tokens)
        if not matches and not looks_english(text):
            raise UnsupportedLanguageError(
                "This does not look like English. Curbside understands English only for now; please ask in English."
            )
        named = self.condition_matcher.match(text, tokens)
        assertions = assert_spans(self.nlp, text, [(m.start, m.end) for m in matches] + [(a, b) for _, a, b in named])
        named_assertions = assertions[len(matches):]
        assertions = assertions[:len(matches)]
        proxy = _PROXY.search(text) if not _FIRST_PERSON.search(text) else None
        family_regions = _family_regions(text)
        findings: list[CaseFinding] = []
        for m, a in zip(matches, assertions, strict=True):
            negated = a.negated and not self.kb.findings[m.finding_id].negated_is_present
            # Writing for a relative: what is said of them is about the patient, not family history.
            # A finding about relatives ("family history of sudden death") said of a relative is present.
            family = (a.family or attributes.inside(m.start, family_regions)) and not (
                self.kb.findings[m.finding_id].about_relatives) and not (
                proxy and "history" not in text[max(0, m.start - 40):m.start].lower())
            if m.finding_id in self.actions and _AGGRAVATES.search(text[max(0, m.start - 60):m.start]):
                continue
            if m.finding_id == "recurrent_episodes" and m.text.lower() in _ONE_EVENT_WORDS and _ONE_EVENT.search(
                    text[max(0, m.start - 12):m.start]):
                continue
            if m.finding_id == "morning_stiffness_long" and "stiffness_after_rest" in self.kb.findings:
                minutes = _MINUTES.match(text, m.end)
                if minutes and (minutes.group(1) is None or int(minutes.group(1)) < 60):
                    m = dataclasses.replace(m, finding_id="stiffness_after_rest")
            status = (
                Status.family if family else
                Status.absent if negated else
                Status.hypothetical if a.hypothetical else
                Status.history if a.historical else
                Status.present
            )
            findings.append(CaseFinding(m.finding_id, self.kb.findings[m.finding_id].name, status, m.text, m.start,
                                        m.end))
        # Said of a relative, a finding with a family-history counterpart gives that counterpart.
        stated = {f.id for f in findings}
        for f in list(findings):
            fam = self.family_finding.get(f.id)
            if f.status == Status.family and fam and fam not in stated:
                stated.add(fam)
                findings.append(CaseFinding(fam, self.kb.findings[fam].name, Status.present, f.text, f.start, f.end,
                                            "implied", f.id))
        duration, _brief, derived = attributes.extract_time_course(text)
        derived += attributes.extract_measurements(text)
        have = {f.id for f in findings if f.status == Status.present}
        for d in derived:
            if d.finding_id in self.kb.findings and d.finding_id not in have:
                have.add(d.finding_id)
                findings.append(CaseFinding(d.finding_id, self.kb.findings[d.finding_id].name, Status.present,
                                            text[d.start:d.end], d.start, d.end, "pattern"))
        findings = self._add_implied(findings)
        found_age, found_sex = attributes.extract_age_sex(text)
        case = Case(text=text, findings=findings)
        if proxy and not sex:
            found_sex = _PROXY_SEX.get(proxy.group(1).lower(), found_sex)
        case.age = age if age is not None else found_age
        case.sex = sex or found_sex
        case.age_in_text, case.sex_in_text = found_age is not None, found_sex is not None
        present = {f.id for f in findings if f.status == Status.present}
        case.pregnant = "pregnant" in present
        if case.pregnant and case.sex is None:
            case.sex = "female"
        case.onset = "sudden" if "sudden_onset" in present else "gradual" if "gradual_onset" in present else None
        case.duration = duration or next(
            (d for d in ("days", "weeks", "months") if f"duration_{d}" in present), None)
        case.episodic = "recurrent_episodes" in present
        sides = [s for s, fid in (("right", "right_sided"), ("left", "left_sided"), ("both", "bilateral"))
                 if fid in present]
        case.laterality = sides[0] if len(sides) == 1 else ("both" if sides else None)
        case.body_sites = attributes.extract_sites(text)
        case.topics = attributes.extract_topics(text)
        case.named_conditions = list(dict.fromkeys(cid for cid, _, _ in named))
        # Conditions named as a relative's ("Family history: coeliac disease"; "his father had a hernia").
        for (cid, start, _), a in zip(named, named_assertions, strict=True):
            if (a.family or attributes.inside(start, family_regions)) and not a.negated and not proxy and (
                    cid not in case.family_conditions):
                case.family_conditions.append(cid)
        seen_meds: set[str] = set()
        for mid, start, end in self.medicine_matcher.match(text, tokens):
            if mid not in seen_meds:
                seen_meds.add(mid)
                med = self.kb.medicines[mid]
                case.medicines.append(MedicineMention(mid, med.name, med.drug_class, text[start:end], start, end))
        return case

    def _add_implied(self, findings: list[CaseFinding]) -> list[CaseFinding]:
        """Present findings imply their more general findings (``implies``); denials flow the other way."""
        out = list(findings)
        seen = {(f.id, f.status) for f in findings}
        frontier = [f for f in findings if f.status in (Status.present, Status.history)]
        while frontier:
            f = frontier.pop()
            for target in self.kb.findings[f.id].implies:
                if (target, f.status) not in seen:
                    seen.add((target, f.status))
                    new = CaseFinding(target, self.kb.findings[target].name, f.status, f.text, f.start, f.end,
                                      "implied", f.id)
                    out.append(new)
                    frontier.append(new)
        # "No urinary symptoms" denies each urinary finding not stated otherwise.
        stated = {f.id for f in out}
        frontier = [f for f in out if f.status == Status.absent]
        while frontier:
            f = frontier.pop()
            for child in self.implied_by.get(f.id, ()):
                if child not in stated:
                    stated.add(child)
                    new = CaseFinding(child, self.kb.findings[child].name, Status.absent, f.text, f.start, f.end,
                                      "implied", f.id)
                    out.append(new)
                    frontier.append(new)
        return out
