"""Evaluation over labelled cases: diagnosis top-k accuracy and triage accuracy.

Owns the case-file format (JSONL: ``id``, ``text``, ``dx`` names, optional ``icd10``
codes, optional ``triage`` acceptable levels, optional ``age``/``sex``), how a
predicted condition is matched to a labelled diagnosis (name, synonym or ICD-10-CM
code), and the report printed by ``curbside eval``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curbside.engine import Engine
from curbside.errors import CurbsideError, EvalFileError
from curbside.kb.schema import Condition, Triage
from curbside.understand.text import phrase_key

LEVELS = [t.value for t in Triage]


@dataclass(frozen=True)
class EvalCase:
    id: str
    text: str
    dx: list[str]
    icd10: list[str] = field(default_factory=list)
    triage: list[str] = field(default_factory=list)
    age: float | None = None
    sex: str | None = None


@dataclass
class CaseResult:
    case: EvalCase
    rank: int | None  # 1-based rank of the first matching condition, None if not in the list
    predicted: list[str]
    triage: str | None
    error: str | None = None

    @property
    def triage_ok(self) -> bool | None:
        if not self.case.triage or self.triage is None:
            return None
        return self.triage in self.case.triage

    @property
    def triage_direction(self) -> int:
        """-1 under-triage, +1 over-triage, 0 correct or unlabelled."""
        if not self.case.triage or self.triage is None or self.triage in self.case.triage:
            return 0
        rank = LEVELS.index(self.triage)
        return -1 if rank < min(LEVELS.index(t) for t in self.case.triage) else 1


@dataclass
class EvalResult:
    results: list[CaseResult]

    def top(self, k: int) -> float:
        n = len(self.results)
        return sum(1 for r in self.results if r.rank is not None and r.rank <= k) / n if n else 0.0

    def summary(self) -> dict[str, Any]:
        labelled = [r for r in self.results if r.triage_ok is not None]
        under = [r for r in labelled if r.triage_direction < 0]
        over = [r for r in labelled if r.triage_direction > 0]
        emergencies = [r for r in labelled if r.case.triage == ["emergency"]]
        self_care = [r for r in labelled if "self_care" in r.case.triage]
        return {
            "cases": len(self.results),
            "errors": sum(1 for r in self.results if r.error),
            "top1": round(self.top(1), 4),
            "top3": round(self.top(3), 4),
            "top10": round(self.top(10), 4),
            "triage_labelled": len(labelled),
            "triage_accuracy": round(sum(1 for r in labelled if r.triage_ok) / len(labelled), 4) if labelled else None,
            "under_triage": len(under),
            "over_triage": len(over),
            "under_triage_rate": round(len(under) / len(labelled), 4) if labelled else None,
            "over_triage_rate": round(len(over) / len(labelled), 4) if labelled else None,
            "emergency_below_urgent": sum(1 for r in emergencies if r.triage in ("routine", "self_care")),
            "self_care_sent_urgent_or_more": sum(1 for r in self_care if r.triage in ("urgent", "emergency")),
            "self_care_cases": len(self_care),
        }


def load_cases(path: Path) -> list[EvalCase]:
    """Read a JSONL case file; raise ``EvalFileError`` naming the bad line."""
    if not path.is_file():
        raise EvalFileError(f"no such file: {path}")
    cases: list[EvalCase] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            raw = json.loads(line)
            dx = raw["dx"] if isinstance(raw["dx"], list) else [raw["dx"]]
            triage = raw.get("triage") or []
            triage = triage if isinstance(triage, list) else [triage]
            bad = [t for t in triage if t not in LEVELS]
            if bad:
                raise ValueError(f"unknown triage level(s) {bad}")
            cases.append(EvalCase(str(raw.get("id", n)), str(raw["text"]), [str(d) for d in dx],
                                  [str(c) for c in raw.get("icd10") or []], triage, raw.get("age"), raw.get("sex")))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise EvalFileError(f"{path.name}:{n}: not a valid case ({exc})") from exc
    if not cases:
        raise EvalFileError(f"{path.name}: no cases")
    return cases


_PAREN = re.compile(r"\(([^)]*)\)")


def condition_keys(c: Condition) -> set[tuple[str, ...]]:
    """Normalised names a labelled diagnosis may use for this condition."""
    names = c.all_names()
    return {phrase_key(n) for n in names if phrase_key(n)}


_QUALIFIER_HEAD = re.compile(r"^(?:acute|chronic|severe|mild|moderate|recurrent|simple|uncomplicated|primary|"
                             r"left|right|bilateral)\s+", re.I)
_QUALIFIER_TAIL = re.compile(r"\s+(?:of|in|on|due to|with|without|after|from|caused by)\s+.*$", re.I)


def label_variants(label: str) -> list[str]:
    """A labelled diagnosis and its plainer forms: without brackets, the bracketed name, the part before a comma,
    and without qualifiers ("Acute gout (podagra)" -> "gout", "podagra"; "Osteoarthritis of the knee" ->
    "osteoarthritis"; "Sunburn, second degree" -> "sunburn")."""
    out = [label, *_PAREN.findall(label)]
    plain = _PAREN.sub("", label).strip()
    for base in (plain, plain.split(",")[0].strip()):
        out.append(base)
        stripped = _QUALIFIER_TAIL.sub("", base)
        while _QUALIFIER_HEAD.match(stripped):
            stripped = _QUALIFIER_HEAD.sub("", stripped, count=1)
        out.append(stripped)
    return [v for v in dict.fromkeys(v.strip() for v in out) if v]


def matches(c: Condition, dx: list[str], icd10: list[str]) -> bool:
    keys = condition_keys(c)
    if any(phrase_key(v) in keys for d in dx for v in label_variants(d)):
        return True
    codes = [x.upper() for x in c.icd10]
    return any(g.upper() == x or (len(g) >= 4 and x.startswith(g.upper())) for g in icd10 for x in codes)


def evaluate_cases(
    engine: Engine,
    cases: list[EvalCase],
    progress: Callable[[list[EvalCase]], Iterable[EvalCase]] | None = None,
) -> EvalResult:
    results: list[CaseResult] = []
    for case in progress(cases) if progress else cases:
        try:
            consult = engine.ask(case.text, age=case.age, sex=case.sex)
        except CurbsideError as exc:
            results.append(CaseResult(case, None, [], None, f"{exc.code}: {exc}"))
            continue
        ranked = [rc.condition for rc in consult.assessment.conditions]
        rank = next((i for i, c in enumerate(ranked, 1) if matches(c, case.dx, case.icd10)), None)
        results.append(CaseResult(case, rank, [c.name for c in ranked[:3]], consult.assessment.triage.level.value))
    return EvalResult(results)


def render_report(result: EvalResult, name: str, misses: int = 30) -> str:
    s = result.summary()
    lines = [
        f"# Evaluation: {name}",
        "",
        f"- cases: {s['cases']} (errors: {s['errors']})",
        f"- diagnosis top-1: {s['top1']:.1%}, top-3: {s['top3']:.1%}, top-10: {s['top10']:.1%}",
    ]
    if s["triage_labelled"]:
        lines += [
            f"- triage exact: {s['triage_accuracy']:.1%} of {s['triage_labelled']} labelled; "
            f"under-triage {s['under_triage']} ({s['under_triage_rate']:.1%}), "
            f"over-triage {s['over_triage']} ({s['over_triage_rate']:.1%})",
            f"- emergencies triaged below urgent: {s['emergency_below_urgent']}; "
            f"self-care cases sent to urgent or emergency: {s['self_care_sent_urgent_or_more']} of "
            f"{s['self_care_cases']}",
        ]
    missed = [r for r in result.results if r.rank is None or r.rank > 3 or r.triage_direction != 0]
    if missed and misses:
        lines += ["", f"## Misses (first {min(misses, len(missed))} of {len(missed)})", "",
                  "| case | expected | rank | predicted top 3 | triage (expected) |", "|---|---|---|---|---|"]
        for r in missed[:misses]:
            rank = r.error or (str(r.rank) if r.rank else "-")
            tri = f"{r.triage} ({'/'.join(r.case.triage) or '-'})"
            lines.append(f"| {r.case.id} | {'; '.join(r.case.dx)} | {rank} | {'; '.join(r.predicted)} | {tri} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------------------
# Interview evaluation with simulated patients

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass
class InterviewCaseResult:
    case: EvalCase
    opening: str  # the first sentence(s) given to the engine
    one_shot_rank: int | None  # from the opening alone
    interview_rank: int | None  # after the interview
    questions: int  # questions asked, age and sex included
    stop_reason: str | None
    error: str | None = None
    triage: str | None = None  # the triage when the interview ended


@dataclass
class InterviewEvalResult:
    results: list[InterviewCaseResult]

    def summary(self) -> dict[str, Any]:
        ok = [r for r in self.results if r.error is None]
        n = len(self.results) or 1

        def top(attr: str, k: int) -> float:
            return sum(1 for r in ok if getattr(r, attr) is not None and getattr(r, attr) <= k) / n

        reasons: dict[str, int] = {}
        for r in ok:
            reasons[r.stop_reason or "-"] = reasons.get(r.stop_reason or "-", 0) + 1
        return {
            "cases": len(self.results),
            "errors": len(self.results) - len(ok),
            "one_shot_top1": round(top("one_shot_rank", 1), 4),
            "one_shot_top3": round(top("one_shot_rank", 3), 4),
            "interview_top1": round(top("interview_rank", 1), 4),
            "interview_top3": round(top("interview_rank", 3), 4),
            "mean_questions": round(sum(r.questions for r in ok) / len(ok), 2) if ok else 0.0,
            "stop_reasons": reasons,
        }


def opening_of(engine: Engine, text: str) -> str:
    """The first sentence, extended sentence by sentence until it names a symptom (a chief complaint)."""
    parts = [p for p in _SENTENCE.split(text.strip()) if p.strip()]
    opening = ""
    for part in parts:
        opening = f"{opening} {part}".strip()
        try:
            case = engine.parse(opening)
        except CurbsideError:
            continue
        if any(f.status.value == "present" and engine.kb.findings[f.id].kind.value in ("symptom", "sign")
               for f in case.findings):
            return opening
    return opening


def simulate_interview(engine: Engine, case: EvalCase, budget: int | None = None) -> InterviewCaseResult:
    """Give the engine the opening only and answer its questions from the whole case: what the full text states
    (present or denied) is answered yes or no, anything else 'unknown'."""
    from curbside.reason.interview import DEFAULT_BUDGET

    budget = DEFAULT_BUDGET if budget is None else budget
    opening = opening_of(engine, case.text)
    try:
        full = engine.parse(case.text, age=case.age, sex=case.sex)
        one_shot = engine.ask(opening)
    except CurbsideError as exc:
        return InterviewCaseResult(case, opening, None, None, 0, None, f"{exc.code}: {exc}")
    truth = full.evidence(engine.reasoner.risk_ids)

    def rank_of(conditions: list[Condition]) -> int | None:
        return next((i for i, c in enumerate(conditions, 1) if matches(c, case.dx, case.icd10)), None)

    one_rank = rank_of([rc.condition for rc in one_shot.assessment.conditions])
    answers: list[dict[str, str]] = []
    age: float | None = None
    sex: str | None = None
    questions = 0
    turn = None
    for _ in range(budget + 3):
        turn = engine.interview(opening, answers, age=age, sex=sex, budget=budget)
        q = turn.step.question
        if turn.step.should_stop or q is None:
            break
        questions += 1
        if q.kind == "age":
            age = full.age
            if age is None:
                answers.append({"finding": "age", "answer": "unknown"})
        elif q.kind == "sex":
            sex = full.sex
            if sex is None:
                answers.append({"finding": "sex", "answer": "unknown"})
        else:
            known = truth.get(q.finding)
            answers.append({"finding": q.finding,
                            "answer": "unknown" if known is None else "yes" if known else "no"})
    assert turn is not None
    final_rank = rank_of([rc.condition for rc in turn.step.assessment.conditions])
    return InterviewCaseResult(case, opening, one_rank, final_rank, questions, turn.step.stop_reason,
                               triage=turn.step.assessment.triage.level.value)


def evaluate_interviews(
    engine: Engine,
    cases: list[EvalCase],
    progress: Callable[[list[EvalCase]], Iterable[EvalCase]] | None = None,
    budget: int | None = None,
) -> InterviewEvalResult:
    return InterviewEvalResult([simulate_interview(engine, c, budget) for c in (progress(cases) if progress
                                                                               else cases)])


def render_interview_report(result: InterviewEvalResult, name: str) -> str:
    s = result.summary()
    return "\n".join([
        f"# Interview evaluation: {name}",
        "",
        "Simulated patients: the engine gets only the opening sentence (extended to the first sentence that names "
        "a symptom); its questions are answered from the whole case (stated -> yes/no, not stated -> unknown).",
        "",
        f"- cases: {s['cases']} (errors: {s['errors']})",
        f"- one-shot from the opening: top-1 {s['one_shot_top1']:.1%}, top-3 {s['one_shot_top3']:.1%}",
        f"- after the interview: top-1 {s['interview_top1']:.1%}, top-3 {s['interview_top3']:.1%} "
        f"({(s['interview_top1'] - s['one_shot_top1']) * 100:+.1f} points top-1)",
        f"- questions per interview: {s['mean_questions']:.2f} on average (age and sex included)",
        f"- why interviews stopped: {', '.join(f'{k} {v}' for k, v in sorted(s['stop_reasons'].items()))}",
        "",
    ])
