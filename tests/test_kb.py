"""Knowledge-base loading and validation, on the fixture and on copies broken on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from curbside.errors import KnowledgeBaseError
from curbside.kb.loader import check_kb, load_kb

from .conftest import FIXTURE_KB


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, dst)
    return dst


def _edit(path: Path, fn) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(path.read_text())
    fn(data)
    path.write_text(yaml.safe_dump(data))


def test_fixture_is_valid() -> None:
    kb, problems = check_kb(FIXTURE_KB)
    assert problems == []
    assert kb is not None and set(kb.conditions) == {"common_cold", "meningitis", "smokers_cough"}


def test_builtin_kb_is_valid() -> None:
    kb = load_kb()
    stats = kb.stats()
    assert stats["conditions"] >= 80
    assert stats["findings"] > 0 and stats["phrasings"] > stats["findings"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["conditions"][0].update(icd10=["X99.999"]), "invalid ICD-10-CM code"),
        (lambda d: d["conditions"][0].update(colour="blue"), "Extra inputs are not permitted"),
        (lambda d: d["conditions"][0]["findings"].update(made_up=["frequent"][0]), "unknown finding 'made_up'"),
        (lambda d: d["conditions"][0].update(rule_out=["nowhere"]), "unknown condition 'nowhere'"),
        (lambda d: d["conditions"][1].update(synonyms=["head cold"]), "duplicate synonym"),
        (lambda d: d["conditions"][0].update(specialties=["astrology"]), "unknown specialty"),
        (lambda d: d["conditions"][0]["findings"].update(runny_nose="sometimes"), "Input should be"),
    ],
)
def test_broken_conditions_fail_loudly(tmp_path: Path, mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    kb_dir = _copy(tmp_path)
    _edit(kb_dir / "conditions" / "tiny.yaml", mutate)
    _, problems = check_kb(kb_dir)
    assert any(message in p for p in problems), problems
    with pytest.raises(KnowledgeBaseError):
        load_kb(kb_dir)


def test_duplicate_phrasing_across_findings(tmp_path: Path) -> None:
    kb_dir = _copy(tmp_path)
    _edit(kb_dir / "findings" / "tiny.yaml", lambda d: d["findings"][1]["phrasings"].append("Feverish"))
    _, problems = check_kb(kb_dir)
    assert any("duplicate phrasing 'Feverish'" in p for p in problems)


def test_orphan_finding_and_bad_red_flag(tmp_path: Path) -> None:
    kb_dir = _copy(tmp_path)
    _edit(kb_dir / "findings" / "tiny.yaml", lambda d: d["findings"].append(
        {"id": "lonely", "name": "Lonely", "question": "Alone?", "phrasings": ["all alone"]}))
    _edit(kb_dir / "red_flags" / "tiny.yaml", lambda d: d["red_flags"][0].update(all_of=["fever", "ghost"]))
    _, problems = check_kb(kb_dir)
    assert any("lonely: orphan" in p for p in problems)
    assert any("unknown finding 'ghost'" in p for p in problems)


def test_stats_by_system() -> None:
    kb = load_kb(FIXTURE_KB)
    by = kb.stats()["by_system"]
    assert by["respiratory"]["conditions"] == 2  # type: ignore[index]


def test_duplicate_yaml_key_fails(tmp_path: Path) -> None:
    kb_dir = _copy(tmp_path)
    path = kb_dir / "conditions" / "tiny.yaml"
    doubled = "    triage: self_care\n    triage: routine\n"
    path.write_text(path.read_text().replace("    triage: self_care\n", doubled, 1))
    _, problems = check_kb(kb_dir)
    assert any("duplicate key 'triage'" in p for p in problems), problems


def test_everyday_word_phrasing_fails(tmp_path: Path) -> None:
    kb_dir = _copy(tmp_path)
    _edit(kb_dir / "findings" / "tiny.yaml", lambda d: d["findings"][1]["phrasings"].append("does"))
    _, problems = check_kb(kb_dir)
    assert any("'does' is an everyday word" in p for p in problems), problems
