"""Shared fixtures: the tiny hand-made knowledge base and the built-in engine (loaded once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from curbside.engine import Engine

FIXTURE_KB = Path(__file__).parent / "fixtures" / "kb"


@pytest.fixture(scope="session")
def tiny_engine() -> Engine:
    return Engine.load(FIXTURE_KB)


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.load()
