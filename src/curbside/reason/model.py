"""The numbers behind the reasoning: bands, priors and background rates.

Owns every constant that turns the knowledge base's words (frequency bands,
prevalence classes, age and sex patterns) into probabilities, so that each
figure in an answer can be traced to one table here and one KB entry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from curbside.kb.loader import KnowledgeBase
from curbside.kb.schema import Band, Condition, FindingKind, Prevalence, SexPattern

# P(finding present | condition) for each band.
BAND_P: dict[Band, float] = {
    Band.obligate: 0.98,
    Band.very_frequent: 0.85,
    Band.frequent: 0.5,
    Band.occasional: 0.15,
    Band.rare: 0.03,
    Band.excluded: 0.003,
}
# P(finding | condition) when the condition does not list the finding ("leak"), by finding kind.
LEAK_P: dict[FindingKind, float | None] = {
    FindingKind.symptom: 0.02,
    FindingKind.sign: 0.014,
    FindingKind.risk_factor: None,  # neutral: a risk factor a condition does not list says nothing about it
    FindingKind.context: None,  # see CONTEXT_UNLISTED_LR
}
# A context finding (onset, timing, side) that a condition does not list weighs mildly against it.
CONTEXT_UNLISTED_LR = 0.75
PREVALENCE_WEIGHT: dict[Prevalence, float] = {
    Prevalence.very_common: 1.0,
    Prevalence.common: 0.6,
    Prevalence.uncommon: 0.32,
    Prevalence.rare: 0.17,
    Prevalence.very_rare: 0.1,
}
# Prior mass of "something not in the knowledge base", relative to a very common condition.
OTHER_WEIGHT = 3.0
# Naive Bayes double-counts correlated findings; evidence is tempered by this exponent.
EVIDENCE_TEMPER = 0.9
# P(risk factor or context | condition) assumed, when the condition does not list it, in background rates only.
RISK_BACKGROUND_DEFAULT = 0.005
# A finding's stated `population` band (how common it is in everyone seeking care) as a background-rate floor:
# the lower end of each band, as these rates vary with age and setting.
POPULATION_P: dict[Band, float] = {Band.frequent: 0.3, Band.occasional: 0.08, Band.rare: 0.02}
# A condition that lists some findings of a `one_of` group (durations, onsets) gives each member it leaves out
# the probability its listed members leave over, shared out, but never less than this floor.
ONE_OF_FLOOR = 0.04
# Background rate of a finding is clamped to this range.
BACKGROUND_RANGE = (0.01, 0.35)


def age_factor(c: Condition, age: float | None) -> float:
    """Prior multiplier for the person's age against the condition's age pattern."""
    if age is None:
        return 1.0
    lo, hi = c.age.min, c.age.max
    if age < lo or age > hi:
        distance = (lo - age) if age < lo else (age - hi)
        return 0.02 if distance > 2 else 0.1
    if c.age.typical:
        tlo, thi = c.age.typical
        if tlo <= age <= thi:
            return 1.0
        span = max(thi - tlo, 5.0)
        distance = (tlo - age) if age < tlo else (age - thi)
        return max(0.25, math.exp(-distance / span))
    return 1.0


def sex_factor(c: Condition, sex: str | None) -> float:
    """Prior multiplier for the person's sex against the condition's sex pattern."""
    if sex not in ("female", "male"):
        return 1.0
    table = {
        SexPattern.both: (1.0, 1.0),
        SexPattern.mostly_female: (1.0, 0.4),
        SexPattern.mostly_male: (0.4, 1.0),
        SexPattern.female_only: (1.0, 0.0),
        SexPattern.male_only: (0.0, 1.0),
    }
    female, male = table[c.sex]
    return female if sex == "female" else male


@dataclass(frozen=True)
class Model:
    """Precomputed probabilities for one knowledge base."""

    p_given: dict[str, dict[str, float]]  # condition -> finding -> P(finding | condition) for listed findings
    background: dict[str, float]  # finding -> P(finding) among people seeking care
    leak: dict[str, float | None]  # finding -> P(finding | condition not listing it), None = neutral
    context: frozenset[str]  # ids of context findings
    base_weight: dict[str, float]  # condition -> prevalence weight
    # condition -> finding -> P(finding | condition) for a `one_of` member the condition leaves out while listing
    # another member of its group
    left_over: dict[str, dict[str, float]] = field(default_factory=dict)
    _log_memo: dict[tuple[str, str, bool], float] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, kb: KnowledgeBase) -> Model:
        p_given = {c.id: {f: BAND_P[b] for f, b in c.findings.items()} for c in kb.conditions.values()}
        base_weight = {c.id: PREVALENCE_WEIGHT[c.prevalence] for c in kb.conditions.values()}
        leak = {f.id: LEAK_P[f.kind] for f in kb.findings.values()}
        total = sum(base_weight.values()) or 1.0
        background: dict[str, float] = {}
        lo, hi = BACKGROUND_RANGE
        for f in kb.findings.values():
            # An exposure or context no condition lists contributes almost nothing to its background rate, so a
            # specific exposure (a snake bite, a tick bite) is strong evidence for the few conditions that list it.
            leak_p = leak[f.id]
            default = leak_p if leak_p is not None else RISK_BACKGROUND_DEFAULT
            mass = sum(base_weight[c] * p_given[c].get(f.id, default) for c in p_given)
            background[f.id] = min(hi, max(lo, mass / total))
            if f.population is not None:
                background[f.id] = max(background[f.id], POPULATION_P[f.population])
        context = frozenset(f.id for f in kb.findings.values() if f.kind == FindingKind.context)
        groups: dict[str, list[str]] = {}
        for f in kb.findings.values():
            if f.one_of:
                groups.setdefault(f.one_of, []).append(f.id)
        left_over: dict[str, dict[str, float]] = {}
        for cid, listed in p_given.items():
            for members in groups.values():
                unlisted = [m for m in members if m not in listed]
                if len(unlisted) == len(members) or not unlisted:
                    continue
                rest = 1.0 - sum(listed[m] for m in members if m in listed)
                for m in unlisted:
                    left_over.setdefault(cid, {})[m] = max(ONE_OF_FLOOR, rest / len(unlisted))
        return cls(p_given, background, leak, context, base_weight, left_over)

    def log_ratio(self, condition_id: str, finding_id: str, present: bool) -> float:
        """log(likelihood_ratio), memoised: the same few thousand pairs recur across questions."""
        key = (condition_id, finding_id, present)
        value = self._log_memo.get(key)
        if value is None:
            value = self._log_memo[key] = math.log(self.likelihood_ratio(condition_id, finding_id, present))
        return value

    def unlisted_ratio(self, finding_id: str, present: bool) -> float:
        """The likelihood ratio for a condition that does not list this finding."""
        if finding_id in self.context:
            return CONTEXT_UNLISTED_LR if present else 1.0
        p = self.leak.get(finding_id)
        if p is None:
            return 1.0
        q = self.background[finding_id]
        return p / q if present else (1.0 - p) / (1.0 - q)

    def likelihood_ratio(self, condition_id: str, finding_id: str, present: bool) -> float:
        """How much this finding (present or denied) multiplies the odds of the condition."""
        p = self.p_given[condition_id].get(finding_id)
        if p is None:
            share = self.left_over.get(condition_id, {}).get(finding_id)
            if share is not None and present:
                return min(share / self.background[finding_id], CONTEXT_UNLISTED_LR)
            return self.unlisted_ratio(finding_id, present)
        q = self.background[finding_id]
        if present:
            # A finding the condition lists as at least occasional never counts against it.
            return max(p / q, 1.0) if p >= BAND_P[Band.occasional] else p / q
        return (1.0 - p) / (1.0 - q)
