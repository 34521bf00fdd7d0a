"""The knowledge-base schema: pydantic models with a closed set of keys.

Owns the shape of every YAML file under ``kb/data`` and the vocabularies
(frequency bands, prevalence classes, triage levels, body systems) that the
reasoning layer turns into numbers.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Ident = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]
Phrase = Annotated[str, StringConstraints(min_length=2, max_length=120, strip_whitespace=True)]


class Strict(BaseModel):
    """Base model: unknown keys are an error, models are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Band(str, Enum):
    """How often a finding is present in a condition (honest frequency bands)."""

    obligate = "obligate"  # essentially always (~99%)
    very_frequent = "very_frequent"  # >= 80%
    frequent = "frequent"  # 30-79%
    occasional = "occasional"  # 5-29%
    rare = "rare"  # 1-4%
    excluded = "excluded"  # practically never; its presence argues against


class Prevalence(str, Enum):
    """How common the condition is among people who seek care."""

    very_common = "very_common"
    common = "common"
    uncommon = "uncommon"
    rare = "rare"
    very_rare = "very_rare"


class Triage(str, Enum):
    """Urgency levels, lowest first."""

    self_care = "self_care"
    routine = "routine"
    urgent = "urgent"
    emergency = "emergency"

    @property
    def rank(self) -> int:
        return TRIAGE_ORDER.index(self)


TRIAGE_ORDER = [Triage.self_care, Triage.routine, Triage.urgent, Triage.emergency]


class SexPattern(str, Enum):
    """Who the condition affects."""

    both = "both"
    mostly_female = "mostly_female"
    mostly_male = "mostly_male"
    female_only = "female_only"
    male_only = "male_only"


class FindingKind(str, Enum):
    symptom = "symptom"
    sign = "sign"  # something seen or measured
    risk_factor = "risk_factor"  # exposure, habit, medicine, past illness
    context = "context"  # onset, timing, duration, laterality


class System(str, Enum):
    """Body systems used to group entries (and for `kb stats`)."""

    general = "general"
    neurology = "neurology"
    musculoskeletal = "musculoskeletal"
    cardiovascular = "cardiovascular"
    respiratory = "respiratory"
    ent = "ent"
    eye = "eye"
    gastrointestinal = "gastrointestinal"
    hepatobiliary = "hepatobiliary"
    renal_urinary = "renal_urinary"
    reproductive_female = "reproductive_female"
    pregnancy = "pregnancy"
    reproductive_male = "reproductive_male"
    breast = "breast"
    skin = "skin"
    endocrine = "endocrine"
    blood = "blood"
    infectious = "infectious"
    immune = "immune"
    mental_health = "mental_health"
    pediatric = "pediatric"
    injury = "injury"
    toxicology = "toxicology"
    oncology = "oncology"


class AdviceTopic(str, Enum):
    """Topics of condition-specific advice; shown when the person raises them."""

    general = "general"
    driving = "driving"
    work = "work"
    sport = "sport"
    pregnancy = "pregnancy"
    travel = "travel"
    children = "children"


class Finding(Strict):
    """A symptom, sign, risk factor or context item with its phrasings."""

    id: Ident
    name: Text
    kind: FindingKind = FindingKind.symptom
    system: System = System.general
    question: Text  # asked of a lay person, answerable yes / no
    phrasings: list[Phrase] = Field(min_length=1)
    implies: list[Ident] = Field(default_factory=list)  # more general findings it entails
    # For findings that are themselves a denial ("no trigger"): "nothing sets it off" is negated text but
    # affirms the finding.
    negated_is_present: bool = False
    # For findings about relatives ("family history of sudden death"): said of a relative, it is present.
    about_relatives: bool = False
    # For a finding about relatives: the finding that, said of a relative, means it ("my mother had diabetes"
    # -> family_history_diabetes via diabetes_known).
    family_of: Ident | None = None
    # For an action that people name as a trigger of other symptoms (coughing, sneezing, vomiting): "pain worse
    # when coughing" does not report the action itself.
    aggravating_action: bool = False
    # How common the finding is among people seeking care for anything (only `frequent`, `occasional` or
    # `rare`): a floor under its background rate, for exposures and contexts that are common in everyone
    # (smoking, high blood pressure, a stated side) and so weigh less than their rarity among conditions
    # would suggest.
    population: Band | None = None
    # Findings that exclude each other (how long the illness has lasted; sudden or gradual onset) share a group
    # name: a condition listing some members of a group is taken to make the members it leaves out unlikely.
    one_of: Ident | None = None

    @field_validator("population")
    @classmethod
    def _population_band(cls, v: Band | None) -> Band | None:
        if v is not None and v not in (Band.frequent, Band.occasional, Band.rare):
            raise ValueError("population must be frequent, occasional or rare")
        return v


class FindingsFile(Strict):
    findings: list[Finding]


class AgeRange(Strict):
    """Ages in years where the condition occurs (min..max) and is most typical."""

    min: float = Field(default=0, ge=0, le=120)
    max: float = Field(default=120, ge=0, le=120)
    typical: tuple[float, float] | None = None


class Advice(Strict):
    topic: AdviceTopic
    text: Text


class Condition(Strict):
    """One condition page: what it is, how it shows, what to do."""

    id: Ident
    name: Text
    synonyms: list[Phrase] = Field(default_factory=list)
    icd10: list[str] = Field(min_length=1)
    system: System
    prevalence: Prevalence
    age: AgeRange = AgeRange()
    sex: SexPattern = SexPattern.both
    triage: Triage
    specialties: list[Ident] = Field(min_length=1)
    findings: dict[Ident, Band] = Field(min_length=1)
    red_flags: list[Text] = Field(default_factory=list)
    tests: list[Text] = Field(default_factory=list)
    treatments: list[Text] = Field(default_factory=list)
    self_care: list[Text] = Field(default_factory=list)
    rule_out: list[Ident] = Field(default_factory=list)
    advice: list[Advice] = Field(default_factory=list)
    summary: Text

    def all_names(self) -> list[str]:
        """The name, the name without its bracketed part, the bracketed part(s) and the synonyms."""
        plain = re.sub(r"\s*\([^)]*\)", "", self.name).strip()
        return [self.name, plain, *(x.strip() for x in re.findall(r"\(([^)]*)\)", self.name)), *self.synonyms]


class ConditionsFile(Strict):
    conditions: list[Condition]


class RedFlag(Strict):
    """A rule that sets a triage floor whatever the differential says."""

    id: Ident
    all_of: list[Ident] = Field(min_length=1)  # finding ids, all present
    level: Triage
    advice: Text  # what to do now, in plain words
    min_age: float | None = None
    max_age: float | None = None


class RedFlagsFile(Strict):
    red_flags: list[RedFlag]


class Specialty(Strict):
    id: Ident
    name: Text
    description: Text


class SpecialtiesFile(Strict):
    specialties: list[Specialty]


class Medicine(Strict):
    """A medicine people may mention, for reporting only (findings carry clinical meaning)."""

    id: Ident
    name: Text
    # "class" is a Python keyword, so the attribute is drug_class and the YAML key is "class".
    drug_class: Text = Field(alias="class")
    names: list[Phrase] = Field(min_length=1)


class MedicinesFile(Strict):
    medicines: list[Medicine]
