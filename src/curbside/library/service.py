"""The library: a clinic's pages and the built-in condition pages, searchable and linked to conditions.

Owns adding files (idempotent, with a report of what was added, updated and skipped and why), pruning pages
whose files are gone, keeping the built-in condition pages indexed for the loaded knowledge base, and linking
documents to conditions by name, synonym or ICD-10-CM code.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from curbside import config
from curbside.kb.loader import KnowledgeBase
from curbside.library.documents import Document, DocumentError, Section, kind_of, read_document
from curbside.library.index import DocInfo, Hit, LibraryIndex, PostgresIndex, SQLiteIndex
from curbside.understand.lexicon import ConditionMatcher

_ICD = re.compile(r"\b([A-TV-Z]\d{2}(?:\.[0-9A-Z]{1,4})?)\b")
BATCH = 500  # documents per transaction when adding


@dataclass
class AddReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)


def library_url() -> str:
    """``CURBSIDE_LIBRARY_URL`` (a ``postgresql://`` URL moves the index to PostgreSQL), or the SQLite file
    ``library.db`` under ``CURBSIDE_HOME``."""
    return os.environ.get("CURBSIDE_LIBRARY_URL") or f"sqlite:///{config.home() / 'library.db'}"


def open_index(url: str) -> LibraryIndex:
    if url.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        return PostgresIndex(url)
    if url.startswith("sqlite:///"):
        return SQLiteIndex(url[len("sqlite:///"):])
    return SQLiteIndex(url)


def iter_files(paths: Iterable[Path]) -> Iterable[tuple[Path, bool]]:
    """Files to consider: each named file (explicit), and supported files inside named folders."""
    for p in paths:
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and kind_of(f) is not None and not any(part.startswith(".") for part in f.parts):
                    yield f, False
        else:
            yield p, True


class Library:
    """One library index with the knowledge base whose conditions it links to."""

    def __init__(self, index: LibraryIndex, kb: KnowledgeBase) -> None:
        self.index = index
        self.kb = kb
        self.matcher = ConditionMatcher(kb)
        self._by_icd: dict[str, list[str]] = {}
        for c in kb.conditions.values():
            for code in c.icd10:
                self._by_icd.setdefault(code.upper(), []).append(c.id)

    @classmethod
    def open(cls, kb: KnowledgeBase, url: str | None = None) -> Library:
        """Open (creating if needed) the library and make sure the built-in condition pages are indexed."""
        lib = cls(open_index(url or library_url()), kb)
        lib.sync_kb()
        return lib

    # ------------------------------------------------------------------ built-in pages
    def sync_kb(self) -> int:
        """Index the knowledge base's condition pages (kind "kb") when the KB version changed; returns the count."""
        if self.index.get_meta("kb_version") == self.kb.version:
            return 0
        self.index.begin()
        try:
            for source in self.index.sources("kb"):
                self.index.remove(source)
            for c in self.kb.conditions.values():
                typical = [self.kb.findings[f].name for f, b in c.findings.items()
                           if b.value in ("obligate", "very_frequent", "frequent")
                           and self.kb.findings[f].kind.value in ("symptom", "sign")]
                sections = [Section("Overview", c.summary)]
                if c.synonyms:
                    sections.append(Section("Also called", ", ".join(c.synonyms)))
                if typical:
                    sections.append(Section("Signs and symptoms", "\n".join(f"- {t}" for t in typical)))
                for heading, items in (("When to get help", c.red_flags), ("Tests", c.tests),
                                       ("Treatment", c.treatments), ("What you can do", c.self_care)):
                    if items:
                        sections.append(Section(heading, "\n".join(f"- {t}" for t in items)))
                for a in c.advice:
                    sections.append(Section(f"About {a.topic.value}", a.text))
                doc = Document(f"kb:{c.id}", "kb", c.name, sections, f"/conditions/{c.id}")
                self.index.upsert(doc, [c.id], kind="kb")
            self.index.set_meta("kb_version", self.kb.version)
        finally:
            self.index.commit()
        return len(self.kb.conditions)

    # ------------------------------------------------------------------ clinic pages
    def link(self, doc: Document) -> list[str]:
        """Conditions a document is about: named in its title (name or synonym), or by ICD-10-CM code in its text;
        failing those, the one condition its headings and first section name (none if they name several)."""
        found = [cid for cid, _, _ in self.matcher.match(doc.title)]
        codes = {m.upper() for m in _ICD.findall(doc.text[:20_000])}
        for code in codes:
            found += self._by_icd.get(code, [])
        if not found:  # a page that names exactly one condition in its headings and opening is about it
            head = " . ".join([s.heading for s in doc.sections] + [doc.sections[0].text[:1500] if doc.sections else ""])
            named = list(dict.fromkeys(cid for cid, _, _ in self.matcher.match(head)))
            found = named if len(named) == 1 else []
        return list(dict.fromkeys(found))

    def add(self, paths: Iterable[Path], progress: Callable[[Path], None] | None = None) -> AddReport:
        """Ingest files and folders; bad documents are reported and skipped, never stopping the batch."""
        report = AddReport()
        seen_hashes: dict[str, str] = {}
        files = list(iter_files(paths))
        self.index.begin()
        try:
            for n, (path, explicit) in enumerate(files, 1):
                if progress:
                    progress(path)
                if not path.exists():
                    report.skipped.append((str(path), "no such file or folder"))
                    continue
                try:
                    doc = read_document(path)
                except DocumentError as exc:
                    if explicit or kind_of(path) is not None:
                        report.skipped.append((str(path), str(exc)))
                    continue
                except Exception as exc:  # a parser failure on one file must not stop the batch
                    report.skipped.append((str(path), f"could not be parsed ({exc.__class__.__name__})"))
                    continue
                h = doc.content_hash
                other = seen_hashes.get(h) or self.index.source_with_hash(h)
                if other and other != doc.source:
                    report.skipped.append((str(path), f"duplicate of {other}"))
                    continue
                seen_hashes[h] = doc.source
                outcome = self.index.upsert(doc, self.link(doc))
                {"added": report.added, "updated": report.updated, "unchanged": report.unchanged}[outcome].append(
                    doc.source)
                if n % BATCH == 0:
                    self.index.commit()
                    self.index.begin()
        finally:
            self.index.commit()
        return report

    def prune(self) -> list[str]:
        """Remove clinic pages whose files no longer exist; returns their sources."""
        gone = [s for s in self.index.sources("clinic") if not s.startswith(("http://", "https://"))
                and not Path(s).exists()]
        for s in gone:
            self.index.remove(s)
        return gone

    def documents(self, kind: str | None = "clinic") -> list[DocInfo]:
        return self.index.documents(kind)

    def search(self, query: str, limit: int = 10, kind: str | None = None) -> list[Hit]:
        return self.index.search(query[:500], limit, kind)

    def document(self, source: str) -> Document | None:
        return self.index.document(source)

    def clinic_pages(self, condition_id: str) -> list[DocInfo]:
        return self.index.pages_for(condition_id, "clinic")

    def close(self) -> None:
        self.index.close()
