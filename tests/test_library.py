"""The library: ingestion (HTML, Markdown, text, PDF), bad documents, idempotence, prune, search, routing,
clinic pages cited in consults; on SQLite always and on a real PostgreSQL server when the machine has one."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from curbside.api.app import create_app
from curbside.api.settings import Settings
from curbside.engine import Engine
from curbside.library.documents import DocumentError, read_document
from curbside.library.index import PostgresIndex, SQLiteIndex
from curbside.library.service import Library

PAGES = Path(__file__).parent.parent / "examples" / "clinic" / "pages"


def _pdf_bytes(lines: list[str]) -> bytes:
    """A minimal valid one-page PDF with the given text lines (no PDF library needed to write it)."""
    text = " ".join(f"({ln.replace('(', '[').replace(')', ']')}) Tj T*" for ln in lines)
    stream = f"BT /F1 12 Tf 14 TL 72 720 Td {text} ET".encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    """The sample clinic pages plus a PDF and a set of bad documents."""
    root = tmp_path / "pages"
    shutil.copytree(PAGES, root)
    (root / "gout.pdf").write_bytes(_pdf_bytes([
        "Gout clinic leaflet", "Gout causes sudden attacks of a hot, swollen, very painful joint,",
        "often the big toe. Colchicine or anti-inflammatory tablets settle an attack."]))
    bad = root / "bad"
    bad.mkdir()
    (bad / "empty.html").write_bytes(b"")
    (bad / "nav-only.html").write_text(
        "<html><body><nav>Home | About | Contact</nav><footer>(c)</footer></body></html>")
    (bad / "broken.html").write_text(
        "<html><body><h1>Tonsillitis <p>Sore throat and fever <div>unclosed tags "
        "<h2>Treatment<p>Fluids, rest and pain relief; antibiotics only when bacterial")
    (bad / "latin1.txt").write_bytes(
        "Café fever notes\nFièvre et frissons: see a doctor if it lasts.\n".encode("cp1252"))
    (bad / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (bad / "copy.md").write_text((root / "baclofen.md").read_text())
    (bad / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (bad / "huge.txt").write_text("fever and cough " * 60_000)
    return root


def _library(engine: Engine, index: SQLiteIndex | PostgresIndex) -> Library:
    lib = Library(index, engine.kb)
    lib.sync_kb()
    return lib


@pytest.fixture()
def sqlite_library(engine: Engine, tmp_path: Path) -> Iterator[Library]:
    lib = _library(engine, SQLiteIndex(tmp_path / "library.db"))
    yield lib
    lib.close()


def test_reading_each_kind() -> None:
    html = read_document(PAGES / "cervical-dystonia.html")
    assert html.title.startswith("Cervical dystonia")
    headings = [s.heading for s in html.sections]
    assert headings[:3] == ["Overview", "Causes", "Signs and symptoms"] and "Treatment" in headings
    assert "cookies" not in html.text and "Privacy" not in html.text and "Our team" not in html.text  # boilerplate
    assert html.url == "https://riverside-neuro.example/conditions/cervical-dystonia"
    md = read_document(PAGES / "baclofen.md")
    assert md.title.startswith("Baclofen") and [s.heading for s in md.sections][1] == "Side effects"
    txt = read_document(PAGES / "botulinum-toxin.txt")
    assert "Possible side effects" in [s.heading for s in txt.sections]


def test_bad_documents_are_reported_and_skipped(sqlite_library: Library, corpus: Path) -> None:
    report = sqlite_library.add([corpus])
    skipped = {Path(p).name: reason for p, reason in report.skipped}
    assert set(skipped) == {"empty.html", "nav-only.html", "binary.txt", "copy.md", "broken.pdf", "huge.txt"}
    assert "empty" in skipped["empty.html"] and "no usable text" in skipped["nav-only.html"]
    assert "duplicate of" in skipped["copy.md"] and "too much text" in skipped["huge.txt"]
    added = {Path(p).name for p in report.added}
    assert added == {"cervical-dystonia.html", "baclofen.md", "botulinum-toxin.txt", "gout.pdf", "broken.html",
                     "latin1.txt"}
    latin = sqlite_library.document(str((corpus / "bad" / "latin1.txt").resolve()))
    assert latin is not None and "Fièvre" in latin.text
    assert sqlite_library.add([corpus / "missing.html"]).skipped[0][1] == "no such file or folder"


def test_adding_is_idempotent_updates_changes_and_prune_removes_gone_files(
        sqlite_library: Library, corpus: Path) -> None:
    first = sqlite_library.add([corpus])
    again = sqlite_library.add([corpus])
    assert again.added == [] and again.updated == [] and len(again.unchanged) == len(first.added)
    page = corpus / "baclofen.md"
    page.write_text(page.read_text() + "\n## Pregnancy\nTalk to your doctor before taking baclofen in pregnancy.\n")
    changed = sqlite_library.add([corpus])
    assert [Path(p).name for p in changed.updated] == ["baclofen.md"]
    assert any(h.heading == "Pregnancy" for h in sqlite_library.search("baclofen pregnancy"))
    (corpus / "gout.pdf").unlink()
    assert [Path(p).name for p in sqlite_library.prune()] == ["gout.pdf"]
    names = {Path(d.source).name for d in sqlite_library.documents()}
    assert "gout.pdf" not in names and "baclofen.md" in names  # nothing else lost


def test_documents_link_to_conditions(sqlite_library: Library, corpus: Path) -> None:
    sqlite_library.add([corpus])
    by_name = {Path(d.source).name: d.conditions for d in sqlite_library.documents()}
    assert by_name["cervical-dystonia.html"] == ["cervical_dystonia"]
    assert "gout" in by_name["gout.pdf"]
    assert [Path(d.source).name for d in sqlite_library.clinic_pages("cervical_dystonia")] == [
        "botulinum-toxin.txt", "cervical-dystonia.html"]


def test_search_ranks_and_snippets(sqlite_library: Library, corpus: Path) -> None:
    sqlite_library.add([corpus])
    hits = sqlite_library.search("side effects of baclofen")
    assert hits[0].title.startswith("Baclofen") and hits[0].heading == "Side effects"
    assert "**" in hits[0].snippet
    kb_hits = sqlite_library.search("spasmodic torticollis", kind="kb")
    assert kb_hits and kb_hits[0].source == "kb:cervical_dystonia"  # built-in pages are searchable too
    assert sqlite_library.search("zzzqqq") == [] and sqlite_library.search("the and of") == []


def test_question_routing(engine: Engine, sqlite_library: Library, corpus: Path) -> None:
    sqlite_library.add([corpus])
    engine.attach_library(sqlite_library)
    try:
        info = engine.respond("Does botulinum toxin help cervical dystonia?")
        assert info["kind"] == "information"
        assert info["citations"][0]["kind"] == "clinic"  # the clinic's own page first
        assert any("three months" in p["quote"] or "botulinum" in p["quote"].lower() for p in info["passages"])
        assert info["conditions"][0]["id"] == "cervical_dystonia"  # with the knowledge base's summary
        leaflet = engine.respond("side effects of baclofen?")
        assert leaflet["passages"][0]["section"] == "Side effects"
        unknown = engine.respond("What is the capital of France?")
        assert unknown["kind"] == "unknown" and unknown["citations"] == [] and "don't know" in unknown["answer"]
        consult = engine.respond("I'm 59 and my neck keeps twisting to the right with spasms, I can't turn my head")
        assert consult["kind"] == "consult"
        dystonia = next(s for s in consult["citations"] if s["id"] == "cervical_dystonia")
        assert dystonia["clinic_pages"] and dystonia["url"] == dystonia["clinic_pages"][0]["url"]
        assert dystonia["kb_url"] == "/conditions/cervical_dystonia"
    finally:
        engine.attach_library(None)


def test_search_endpoint_and_library_page(engine: Engine, sqlite_library: Library, corpus: Path) -> None:
    sqlite_library.add([corpus])
    engine.attach_library(sqlite_library)
    try:
        client = TestClient(create_app(engine, Settings(rate_per_minute=0)))
        r = client.get("/v1/search", params={"q": "botulinum toxin"})
        assert r.status_code == 200 and r.json()["backend"] == "sqlite-fts5"
        first = r.json()["results"][0]
        assert "botulinum" in first["title"].lower() and first["url"].startswith("/library/page?source=")
        page = client.get(first["url"])
        assert page.status_code == 200 and "Possible side effects" in page.text
        info = client.post("/v1/ask", json={"text": "what is spasmodic torticollis?"})
        assert info.status_code == 200 and info.json()["kind"] == "information"
        html = client.post("/", data={"text": "side effects of baclofen?"}).text
        assert "What I found" in html and "drowsiness" in html
    finally:
        engine.attach_library(None)


# ---------------------------------------------------------------------------------------------------------------
# A real PostgreSQL server (the postgres_url fixture in conftest.py)


def test_postgresql_backend_behaves_like_sqlite(engine: Engine, postgres_url: str, corpus: Path) -> None:
    index = PostgresIndex(postgres_url)
    index.db.execute("DROP TABLE IF EXISTS lib_doc_conditions, lib_sections, lib_documents, lib_meta CASCADE")
    index.close()
    lib = _library(engine, PostgresIndex(postgres_url))
    try:
        report = lib.add([corpus])
        assert {Path(p).name for p in report.added} >= {"cervical-dystonia.html", "baclofen.md", "gout.pdf"}
        assert lib.add([corpus]).added == []  # idempotent
        hits = lib.search("side effects of baclofen")
        assert hits[0].title.startswith("Baclofen") and hits[0].heading == "Side effects" and "**" in hits[0].snippet
        assert lib.search("spasmodic torticollis", kind="kb")[0].source == "kb:cervical_dystonia"
        assert [Path(d.source).name for d in lib.clinic_pages("cervical_dystonia")] == [
            "botulinum-toxin.txt", "cervical-dystonia.html"]
        (corpus / "gout.pdf").unlink()
        assert [Path(p).name for p in lib.prune()] == ["gout.pdf"]
        doc = lib.document(str((corpus / "baclofen.md").resolve()))
        assert doc is not None and doc.sections[1].heading == "Side effects"
    finally:
        lib.close()


def test_read_document_errors_are_named(tmp_path: Path) -> None:
    odd = tmp_path / "notes.docx"
    odd.write_text("x")
    with pytest.raises(DocumentError, match="not a supported file type"):
        read_document(odd)
