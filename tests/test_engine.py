"""Engine loading: explicit, validated, and cached by knowledge-base version."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from curbside.engine import Engine
from curbside.errors import KnowledgeBaseError

from .conftest import FIXTURE_KB


def test_compiled_kb_is_cached_and_reused(curbside_home: Path, tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, kb_dir)
    first = Engine.load(kb_dir)
    cached = list((curbside_home / "cache").glob(f"kb-{first.kb.version}-*.pickle"))
    assert len(cached) == 1
    second = Engine.load(kb_dir)
    assert second.kb.version == first.kb.version
    assert second.ask("runny nose and cough").payload["conditions"][0]["id"] == "common_cold"


def test_damaged_cache_is_rebuilt(curbside_home: Path, tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, kb_dir)
    engine = Engine.load(kb_dir)
    for path in (curbside_home / "cache").glob(f"kb-{engine.kb.version}-*.pickle"):
        path.write_bytes(b"not a pickle")
    assert Engine.load(kb_dir).ask("runny nose").payload["error"] is None


def test_an_edited_invalid_kb_is_not_served_from_cache(tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, kb_dir)
    Engine.load(kb_dir)
    path = kb_dir / "conditions" / "tiny.yaml"
    path.write_text(path.read_text().replace("icd10: [J00]", "icd10: [NOT.A.CODE]"))
    with pytest.raises(KnowledgeBaseError):
        Engine.load(kb_dir)
