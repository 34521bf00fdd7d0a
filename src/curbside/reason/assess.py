"""Case -> Assessment: the differential, the triage and what to rule out.

Owns the Bayesian differential (priors from prevalence, age and sex; tempered
likelihood ratios for findings present and denied), the explanation of each
ranked condition by the person's own findings, the triage (red flags first,
then the probability mass at each urgency) and the specialist to see.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from curbside.kb.loader import KnowledgeBase
from curbside.kb.schema import TRIAGE_ORDER, Band, Condition, FindingKind, RedFlag, Triage
from curbside.reason.model import EVIDENCE_TEMPER, OTHER_WEIGHT, Model, age_factor, sex_factor
from curbside.understand.case import Case, Status

# Triage from the differential: the highest level whose cumulative probability (that level or above)
# reaches its threshold. Emergencies need less probability to act on than routine care.
TRIAGE_THRESHOLDS: dict[Triage, float] = {Triage.emergency: 0.2, Triage.urgent: 0.3, Triage.routine: 0.35}
# An emergency condition this probable raises the triage to at least urgent.
EMERGENCY_FLOOR_P = 0.08
MAX_CONDITIONS = 10
# log LR for an obligate symptom or sign that the text does not mention at all.
UNMENTIONED_OBLIGATE_LOG = math.log(0.5)
# ...and only mildly when something else of its body system is mentioned (it may be described in other words).
UNMENTIONED_OBLIGATE_SAME_SYSTEM_LOG = math.log(0.75)
# A condition a relative is said to have: its odds multiplied by this.
FAMILY_CONDITION_LOG = math.log(2.5)
# ...and a very frequent symptom or sign, more mildly.
UNMENTIONED_VERY_FREQUENT_LOG = math.log(0.8)
# At least this much probability always stays with "something else".
MIN_OTHER = 0.1
MIN_PROBABILITY = 0.01


@dataclass(frozen=True, slots=True)
class Evidence:
    finding_id: str
    name: str
    present: bool
    ratio: float  # likelihood ratio applied (before tempering)
    band: Band | None  # how the condition lists it; None = not listed


@dataclass
class RankedCondition:
    condition: Condition
    probability: float
    supporting: list[Evidence] = field(default_factory=list)
    opposing: list[Evidence] = field(default_factory=list)


@dataclass
class TriageResult:
    level: Triage
    reasons: list[str]
    red_flags: list[RedFlag] = field(default_factory=list)


@dataclass
class Assessment:
    case: Case
    conditions: list[RankedCondition]
    other_probability: float
    triage: TriageResult
    rule_out: list[RankedCondition]
    specialist: str | None
    confident: bool


class Reasoner:
    """Bayesian differential and triage over one knowledge base."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.model = Model.build(kb)
        self.risk_ids = frozenset(f.id for f in kb.findings.values() if f.kind == FindingKind.risk_factor)
        self.context_ids = frozenset(f.id for f in kb.findings.values() if f.kind == FindingKind.context)
        # Conditions reachable from each finding, to score only what the case touches.
        self._by_finding: dict[str, list[str]] = {}
        self._defined_by: dict[str, list[str]] = {}
        # What defines each condition and would be mentioned: obligate symptoms and signs, and obligate or very
        # frequent exposures (not pregnancy, which people often leave unsaid).
        self._obligate: dict[str, list[str]] = {
            c.id: [f for f, b in c.findings.items()
                   if (b == Band.obligate and kb.findings[f].kind in (FindingKind.symptom, FindingKind.sign))
                   or (b in (Band.obligate, Band.very_frequent) and kb.findings[f].kind == FindingKind.risk_factor
                       and kb.findings[f].system.value != "pregnancy")]
            for c in kb.conditions.values()}
        self._very_frequent: dict[str, list[str]] = {
            c.id: [f for f, b in c.findings.items()
                   if b == Band.very_frequent and kb.findings[f].kind in (FindingKind.symptom, FindingKind.sign)]
            for c in kb.conditions.values()}
        for c in kb.conditions.values():
            for fid, band in c.findings.items():
                self._by_finding.setdefault(fid, []).append(c.id)
                if band in (Band.obligate, Band.very_frequent):
                    self._defined_by.setdefault(fid, []).append(c.id)

        # Conditions whose score a finding changes: those listing it, and those leaving it out of a `one_of` group
        # they list (a months-long story weighs against an illness of days).
        self._scored_by: dict[str, list[str]] = {f: list(cids) for f, cids in self._by_finding.items()}
        for cid, shares in self.model.left_over.items():
            for fid in shares:
                self._scored_by.setdefault(fid, []).append(cid)

    def assess(self, case: Case) -> Assessment:
        evidence = case.evidence(self.risk_ids)
        present = {f for f, v in evidence.items() if v}
        # Candidates: conditions that list at least one present symptom or sign. A known diagnosis or exposure
        # alone ("history of hypertension") does not make its condition the answer to a new complaint.
        candidates = {cid for f in present - self.context_ids - self.risk_ids for cid in self._by_finding.get(f, ())}
        # ...but an exposure stated as happening now ("I took 24 paracetamol") does, for the conditions it defines.
        current = {f.id for f in case.findings if f.status == Status.present} & self.risk_ids
        candidates |= {cid for f in current for cid in self._defined_by.get(f, ())}
        # Every candidate starts from the evidence as if it listed no finding (one shared sum), then
        # corrects for the findings it does list, found through the inverted index.
        baseline = 0.0
        unlisted: dict[str, float] = {}
        for fid, is_present in evidence.items():
            unlisted[fid] = math.log(self.model.unlisted_ratio(fid, is_present))
            baseline += unlisted[fid]
        totals = dict.fromkeys(sorted(candidates), baseline)  # sorted: sums in a fixed order, same result every run
        derived = case.derived_from()
        for fid, is_present in evidence.items():
            for cid in self._scored_by.get(fid, ()):
                if cid in totals:
                    totals[cid] += self.model.log_ratio(cid, fid, is_present) - unlisted[fid]
        # A finding derived from another ("no chest pain" -> no crushing chest pain; high fever -> fever) carries
        # no information beyond its source for a condition that lists the source: count it once.
        for fid, source in derived.items():
            if fid in evidence:
                for cid in self._by_finding.get(source, ()):
                    if cid in totals:
                        totals[cid] -= self.model.log_ratio(cid, fid, evidence[fid])
        # People mention what defines their problem: an obligate symptom or sign the text does not mention at
        # all (neither reported nor denied, nor anything else of its body system, which may describe it in other
        # words) weighs mildly against the condition.
        systems = {self.kb.findings[f].system for f in present}
        for cid in totals:
            for fid in self._obligate.get(cid, ()):
                if fid not in evidence:
                    totals[cid] += (UNMENTIONED_OBLIGATE_LOG if self.kb.findings[fid].system not in systems
                                    else UNMENTIONED_OBLIGATE_SAME_SYSTEM_LOG)
            for fid in self._very_frequent.get(cid, ()):
                if fid not in evidence and self.kb.findings[fid].system not in systems:
                    totals[cid] += UNMENTIONED_VERY_FREQUENT_LOG
        # A relative with the same condition (shared genes or surroundings) raises its odds.
        for cid in case.family_conditions:
            if cid in totals:
                totals[cid] += FAMILY_CONDITION_LOG
        scored: list[tuple[float, str]] = []
        for cid, total in totals.items():
            c = self.kb.conditions[cid]
            prior = self.model.base_weight[cid] * age_factor(c, case.age) * sex_factor(c, case.sex)
            if case.pregnant and c.sex.value == "male_only":
                prior = 0.0
            if prior > 0:
                scored.append((math.log(prior) + EVIDENCE_TEMPER * total, cid))
        other_log = math.log(OTHER_WEIGHT)
        top = max([s for s, _ in scored] + [other_log])
        z = math.exp(other_log - top) + sum(math.exp(s - top) for s, _ in scored)
        ranked = [RankedCondition(self.kb.conditions[cid], math.exp(s - top) / z)
                  for s, cid in sorted(scored, key=lambda x: (-x[0], x[1]))]
        other_p = math.exp(other_log - top) / z
        if other_p < MIN_OTHER:  # never claim certainty: keep room for causes outside the knowledge base
            scale = (1.0 - MIN_OTHER) / (1.0 - other_p)
            for rc in ranked:
                rc.probability *= scale
            other_p = MIN_OTHER
        shown: list[RankedCondition] = []
        for rc in ranked:
            if rc.probability < MIN_PROBABILITY or len(shown) >= MAX_CONDITIONS:
                break
            self._explain(rc, evidence, derived)
            if rc.supporting:
                shown.append(rc)
        triage = self._triage(case, present, ranked, other_p)
        rule_out = self._rule_out(shown, ranked)
        specialist = self._specialist(shown, triage.level)
        confident = bool(shown) and shown[0].probability >= 0.15
        return Assessment(case, shown, other_p, triage, rule_out, specialist, confident)

    def _explain(self, rc: RankedCondition, evidence: dict[str, bool], derived: dict[str, str]) -> None:
        """Fill the findings for and against one condition, strongest first."""
        c = rc.condition
        for fid, is_present in evidence.items():
            if derived.get(fid) in c.findings:
                continue
            ratio = self.model.likelihood_ratio(c.id, fid, is_present)
            if ratio == 1.0:
                continue
            ev = Evidence(fid, self.kb.findings[fid].name, is_present, ratio, c.findings.get(fid))
            (rc.supporting if ratio > 1 else rc.opposing).append(ev)
        rc.supporting.sort(key=lambda e: -e.ratio)
        rc.opposing.sort(key=lambda e: e.ratio)

    # ------------------------------------------------------------------ triage
    def _triage(self, case: Case, present: set[str], ranked: list[RankedCondition], other_p: float) -> TriageResult:
        reasons: list[str] = []
        fired: list[RedFlag] = []
        level = Triage.self_care
        for rf in self.kb.red_flags:
            if not all(f in present for f in rf.all_of):
                continue
            if rf.min_age is not None and (case.age is None or case.age < rf.min_age):
                continue
            if rf.max_age is not None and (case.age is None or case.age > rf.max_age):
                continue
            fired.append(rf)
        fired.sort(key=lambda r: -r.level.rank)
        mass = {t: 0.0 for t in TRIAGE_ORDER}
        for rc in ranked:
            mass[rc.condition.triage] += rc.probability
        cumulative = 0.0
        from_differential = Triage.self_care
        for t in reversed(TRIAGE_ORDER):
            cumulative += mass[t]
            # Thresholds apply to the share the knowledge base explains, but never shrink below half: a vague
            # question spread thinly over many conditions is not urgent on that account alone.
            if t != Triage.self_care and cumulative > 0 and \
                    cumulative >= TRIAGE_THRESHOLDS[t] * max(1.0 - other_p, 0.5):
                from_differential = t
                break
        if from_differential == Triage.self_care and ranked and ranked[0].condition.triage != Triage.self_care:
            from_differential = ranked[0].condition.triage if ranked[0].probability >= 0.1 else Triage.routine
        if not ranked:  # nothing in the knowledge base fits: honest uncertainty means a routine check
            from_differential = Triage.routine
            reasons.append("No condition in the knowledge base fits well enough to judge; a doctor should look at it.")
        level = from_differential
        if from_differential.rank >= Triage.urgent.rank:
            lead = max((rc for rc in ranked if rc.condition.triage == from_differential),
                       key=lambda r: r.probability, default=None)
            if lead and lead.probability >= 0.1:
                reasons.append(f"{lead.condition.name} is among the likely causes ({_pct(lead.probability)}) "
                               f"and needs {_LEVEL_WORDS[from_differential]}.")
            elif lead:
                reasons.append(f"Together, causes that need {_LEVEL_WORDS[from_differential]} (such as "
                               f"{lead.condition.name}) are likely enough that it should not wait.")
        emergencies = [rc for rc in ranked if rc.condition.triage == Triage.emergency
                       and rc.probability >= EMERGENCY_FLOOR_P]
        if emergencies and level.rank < Triage.urgent.rank:
            level = Triage.urgent
            reasons.append(f"{emergencies[0].condition.name} cannot be excluded from what you describe "
                           f"({_pct(emergencies[0].probability)}), so a doctor should see you today.")
        for rf in fired:
            if rf.level.rank >= level.rank:
                reasons.insert(0, f"Red flag: {rf.advice}")
            level = max(level, rf.level, key=lambda t: t.rank)
        if not reasons and ranked:
            top = ranked[0]
            reasons.append(f"The most likely cause, {top.condition.name} ({_pct(top.probability)}), usually needs "
                           f"{_LEVEL_WORDS[level]}.")
        return TriageResult(level, reasons, fired)

    def _rule_out(self, shown: list[RankedCondition], ranked: list[RankedCondition]) -> list[RankedCondition]:
        """Conditions to exclude: what the leading conditions name, plus dangerous ones still possible."""
        by_id = {rc.condition.id: rc for rc in ranked}
        out: list[RankedCondition] = []
        seen: set[str] = set()
        lead = shown[0].condition.id if shown else None
        for rc in shown[:3]:
            for rid in rc.condition.rule_out:
                if rid in seen or rid == lead or rid not in self.kb.conditions:
                    continue
                seen.add(rid)
                out.append(by_id.get(rid) or RankedCondition(self.kb.conditions[rid], 0.0))
        for rc in ranked:
            if (rc.condition.triage == Triage.emergency and rc.probability >= 0.02 and rc.condition.id not in seen
                    and rc.condition.id != lead):
                seen.add(rc.condition.id)
                out.append(rc)
        return out[:8]

    def _specialist(self, shown: list[RankedCondition], level: Triage) -> str | None:
        if level == Triage.emergency:
            return "emergency_medicine"
        if not shown:
            return "primary_care"
        specs = shown[0].condition.specialties
        if level == Triage.urgent and "emergency_medicine" in specs:
            return "emergency_medicine"
        non_emergency = [s for s in specs if s != "emergency_medicine"]
        return (non_emergency or specs)[0]


_LEVEL_WORDS = {
    Triage.emergency: "emergency care now",
    Triage.urgent: "to be seen by a doctor today",
    Triage.routine: "a routine appointment",
    Triage.self_care: "care at home, with a pharmacist's advice if needed",
}


def _pct(p: float) -> str:
    return f"{round(p * 100)}%" if p >= 0.01 else "<1%"
