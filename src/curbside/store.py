"""The embedded database: SQLite under ``CURBSIDE_HOME`` by default, any SQLAlchemy URL through
``CURBSIDE_DATABASE_URL``.

Owns the connection and the web service's own tables: daily request counts per endpoint (no text,
no client address) and, only when the operator opts in, the questions asked and their triage.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from sqlalchemy import Column, Date, DateTime, Integer, MetaData, String, Table, Text, create_engine, select, update
from sqlalchemy.engine import Engine as DbEngine

from curbside import config

metadata = MetaData()

usage = Table(
    "usage_daily",
    metadata,
    Column("day", Date, primary_key=True),
    Column("endpoint", String(64), primary_key=True),
    Column("count", Integer, nullable=False, default=0),
)

question_log = Table(
    "question_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("text", Text, nullable=False),
    Column("triage", String(16)),
    Column("top_condition", String(80)),
)


def database_url() -> str:
    """``CURBSIDE_DATABASE_URL``, or a SQLite file under ``CURBSIDE_HOME``."""
    return os.environ.get("CURBSIDE_DATABASE_URL") or f"sqlite:///{config.home() / 'curbside.db'}"


class Store:
    """A connection pool to the database, with the tables created on open."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or database_url()
        self.db: DbEngine = create_engine(self.url, future=True)
        metadata.create_all(self.db)

    def add_counts(self, counts: dict[str, int], day: dt.date | None = None) -> None:
        """Add request counts per endpoint to a day's totals (today by default)."""
        day = day or dt.date.today()
        with self.db.begin() as conn:
            for endpoint, n in counts.items():
                done = conn.execute(update(usage).where(usage.c.day == day, usage.c.endpoint == endpoint)
                                    .values(count=usage.c.count + n)).rowcount
                if not done:
                    conn.execute(usage.insert().values(day=day, endpoint=endpoint, count=n))

    def usage(self) -> list[dict[str, Any]]:
        with self.db.connect() as conn:
            rows = conn.execute(select(usage).order_by(usage.c.day, usage.c.endpoint)).all()
        return [{"day": r.day.isoformat(), "endpoint": r.endpoint, "count": r.count} for r in rows]

    def log_question(self, text: str, triage: str | None, top: str | None) -> None:
        """Keep a question (call only when the operator has opted in)."""
        with self.db.begin() as conn:
            conn.execute(question_log.insert().values(created=dt.datetime.now(dt.UTC), text=text, triage=triage,
                                                      top_condition=top))

    def questions(self) -> list[dict[str, Any]]:
        with self.db.connect() as conn:
            rows = conn.execute(select(question_log).order_by(question_log.c.id)).all()
        return [{"text": r.text, "triage": r.triage, "top_condition": r.top_condition} for r in rows]

    def close(self) -> None:
        self.db.dispose()
