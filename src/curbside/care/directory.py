"""The clinic directory file (YAML): clinic, locations, physicians with specialties, languages, weekly hours and
slot length, and the mapping from Curbside's specialties to the clinic's departments. Validated by pydantic
with a closed set of keys."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator, model_validator

from curbside.errors import CurbsideError

Ident = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=80)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=300)]
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


class DirectoryError(CurbsideError):
    """The clinic directory file is missing or invalid; the message lists the problems."""

    code = "directory_invalid"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Location(Strict):
    id: Ident
    name: Text
    address: Text | None = None


class Physician(Strict):
    id: Ident
    name: Text
    specialties: list[Ident] = Field(min_length=1)  # Curbside specialty ids
    languages: list[Text] = Field(default_factory=lambda: ["English"])
    location: Ident
    slot_minutes: int = Field(default=30, ge=5, le=240)
    hours: dict[str, list[str]] = Field(min_length=1)  # day -> ["09:00-12:00", ...]

    @field_validator("hours")
    @classmethod
    def _hours(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for day, ranges in v.items():
            if day not in DAYS:
                raise ValueError(f"unknown day {day!r} (use {', '.join(DAYS)})")
            for r in ranges:
                m = _RANGE.match(r)
                if not m or (int(m.group(1)), int(m.group(2))) >= (int(m.group(3)), int(m.group(4))):
                    raise ValueError(f"bad opening hours {r!r} on {day} (use HH:MM-HH:MM)")
        return v


class Clinic(Strict):
    id: Ident
    name: Text
    timezone: Text = "UTC"
    booking_days: int = Field(default=21, ge=1, le=120)  # how far ahead slots are offered
    locations: list[Location] = Field(min_length=1)
    departments: dict[Ident, Text] = Field(default_factory=dict)  # Curbside specialty id -> department name
    physicians: list[Physician] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> Clinic:
        locations = {loc.id for loc in self.locations}
        seen: set[str] = set()
        for p in self.physicians:
            if p.id in seen:
                raise ValueError(f"duplicate physician id {p.id!r}")
            seen.add(p.id)
            if p.location not in locations:
                raise ValueError(f"physician {p.id}: unknown location {p.location!r}")
        return self


def load_directory(path: Path, specialties: set[str] | None = None) -> Clinic:
    """Read and validate a clinic directory; ``specialties`` (Curbside's ids) are checked when given."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DirectoryError(f"{path}: cannot be read ({exc})") from exc
    try:
        clinic = Clinic.model_validate((data or {}).get("clinic") if isinstance(data, dict) else None)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()[:10])
        raise DirectoryError(f"{path}: {problems}") from exc
    if specialties is not None:
        unknown = sorted({s for p in clinic.physicians for s in p.specialties} - specialties |
                         (set(clinic.departments) - specialties))
        if unknown:
            raise DirectoryError(f"{path}: unknown specialty ids: {', '.join(unknown)}")
    return clinic
