"""Full-text index of library documents: SQLite FTS5 (default) or PostgreSQL full-text search, one interface.

Owns the tables (documents, sections, links to conditions, metadata), BM25 / ts_rank ranking and snippets.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from curbside.library.documents import Document, Section

_WORD = re.compile(r"[^\W_]{2,}", re.UNICODE)
STOPWORDS = frozenset(
    """a an and are as at be but by can could do does for from had has have how i if in into is it its me my no not
    of on or our should so than that the their them then there these they this to was we were what when where which
    who why will with would you your about tell much many any some more most also get got does did doing done
    please know help""".split()
)


@dataclass
class Hit:
    source: str
    title: str
    heading: str
    snippet: str
    text: str
    score: float  # higher is better
    kind: str  # clinic | kb
    url: str | None = None
    conditions: list[str] = field(default_factory=list)
    position: int = 0  # the section's place in its document (0 = first)


@dataclass
class DocInfo:
    source: str
    title: str
    kind: str
    sections: int
    updated: str
    url: str | None = None
    conditions: list[str] = field(default_factory=list)


def query_terms(text: str, limit: int = 12) -> list[str]:
    """The words of a question worth searching for (no stopwords), lower-case, in order, at most ``limit``."""
    seen: list[str] = []
    for w in _WORD.findall(text.lower()):
        if w not in STOPWORDS and w not in seen:
            seen.append(w)
    return seen[:limit]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class LibraryIndex:
    """The interface both backends implement."""

    backend = "abstract"

    db: Any  # a DB-API connection in autocommit mode (sqlite3 or psycopg): each batch is an explicit BEGIN/COMMIT
    _batch = False

    def _many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    def upsert(self, doc: Document, conditions: list[str], kind: str = "clinic") -> str:
        """Add or update a document; returns "added", "updated" or "unchanged"."""
        h = doc.content_hash
        found = self._rows("SELECT id, content_hash FROM {D} WHERE source = ?", (doc.source,))
        if found and found[0][1] == h:
            return "unchanged"
        now = _now()
        own = not self._batch
        if own:
            self.begin()
        try:
            if found:
                doc_id = found[0][0]
                self._rows("DELETE FROM {S} WHERE doc_id = ?", (doc_id,))
                self._rows("DELETE FROM {C} WHERE doc_id = ?", (doc_id,))
                self._rows("UPDATE {D} SET title = ?, url = ?, kind = ?, content_hash = ?, updated = ? WHERE id = ?",
                           (doc.title, doc.url, kind, h, now, doc_id))
            else:
                doc_id = self._rows("INSERT INTO {D}(source, kind, title, url, content_hash, added, updated) "
                                    "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                                    (doc.source, kind, doc.title, doc.url, h, now, now))[0][0]
            self._many("INSERT INTO {S}(doc_id, position, title, heading, text) VALUES (?, ?, ?, ?, ?)",
                       [(doc_id, i, doc.title, sec.heading, sec.text) for i, sec in enumerate(doc.sections)])
            self._many("INSERT INTO {C}(doc_id, condition_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                       [(doc_id, c) for c in conditions])
        except Exception:
            if own:
                self.db.execute("ROLLBACK")
                self._batch = False
            raise
        if own:
            self.commit()
        return "updated" if found else "added"

    # Shared SQL, written once for both backends: {D} {S} {C} {M} are the tables, ? the parameter marker.
    TABLES: ClassVar[dict[str, str]] = {}
    PARAM = "?"
    AGG = "group_concat(condition_id, ' ')"

    def _sql(self, sql: str) -> str:
        for key, table in self.TABLES.items():
            sql = sql.replace("{" + key + "}", table)
        return sql.replace("?", self.PARAM).replace("{AGG}", self.AGG)

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        raise NotImplementedError

    def source_with_hash(self, content_hash: str) -> str | None:
        rows = self._rows("SELECT source FROM {D} WHERE content_hash = ? LIMIT 1", (content_hash,))
        return str(rows[0][0]) if rows else None

    def sources(self, kind: str = "clinic") -> list[str]:
        return [r[0] for r in self._rows("SELECT source FROM {D} WHERE kind = ? ORDER BY source", (kind,))]

    def remove(self, source: str) -> None:
        self._rows("DELETE FROM {D} WHERE source = ?", (source,))

    def documents(self, kind: str | None = "clinic") -> list[DocInfo]:
        where, args = ("WHERE d.kind = ?", (kind,)) if kind else ("", ())
        rows = self._rows(
            "SELECT d.id, d.source, d.title, d.kind, d.updated, d.url, "
            "(SELECT count(*) FROM {S} s WHERE s.doc_id = d.id), "
            "(SELECT {AGG} FROM {C} c WHERE c.doc_id = d.id) "
            f"FROM {{D}} d {where} ORDER BY d.source", args)
        return [DocInfo(r[1], r[2], r[3], int(r[6]), r[4], r[5], (r[7] or "").split()) for r in rows]

    def search(self, query: str, limit: int = 10, kind: str | None = None) -> list[Hit]:
        raise NotImplementedError

    def _conditions_of(self, doc_id: int) -> list[str]:
        return [c for (c,) in self._rows("SELECT condition_id FROM {C} WHERE doc_id = ?", (doc_id,))]

    def pages_for(self, condition_id: str, kind: str = "clinic") -> list[DocInfo]:
        rows = self._rows("SELECT d.source, d.title, d.kind, d.updated, d.url FROM {D} d JOIN {C} c "
                          "ON c.doc_id = d.id WHERE c.condition_id = ? AND d.kind = ? ORDER BY d.source",
                          (condition_id, kind))
        return [DocInfo(r[0], r[1], r[2], 0, r[3], r[4], [condition_id]) for r in rows]

    def document(self, source: str) -> Document | None:
        """A stored document with its sections, or None."""
        rows = self._rows("SELECT id, kind, title, url FROM {D} WHERE source = ?", (source,))
        if not rows:
            return None
        doc_id, kind, title, url = rows[0]
        secs = self._rows("SELECT heading, text FROM {S} WHERE doc_id = ? ORDER BY position", (doc_id,))
        return Document(source, kind, title, [Section(h, t) for h, t in secs], url)

    def get_meta(self, key: str) -> str | None:
        rows = self._rows("SELECT value FROM {M} WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self._rows("INSERT INTO {M}(key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                   (key, value))

    def begin(self) -> None:
        """Start a batch (many upserts in one transaction)."""
        self.db.execute("BEGIN")
        self._batch = True

    def commit(self) -> None:
        """End a batch."""
        if self._batch:
            self.db.execute("COMMIT")
            self._batch = False

    def close(self) -> None:
        self.db.close()


# ---------------------------------------------------------------------------------------------------------------
# SQLite FTS5


_SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY, source TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, title TEXT NOT NULL, url TEXT,
    content_hash TEXT NOT NULL, added TEXT NOT NULL, updated TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS documents_hash ON documents(content_hash);
CREATE TABLE IF NOT EXISTS sections (
    id INTEGER PRIMARY KEY, doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    position INTEGER NOT NULL, title TEXT NOT NULL, heading TEXT NOT NULL, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS sections_doc ON sections(doc_id);
CREATE VIRTUAL TABLE IF NOT EXISTS sections_fts USING fts5(
    title, heading, text, content='sections', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2');
CREATE TRIGGER IF NOT EXISTS sections_ai AFTER INSERT ON sections BEGIN
    INSERT INTO sections_fts(rowid, title, heading, text) VALUES (new.id, new.title, new.heading, new.text);
END;
CREATE TRIGGER IF NOT EXISTS sections_ad AFTER DELETE ON sections BEGIN
    INSERT INTO sections_fts(sections_fts, rowid, title, heading, text)
    VALUES ('delete', old.id, old.title, old.heading, old.text);
END;
CREATE TABLE IF NOT EXISTS doc_conditions (
    doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE, condition_id TEXT NOT NULL,
    PRIMARY KEY (doc_id, condition_id));
CREATE INDEX IF NOT EXISTS doc_conditions_cond ON doc_conditions(condition_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class SQLiteIndex(LibraryIndex):
    backend = "sqlite-fts5"
    TABLES: ClassVar[dict[str, str]] = {"D": "documents", "S": "sections", "C": "doc_conditions", "M": "meta"}

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        return list(self.db.execute(self._sql(sql), args).fetchall())

    def _many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        self.db.executemany(self._sql(sql), rows)

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = NORMAL")
        self.db.executescript(_SQLITE_SCHEMA)

    def search(self, query: str, limit: int = 10, kind: str | None = None) -> list[Hit]:
        terms = query_terms(query)
        if not terms:
            return []
        match = " OR ".join(f'"{t}"' for t in terms)
        kind_sql, args = ("AND d.kind = ?", [kind]) if kind else ("", [])
        rows = self.db.execute(
            "SELECT d.source, d.title, s.heading, snippet(sections_fts, 2, '**', '**', ' … ', 30), s.text, "
            "bm25(sections_fts, 1.0, 2.0, 3.0) AS rank, d.kind, d.url, d.id, s.position "
            "FROM sections_fts JOIN sections s ON s.id = sections_fts.rowid JOIN documents d ON d.id = s.doc_id "
            f"WHERE sections_fts MATCH ? {kind_sql} ORDER BY rank LIMIT ?", [match, *args, limit]).fetchall()
        hits = []
        for r in rows:
            conds = self._conditions_of(r[8])
            hits.append(Hit(r[0], r[1], r[2], r[3], r[4], -float(r[5]), r[6], r[7], conds, int(r[9])))
        return hits


# ---------------------------------------------------------------------------------------------------------------
# PostgreSQL full-text search


_PG_SCHEMA = """
CREATE TABLE IF NOT EXISTS lib_documents (
    id BIGSERIAL PRIMARY KEY, source TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, title TEXT NOT NULL, url TEXT,
    content_hash TEXT NOT NULL, added TEXT NOT NULL, updated TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS lib_documents_hash ON lib_documents(content_hash);
CREATE TABLE IF NOT EXISTS lib_sections (
    id BIGSERIAL PRIMARY KEY, doc_id BIGINT NOT NULL REFERENCES lib_documents(id) ON DELETE CASCADE,
    position INTEGER NOT NULL, title TEXT NOT NULL, heading TEXT NOT NULL, text TEXT NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', heading), 'B') ||
        setweight(to_tsvector('english', text), 'C')) STORED);
CREATE INDEX IF NOT EXISTS lib_sections_doc ON lib_sections(doc_id);
CREATE INDEX IF NOT EXISTS lib_sections_tsv ON lib_sections USING GIN (tsv);
CREATE TABLE IF NOT EXISTS lib_doc_conditions (
    doc_id BIGINT NOT NULL REFERENCES lib_documents(id) ON DELETE CASCADE, condition_id TEXT NOT NULL,
    PRIMARY KEY (doc_id, condition_id));
CREATE INDEX IF NOT EXISTS lib_doc_conditions_cond ON lib_doc_conditions(condition_id);
CREATE TABLE IF NOT EXISTS lib_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class PostgresIndex(LibraryIndex):
    """The same index on PostgreSQL (``tsvector`` with a GIN index, ``ts_rank_cd`` and ``ts_headline``)."""

    backend = "postgresql"
    TABLES: ClassVar[dict[str, str]] = {"D": "lib_documents", "S": "lib_sections", "C": "lib_doc_conditions",
                                         "M": "lib_meta"}
    PARAM = "%s"
    AGG = "string_agg(condition_id, ' ')"

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        cur = self.db.execute(self._sql(sql), args)
        return cur.fetchall() if cur.description else []

    def _many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        with self.db.cursor() as cur:
            cur.executemany(self._sql(sql), rows)

    def __init__(self, url: str) -> None:
        import psycopg

        self.db = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
        with self.db.cursor() as cur:
            cur.execute(_PG_SCHEMA)

    def search(self, query: str, limit: int = 10, kind: str | None = None) -> list[Hit]:
        terms = query_terms(query)
        if not terms:
            return []
        tsquery = " | ".join(re.sub(r"[^\w]", "", t) for t in terms if re.sub(r"[^\w]", "", t))
        kind_sql, args = ("AND d.kind = %s", [kind]) if kind else ("", [])
        rows = self.db.execute(
            "WITH q AS (SELECT to_tsquery('english', %s) AS q) "
            "SELECT d.source, d.title, s.heading, "
            "ts_headline('english', s.text, q.q, 'StartSel=**, StopSel=**, MaxWords=40, MinWords=15'), s.text, "
            "ts_rank_cd(s.tsv, q.q, 1) AS rank, d.kind, d.url, d.id, s.position "
            "FROM lib_sections s JOIN lib_documents d ON d.id = s.doc_id, q "
            f"WHERE s.tsv @@ q.q {kind_sql} ORDER BY rank DESC LIMIT %s", [tsquery, *args, limit]).fetchall()
        hits = []
        for r in rows:
            conds = self._conditions_of(r[8])
            hits.append(Hit(r[0], r[1], r[2], r[3], r[4], float(r[5]), r[6], r[7], conds, int(r[9])))
        return hits
