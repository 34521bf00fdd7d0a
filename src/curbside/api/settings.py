"""Operator settings of the web service, read from the environment once when the app is built."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        return int(raw) if raw else default
    except ValueError:
        return default


@dataclass(frozen=True)
class Settings:
    """What an operator may change; the defaults are the safe ones."""

    max_body_bytes: int = 64 * 1024  # larger request bodies get 413
    rate_per_minute: int = 120  # requests per client per minute on the API and the page (0 = no limit)
    burst: int = 30  # requests a client may make at once before the rate applies
    cors_origins: tuple[str, ...] = ()  # CORS is closed unless origins are listed
    log_questions: bool = False  # question text is never logged or stored unless the operator opts in
    trust_forwarded_for: bool = False  # use X-Forwarded-For as the client address (behind a proxy only)
    admin_key: str | None = None  # the X-API-Key for the admin endpoints; unset = admin endpoints disabled
    extra_headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> Settings:
        """``CURBSIDE_MAX_BODY``, ``CURBSIDE_RATE_PER_MINUTE``, ``CURBSIDE_BURST``, ``CURBSIDE_CORS_ORIGINS``
        (comma-separated), ``CURBSIDE_LOG_QUESTIONS=1``, ``CURBSIDE_TRUST_FORWARDED_FOR=1``,
        ``CURBSIDE_ADMIN_KEY``."""
        origins = tuple(o.strip() for o in os.environ.get("CURBSIDE_CORS_ORIGINS", "").split(",") if o.strip())
        return cls(
            max_body_bytes=_int("CURBSIDE_MAX_BODY", cls.max_body_bytes),
            rate_per_minute=_int("CURBSIDE_RATE_PER_MINUTE", cls.rate_per_minute),
            burst=_int("CURBSIDE_BURST", cls.burst),
            cors_origins=origins,
            log_questions=os.environ.get("CURBSIDE_LOG_QUESTIONS", "") == "1",
            trust_forwarded_for=os.environ.get("CURBSIDE_TRUST_FORWARDED_FOR", "") == "1",
            admin_key=os.environ.get("CURBSIDE_ADMIN_KEY") or None,
        )
