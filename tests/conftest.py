"""Shared fixtures: the tiny hand-made knowledge base and the built-in engine (loaded once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from curbside.engine import Engine

FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"


@pytest.fixture(scope="session", autouse=True)
def curbside_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tests never write to the user's real CURBSIDE_HOME."""
    home = tmp_path_factory.mktemp("curbside-home")
    mp = pytest.MonkeyPatch()
    mp.setenv("CURBSIDE_HOME", str(home))
    yield home  # type: ignore[misc]
    mp.undo()


@pytest.fixture(scope="session")
def tiny_engine() -> Engine:
    return Engine.load(FIXTURE_KB)


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.load()
