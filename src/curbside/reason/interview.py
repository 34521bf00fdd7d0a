"""The interview: which question to ask next, and when to stop.

Owns the choice of the next question (red-flag screens first, then the finding with the largest expected
information gain over the current differential), the lay wording of each question with a short "why I ask",
and the stop rule. Stateless: the caller passes the first text and every answer so far.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum

from curbside.kb.loader import KnowledgeBase
from curbside.kb.schema import FindingKind, Triage
from curbside.reason.assess import Assessment, Reasoner
from curbside.reason.model import EVIDENCE_TEMPER
from curbside.understand.case import Case, CaseFinding, Status

# Stop when the leading condition is at least this probable and no red-flag screen is left.
CONFIDENT_P = 0.85
# Stop when no question is expected to gain at least this many bits.
MIN_GAIN_BITS = 0.03
# Most questions one interview asks (age and sex included).
DEFAULT_BUDGET = 10
# Without a red flag, an emergency differential this probable ends the interview too.
EMERGENCY_SETTLED_P = 0.4
# A red-flag screen is asked only if its answer could plausibly be yes (given the current differential).
MIN_SCREEN_P = 0.01
# Red-flag screens come first, in at most this many of the first questions.
MAX_SCREENS = 3
# Questions likely to be answered "yes" are preferred a little (gain x (YES_BIAS + P(yes))): a doctor checks what
# the leading conditions would bring, and people know what they have better than what they lack.
YES_BIAS = 0.5
# Conditions over which information gain is computed.
TOP_K = 12
# Signs and test results are often unknown to a lay person: their gain counts for this much.
SIGN_WEIGHT = 0.6
# An exposure or context counts for this much.
CONTEXT_WEIGHT = 0.4


class Answer(str, Enum):
    yes = "yes"
    no = "no"
    unknown = "unknown"


@dataclass(frozen=True)
class Question:
    """The next question: a finding to confirm or deny, or the person's age or sex."""

    finding: str  # a finding id, or "age" / "sex"
    text: str
    why: str
    kind: str = "yes_no"  # "yes_no" | "age" | "sex"


@dataclass
class InterviewStep:
    assessment: Assessment
    question: Question | None
    should_stop: bool
    stop_reason: str | None
    asked: int
    answers: dict[str, Answer] = field(default_factory=dict)


class Interviewer:
    """Chooses questions over one knowledge base's reasoner."""

    def __init__(self, kb: KnowledgeBase, reasoner: Reasoner) -> None:
        self.kb = kb
        self.reasoner = reasoner
        self.model = reasoner.model
        self._weight = {
            f.id: (SIGN_WEIGHT if f.kind == FindingKind.sign else
                   CONTEXT_WEIGHT if f.kind in (FindingKind.risk_factor, FindingKind.context) else 1.0)
            for f in kb.findings.values()}

    # ------------------------------------------------------------------ choice
    def step(self, case: Case, answers: dict[str, Answer], budget: int = DEFAULT_BUDGET,
             assessment: Assessment | None = None, personal_asked: int = 0) -> InterviewStep:
        """Assess the case with its answers and decide on the next question (or stop). ``assessment`` may pass
        an assessment already made of this case with these answers; ``personal_asked`` counts the age and sex
        questions already asked (they count against the budget like any other)."""
        for fid, answer in answers.items():
            if fid in self.kb.findings and answer != Answer.unknown:
                case.findings = [f for f in case.findings if f.id != fid]
                case.findings.append(CaseFinding(fid, self.kb.findings[fid].name,
                                                 Status.present if answer == Answer.yes else Status.absent,
                                                 "", 0, 0, "stated"))
        if answers.get("pregnant") == Answer.yes:
            case.pregnant = True
        if assessment is None:
            assessment = self.reasoner.assess(case)
        yes_no_asked = sum(1 for fid in answers if fid in self.kb.findings)
        asked = yes_no_asked + personal_asked
        known = {f.id for f in case.findings if f.status in (Status.present, Status.absent)} | set(answers)
        screens = self._red_flag_screens(case, known, assessment) if yes_no_asked < MAX_SCREENS else []
        if self._emergency_settled(assessment):
            return InterviewStep(assessment, None, True, "emergency", asked, answers)
        if asked >= budget:
            return InterviewStep(assessment, None, True, "budget", asked, answers)
        if case.age is None and "age" not in answers:
            return InterviewStep(assessment, Question(
                "age", "How old are you (or the person you are asking for)?",
                "Many conditions are much more or less likely at different ages.", "age"), False, None, asked,
                answers)
        if case.sex is None and "sex" not in answers:
            return InterviewStep(assessment, Question(
                "sex", "Are you (or the person you are asking for) female or male?",
                "Some conditions affect one sex only or mostly.", "sex"), False, None, asked, answers)
        if screens:
            fid, rule_advice = screens[0]
            return InterviewStep(assessment, self._question(fid, f"It would change how urgent this is: "
                                                                 f"{_lower_first(rule_advice)}"),
                                 False, None, asked, answers)
        top = assessment.conditions[0].probability if assessment.conditions else 0.0
        if top >= CONFIDENT_P:
            return InterviewStep(assessment, None, True, "confident", asked, answers)
        best = self._best_question(case, assessment, known)
        if best is None:
            return InterviewStep(assessment, None, True, "no_useful_question", asked, answers)
        fid, gain, about = best
        if gain < MIN_GAIN_BITS:
            return InterviewStep(assessment, None, True, "no_useful_question", asked, answers)
        why = f"It helps tell apart {about}." if " and " in about else f"It helps judge how likely {about} is."
        return InterviewStep(assessment, self._question(fid, why), False, None, asked, answers)

    @staticmethod
    def _emergency_settled(a: Assessment) -> bool:
        """An emergency red flag, or an emergency that is the likeliest explanation: stop and say what to do."""
        if a.triage.level != Triage.emergency:
            return False
        if any(rf.level == Triage.emergency for rf in a.triage.red_flags):
            return True
        mass = sum(rc.probability for rc in a.conditions if rc.condition.triage == Triage.emergency)
        return mass >= EMERGENCY_SETTLED_P

    def _question(self, fid: str, why: str) -> Question:
        return Question(fid, self.kb.findings[fid].question, why)

    def _red_flag_screens(self, case: Case, known: set[str], a: Assessment) -> list[tuple[str, str]]:
        """Findings that would complete an emergency or urgent red-flag rule: most urgent first, then the most
        likely to be present given the current differential."""
        conds = [(rc.condition.id, rc.probability) for rc in a.conditions[:TOP_K]]
        rest = max(0.0, 1.0 - sum(p for _, p in conds))
        present = {f.id for f in case.findings if f.status == Status.present}
        out: list[tuple[int, float, str, str]] = []
        for rf in self.kb.red_flags:
            if rf.level.rank < Triage.urgent.rank:
                continue
            if rf.min_age is not None and case.age is not None and case.age < rf.min_age:
                continue
            if rf.max_age is not None and case.age is not None and case.age > rf.max_age:
                continue
            missing = [f for f in rf.all_of if f not in present]
            if len(missing) == 1 and len(rf.all_of) > 1 and missing[0] not in known and self._askable(missing[0], case):
                p_yes = self._p_yes(missing[0], conds, rest)
                if p_yes >= MIN_SCREEN_P - 1e-9:
                    out.append((-rf.level.rank, -p_yes, missing[0], rf.advice))
        out.sort()
        seen: set[str] = set()
        screens: list[tuple[str, str]] = []
        for _, _, fid, advice in out:
            if fid not in seen:
                seen.add(fid)
                screens.append((fid, advice))
        return screens

    def _best_question(self, case: Case, a: Assessment, known: set[str]) -> tuple[str, float, str] | None:
        """The unasked finding with the largest expected information gain over the top conditions."""
        conds = [(rc.condition.id, rc.probability) for rc in a.conditions[:TOP_K]]
        if not conds:
            return None
        rest = max(0.0, 1.0 - sum(p for _, p in conds))
        probs = [p for _, p in conds] + [rest]
        h0 = _entropy(probs)
        candidates: set[str] = set()
        for cid, _ in conds:
            candidates.update(self.kb.conditions[cid].findings)
        candidates = {f for f in candidates - known if self._askable(f, case)}
        best: tuple[float, str] | None = None
        for fid in sorted(candidates):
            if self.kb.findings[fid].kind == FindingKind.context and fid.startswith("duration_"):
                continue  # durations are asked as part of the story, not one by one
            p_yes = self._p_yes(fid, conds, rest)
            gain = self._gain(fid, conds, rest, h0, p_yes) * self._weight[fid] * (YES_BIAS + p_yes)
            if best is None or gain > best[0] + 1e-12:
                best = (gain, fid)
        if best is None:
            return None
        gain, fid = best
        listing = [_short(self.kb.conditions[cid].name) for cid, _ in conds[:4]
                   if fid in self.kb.conditions[cid].findings]
        return fid, gain, _join(listing[:2]) or "the possible causes"

    def _askable(self, fid: str, case: Case) -> bool:
        """Whether the question makes sense for this person (no pregnancy questions for men or children)."""
        system = self.kb.findings[fid].system.value
        if system == "pregnancy" and fid != "pregnant" and not case.pregnant:
            return False
        if system in ("pregnancy", "reproductive_female") and case.sex == "male":
            return False
        if system in ("reproductive_male",) and case.sex == "female":
            return False
        return not (fid == "pregnant" and case.age is not None and (case.age < 12 or case.age > 55))

    def _p_yes(self, fid: str, conds: list[tuple[str, float]], rest: float) -> float:
        """How likely the answer is yes, given the current differential."""
        bg = self.model.background.get(fid, 0.05)
        p_yes_given = [self.model.p_given[cid].get(fid, _leak(self.model.leak.get(fid), bg)) for cid, _ in conds]
        p_yes = sum(p * q for (_, p), q in zip(conds, p_yes_given, strict=True)) + rest * bg
        return min(max(p_yes, 1e-6), 1 - 1e-6)

    def _gain(self, fid: str, conds: list[tuple[str, float]], rest: float, h0: float, p_yes: float) -> float:
        """Expected entropy drop (bits) from asking about ``fid``, answered yes with probability ``p_yes``."""
        expected = 0.0
        for present, p_ans in ((True, p_yes), (False, 1.0 - p_yes)):
            post = []
            for cid, p in conds:
                lr = math.exp(self.model.log_ratio(cid, fid, present) * EVIDENCE_TEMPER)  # memoised
                post.append(p * lr)
            post.append(rest)
            z = sum(post) or 1.0
            expected += p_ans * _entropy([x / z for x in post])
        return h0 - expected


def _leak(leak: float | None, background: float) -> float:
    return background if leak is None else leak


def _entropy(probs: list[float]) -> float:
    return -sum(p * math.log2(p) for p in probs if p > 0)


def _short(name: str) -> str:
    base = name.split(" (")[0]
    return base[0].lower() + base[1:] if base[:2] != base[:2].upper() else base


def _join(items: list[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return items[0] if items else ""
    return ", ".join(items[:-1]) + " and " + items[-1]


def _lower_first(text: str) -> str:
    return text[0].lower() + text[1:] if text and not text[:2].isupper() else text
