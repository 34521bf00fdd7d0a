"""The structured Case that free text becomes.

Owns the data shape shared by understanding and reasoning: findings with
status and text span, patient age and sex, onset, duration, episodes,
laterality, body sites, medicines and topics the person raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Status(str, Enum):
    present = "present"
    absent = "absent"
    history = "history"
    family = "family"
    hypothetical = "hypothetical"


@dataclass(frozen=True, slots=True)
class CaseFinding:
    """A finding as stated in the text (or derived from it)."""

    id: str
    name: str
    status: Status
    text: str
    start: int
    end: int
    source: str = "lexicon"  # lexicon | pattern | implied | stated
    via: str | None = None  # for implied findings: the finding they were derived from


@dataclass(frozen=True, slots=True)
class MedicineMention:
    id: str
    name: str
    drug_class: str
    text: str
    start: int
    end: int


@dataclass
class Case:
    """Everything Curbside understood from one question."""

    text: str
    findings: list[CaseFinding] = field(default_factory=list)
    age: float | None = None
    sex: str | None = None  # "female" | "male"
    pregnant: bool = False
    onset: str | None = None  # "sudden" | "gradual"
    duration: str | None = None  # "days" | "weeks" | "months"
    episodic: bool = False
    laterality: str | None = None  # "right" | "left" | "both"
    body_sites: list[str] = field(default_factory=list)
    medicines: list[MedicineMention] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)  # advice topics raised (driving, work...)
    family_conditions: list[str] = field(default_factory=list)  # condition ids a relative is said to have
    named_conditions: list[str] = field(default_factory=list)  # condition ids named anywhere in the text
    age_in_text: bool = False  # the text itself gave the age / the sex (not only the caller)
    sex_in_text: bool = False

    def evidence(self, risk_ids: frozenset[str] = frozenset()) -> dict[str, bool]:
        """Finding id -> True (present) / False (denied). Risk factors in the past count as present.

        A finding both affirmed and denied counts as present: people deny one aspect and affirm another.
        """
        out: dict[str, bool] = {}
        for f in self.findings:
            if f.status == Status.present or (f.status == Status.history and f.id in risk_ids):
                out[f.id] = True
            elif f.status == Status.absent and f.id not in out:
                out[f.id] = False
        return out

    def derived_from(self) -> dict[str, str]:
        """Finding id -> the finding it was only derived from (not stated in its own words)."""
        stated = {f.id for f in self.findings if f.source != "implied"}
        return {f.id: f.via for f in self.findings if f.source == "implied" and f.via and f.id not in stated}
