"""Loading the knowledge base from YAML into one immutable ``KnowledgeBase``.

Owns reading files, schema validation per file, and the cross-file checks
(references, duplicates, ICD-10-CM codes, orphans). ``load_kb`` raises
``KnowledgeBaseError`` listing every problem; ``check_kb`` returns them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from curbside.errors import KnowledgeBaseError
from curbside.kb.schema import (
    Condition,
    ConditionsFile,
    Finding,
    FindingKind,
    FindingsFile,
    Medicine,
    MedicinesFile,
    RedFlag,
    RedFlagsFile,
    SpecialtiesFile,
    Specialty,
    System,
)
from curbside.understand.text import phrase_key

_M = TypeVar("_M", bound=BaseModel)


def builtin_data_dir() -> Path:
    """The directory of the knowledge base shipped inside the package."""
    return Path(str(resources.files("curbside.kb") / "data"))


@dataclass
class KnowledgeBase:
    """All entries, indexed by id, plus a content hash used as version."""

    findings: dict[str, Finding]
    conditions: dict[str, Condition]
    red_flags: list[RedFlag]
    specialties: dict[str, Specialty]
    version: str
    source: Path
    medicines: dict[str, Medicine] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # entry id -> file it came from

    def stats(self) -> dict[str, object]:
        phrasings = sum(len(f.phrasings) for f in self.findings.values())
        by_system: dict[str, dict[str, int]] = {}
        for s in System:
            c = sum(1 for x in self.conditions.values() if x.system == s)
            f = sum(1 for x in self.findings.values() if x.system == s)
            if c or f:
                by_system[s.value] = {"conditions": c, "findings": f}
        return {
            "version": self.version,
            "conditions": len(self.conditions),
            "findings": len(self.findings),
            "phrasings": phrasings,
            "synonyms": sum(len(c.synonyms) for c in self.conditions.values()),
            "red_flags": len(self.red_flags),
            "specialties": len(self.specialties),
            "by_system": by_system,
        }


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe YAML loader that rejects duplicate keys in a mapping (PyYAML keeps the last one silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[object, object]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key}'", key_node.start_mark)
            seen.add(key)
        mapping: dict[object, object] = super().construct_mapping(node, deep=deep)
        return mapping


def _read_yaml(path: Path, problems: list[str]) -> object:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problems.append(f"{path.name}: cannot read YAML: {exc}")
        return None


def _parse(model: type[_M], data: object, where: str, problems: list[str]) -> _M | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            problems.append(f"{where}: {loc}: {err['msg']}")
        return None


def _files(directory: Path) -> Iterable[Path]:
    return sorted(p for p in directory.glob("*.yaml") if p.is_file()) if directory.is_dir() else []


def kb_files(root: Path) -> list[Path]:
    """Every file that makes up a knowledge base, in a fixed order."""
    out: list[Path] = []
    for sub in ("findings", "conditions", "red_flags"):
        out.extend(_files(root / sub))
    out.extend(p for p in (root / "specialties.yaml", root / "medicines.yaml") if p.is_file())
    return out


def kb_digest(root: Path) -> str:
    """The knowledge base's version: a hash of its files' names and contents."""
    digest = hashlib.sha256()
    for path in kb_files(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def check_kb(data_dir: Path | None = None) -> tuple[KnowledgeBase | None, list[str]]:
    """Load and validate; return the knowledge base (if it parsed) and every problem found."""
    root = data_dir or builtin_data_dir()
    problems: list[str] = []
    findings: dict[str, Finding] = {}
    conditions: dict[str, Condition] = {}
    origin: dict[str, str] = {}
    red_flags: list[RedFlag] = []
    specialties: dict[str, Specialty] = {}

    def add(kind: str, store: dict[str, object], item_id: str, item: object, fname: str) -> None:
        if item_id in store:
            problems.append(f"{fname}: duplicate {kind} id '{item_id}' (also in {origin.get(kind + ':' + item_id)})")
            return
        store[item_id] = item
        origin[kind + ":" + item_id] = fname

    if not root.is_dir():
        raise KnowledgeBaseError([f"knowledge base directory not found: {root}"])
    for path in _files(root / "findings"):
        parsed = _parse(FindingsFile, _read_yaml(path, problems), f"findings/{path.name}", problems)
        for f in parsed.findings if parsed else []:
            add("finding", findings, f.id, f, f"findings/{path.name}")  # type: ignore[arg-type]
    for path in _files(root / "conditions"):
        parsed_c = _parse(ConditionsFile, _read_yaml(path, problems), f"conditions/{path.name}", problems)
        for c in parsed_c.conditions if parsed_c else []:
            add("condition", conditions, c.id, c, f"conditions/{path.name}")  # type: ignore[arg-type]
    rf_files = list(_files(root / "red_flags"))
    if not rf_files:
        problems.append("red_flags/ has no files")
    for path in rf_files:
        parsed_r = _parse(RedFlagsFile, _read_yaml(path, problems), f"red_flags/{path.name}", problems)
        red_flags.extend(parsed_r.red_flags if parsed_r else [])
    sp_path = root / "specialties.yaml"
    if sp_path.is_file():
        parsed_s = _parse(SpecialtiesFile, _read_yaml(sp_path, problems), "specialties.yaml", problems)
        for s in parsed_s.specialties if parsed_s else []:
            add("specialty", specialties, s.id, s, "specialties.yaml")  # type: ignore[arg-type]
    else:
        problems.append("specialties.yaml is missing")

    medicines: dict[str, Medicine] = {}
    med_path = root / "medicines.yaml"
    if med_path.is_file():
        parsed_m = _parse(MedicinesFile, _read_yaml(med_path, problems), "medicines.yaml", problems)
        seen_med: dict[tuple[str, ...], str] = {}
        for m in parsed_m.medicines if parsed_m else []:
            add("medicine", medicines, m.id, m, "medicines.yaml")  # type: ignore[arg-type]
            for name in m.names:
                key = phrase_key(name)
                if key in seen_med and seen_med[key] != m.id:
                    problems.append(f"medicines.yaml: name '{name}' in both {seen_med[key]} and {m.id}")
                seen_med[key] = m.id

    kb = KnowledgeBase(
        findings=findings,
        conditions=conditions,
        red_flags=red_flags,
        specialties=specialties,
        version=kb_digest(root),
        source=root,
        files={k.split(":", 1)[1]: v for k, v in origin.items() if k.startswith("condition:")},
        medicines=medicines,
    )
    problems.extend(cross_check(kb))
    return kb, problems


def load_kb(data_dir: Path | None = None) -> KnowledgeBase:
    """Load the knowledge base, raising ``KnowledgeBaseError`` on any problem."""
    kb, problems = check_kb(data_dir)
    if problems or kb is None:
        raise KnowledgeBaseError(problems or ["knowledge base empty"])
    return kb


_COMMON_WORDS = """
    does do done doing did go goes going went get gets got getting have has had make made take took come came feel
    felt feeling look looks see saw say said tell told know think want need like well good bad better worse right left
    back side front top bottom up down over under off out in on at time times day days week weeks month year years
    thing things way lot bit little much many more most less some any all none one two three first last new old long
    short high low big small hard soft hot cold warm dry wet fine okay ok sick ill pain ache hurt sore body part area
    hand head face eye ear nose mouth arm leg foot feet work home school bed night morning evening today now still just
    also very really quite again keep kept start started stop stopped try tried use used help call run running walk
""".split()


def cross_check(kb: KnowledgeBase) -> list[str]:
    """References, duplicates, ICD-10-CM codes, orphans and sanity of ranges."""
    import simple_icd_10_cm as icd

    problems: list[str] = []
    # Phrasings: one normalised phrase may belong to one finding only, and a one-word phrasing must not be an
    # everyday word in disguise ("doe" stems like "does").
    seen_phrase: dict[tuple[str, ...], str] = {}
    common = {phrase_key(w) for w in _COMMON_WORDS}
    for f in kb.findings.values():
        local: set[tuple[str, ...]] = set()
        for p in f.phrasings:
            key = phrase_key(p)
            if not key:
                problems.append(f"finding {f.id}: phrasing '{p}' has no content words")
                continue
            if key in local:  # an inflected variant of another phrasing: harmless, already covered
                continue
            if key in common:
                problems.append(f"finding {f.id}: phrasing '{p}' is an everyday word; it would match ordinary text")
            local.add(key)
            other = seen_phrase.get(key)
            if other and other != f.id:
                problems.append(f"duplicate phrasing '{p}' in findings {other} and {f.id}")
            seen_phrase[key] = f.id
        for target in f.implies:
            if target not in kb.findings:
                problems.append(f"finding {f.id}: implies unknown finding '{target}'")
            elif target == f.id:
                problems.append(f"finding {f.id}: implies itself")
        if f.family_of is not None:
            if f.family_of not in kb.findings:
                problems.append(f"finding {f.id}: family_of unknown finding '{f.family_of}'")
            elif not f.about_relatives:
                problems.append(f"finding {f.id}: family_of needs about_relatives: true")
    # Condition names and synonyms: unique across conditions.
    seen_name: dict[tuple[str, ...], str] = {}
    used: set[str] = set()
    for c in kb.conditions.values():
        for name in [c.name, *c.synonyms]:
            key = phrase_key(name)
            other = seen_name.get(key)
            if other and other != c.id:
                problems.append(f"duplicate synonym '{name}' in conditions {other} and {c.id}")
            seen_name[key] = c.id
        for code in c.icd10:
            if not icd.is_valid_item(code):
                problems.append(f"condition {c.id}: invalid ICD-10-CM code '{code}'")
        for fid in c.findings:
            if fid not in kb.findings:
                problems.append(f"condition {c.id}: unknown finding '{fid}'")
            used.add(fid)
        for rid in c.rule_out:
            if rid not in kb.conditions:
                problems.append(f"condition {c.id}: rule_out names unknown condition '{rid}'")
            elif rid == c.id:
                problems.append(f"condition {c.id}: rule_out names itself")
        for sp in c.specialties:
            if sp not in kb.specialties:
                problems.append(f"condition {c.id}: unknown specialty '{sp}'")
        if c.age.min > c.age.max:
            problems.append(f"condition {c.id}: age min {c.age.min} > max {c.age.max}")
        if c.age.typical and not (c.age.min <= c.age.typical[0] <= c.age.typical[1] <= c.age.max):
            problems.append(f"condition {c.id}: typical ages {c.age.typical} outside {c.age.min}-{c.age.max}")
        if not any(b.value in ("obligate", "very_frequent", "frequent") for b in c.findings.values()):
            problems.append(f"condition {c.id}: no finding is at least 'frequent'")
    seen_rf: set[str] = set()
    for rf in kb.red_flags:
        if rf.id in seen_rf:
            problems.append(f"red flag {rf.id}: duplicate id")
        seen_rf.add(rf.id)
        for fid in rf.all_of:
            if fid not in kb.findings:
                problems.append(f"red flag {rf.id}: unknown finding '{fid}'")
            used.add(fid)
    # Orphans: a finding no condition or red flag uses (directly or through implies) is unreachable.
    implied_by: dict[str, set[str]] = {}
    for f in kb.findings.values():
        for t in f.implies:
            implied_by.setdefault(t, set()).add(f.id)
    reachable = set(used)
    for fid in used:
        reachable |= implied_by.get(fid, set())
        reachable |= set(kb.findings[fid].implies) if fid in kb.findings else set()
    for f in kb.findings.values():
        if f.id not in reachable and f.kind != FindingKind.context:
            problems.append(f"finding {f.id}: orphan (no condition or red flag uses it)")
    return problems
