"""Curbside: an open, explainable engine that answers health questions like a written consult."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
