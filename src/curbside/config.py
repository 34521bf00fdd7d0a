"""Where Curbside writes at run time: ``CURBSIDE_HOME`` (default ``~/.curbside``)."""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """The data directory for anything written at run time, created on first use."""
    raw = os.environ.get("CURBSIDE_HOME")
    path = Path(raw).expanduser() if raw else Path.home() / ".curbside"
    path.mkdir(parents=True, exist_ok=True)
    return path
