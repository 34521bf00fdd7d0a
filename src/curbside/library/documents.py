"""Files -> documents: reading HTML, Markdown, plain text and PDF, stripping boilerplate, splitting by headings.

Owns what counts as a usable document and why one is skipped (empty, too big, unreadable, not text).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curbside.errors import CurbsideError

MAX_FILE_BYTES = 20 * 1024 * 1024  # larger files are skipped as too big
MAX_TEXT_CHARS = 500_000  # more extracted text than this is skipped as too big
MIN_TEXT_CHARS = 40  # less than this is an empty page
SUFFIXES = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown", ".txt": "text",
            ".text": "text", ".pdf": "pdf"}
_BOILERPLATE_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg",
                     "button", "template")
_BOILERPLATE_HINTS = re.compile(r"(^|[-_ ])(nav|navbar|menu|breadcrumb|cookie|banner|footer|header|sidebar|share|"
                                r"social|subscribe|newsletter|skip|advert|ads|popup|modal)([-_ ]|$)", re.I)
_SPACES = re.compile(r"[ \t\u00a0]+")


class DocumentError(CurbsideError):
    """A file that cannot be used as a document; the message says why."""

    code = "bad_document"


@dataclass
class Section:
    heading: str
    text: str


@dataclass
class Document:
    source: str  # the file's absolute path (or a URL)
    kind: str  # html | markdown | text | pdf
    title: str
    sections: list[Section] = field(default_factory=list)
    url: str | None = None  # canonical link, when the page gives one

    @property
    def text(self) -> str:
        return "\n\n".join(f"{s.heading}\n{s.text}" for s in self.sections)

    @property
    def content_hash(self) -> str:
        return hashlib.sha256((self.title + "\n" + self.text).encode("utf-8")).hexdigest()


def kind_of(path: Path) -> str | None:
    return SUFFIXES.get(path.suffix.lower())


def read_document(path: Path) -> Document:
    """Parse one file; raises ``DocumentError`` with the reason it cannot be used."""
    kind = kind_of(path)
    if kind is None:
        raise DocumentError(f"not a supported file type ({path.suffix or 'no extension'})")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DocumentError(f"cannot be read ({exc.strerror})") from exc
    if size == 0:
        raise DocumentError("empty file")
    if size > MAX_FILE_BYTES:
        raise DocumentError(f"too big ({size / 1e6:.1f} MB; the limit is {MAX_FILE_BYTES / 1e6:.0f} MB)")
    raw = path.read_bytes()
    if kind == "pdf":
        doc = _pdf(raw, path)
    else:
        text = _decode(raw)
        doc = _html(text, path) if kind == "html" else _markdown(text, path) if kind == "markdown" else _plain(
            text, path)
    doc.sections = [s for s in doc.sections if s.text.strip()]
    total = sum(len(s.text) for s in doc.sections)
    if total < MIN_TEXT_CHARS:
        raise DocumentError("no usable text (empty after removing navigation and markup)")
    if total > MAX_TEXT_CHARS:
        raise DocumentError(f"too much text ({total:,} characters; the limit is {MAX_TEXT_CHARS:,})")
    return doc


def _decode(raw: bytes) -> str:
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError("binary data, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:  # the commonest legacy encoding of Western web pages and text files
        text = raw.decode("cp1252")
        if sum(ch.isalpha() or ch.isspace() for ch in text) > 0.8 * len(text):
            return text
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None or best.encoding is None:
        raise DocumentError("unknown text encoding")
    text = str(best)
    if sum(1 for ch in text if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\n\r\t")) > len(text) * 0.01:
        raise DocumentError("unreadable text encoding")
    return text


def _clean(text: str) -> str:
    lines = [_SPACES.sub(" ", ln).strip() for ln in text.splitlines()]
    out: list[str] = []
    for ln in lines:
        if ln or (out and out[-1]):
            out.append(ln)
    return "\n".join(out).strip()


def _html(text: str, path: Path) -> Document:
    from bs4 import BeautifulSoup

    soup: Any = BeautifulSoup(text, "lxml")  # bs4 typing is looser than its stubs claim
    canonical = soup.find("link", rel="canonical")
    url = canonical.get("href") if canonical is not None else None
    title_tag = soup.find("title")
    for tag in soup.find_all(_BOILERPLATE_TAGS):
        tag.decompose()
    for tag in soup.find_all(attrs={"role": re.compile("navigation|banner|contentinfo|search", re.I)}):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.attrs is None:
            continue
        marker = " ".join([str(tag.get("id") or ""), *[str(c) for c in (tag.get("class") or [])]])
        if marker.strip() and _BOILERPLATE_HINTS.search(marker) and tag.name not in ("html", "body", "main"):
            tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    h1 = root.find("h1")
    title_h1 = h1
    title = (h1.get_text(" ", strip=True) if h1 else "") or (title_tag.get_text(" ", strip=True) if title_tag else "")
    sections: list[Section] = []
    heading = "Overview"
    buf: list[str] = []
    for el in root.find_all(["h1", "h2", "h3", "h4", "p", "li", "td", "dd", "dt", "pre", "blockquote"]):
        if el is title_h1:
            continue  # the page title, not a section
        if el.name in ("h1", "h2", "h3", "h4"):
            if buf:
                sections.append(Section(heading, _clean("\n".join(buf))))
                buf = []
            heading = el.get_text(" ", strip=True) or heading
            continue
        if el.find_parent(["li", "td", "blockquote"]) is not None and el.name == "p":
            continue
        piece = el.get_text(" ", strip=True)
        if piece:
            buf.append(("- " if el.name == "li" else "") + piece)
    if buf:
        sections.append(Section(heading, _clean("\n".join(buf))))
    if not sections:  # pages without block markup
        plain = _clean(root.get_text("\n", strip=True))
        if plain:
            sections.append(Section("Overview", plain))
    return Document(str(path.resolve()), "html", title or path.stem.replace("-", " ").replace("_", " "), sections,
                    str(url) if url else None)


_MD_HEADING = re.compile(r"^(#{1,4})\s+(.+?)\s*#*\s*$")


def _markdown(text: str, path: Path) -> Document:
    title = ""
    sections: list[Section] = []
    heading = "Overview"
    buf: list[str] = []
    for line in text.splitlines():
        m = _MD_HEADING.match(line)
        if m:
            if buf:
                sections.append(Section(heading, _clean("\n".join(buf))))
                buf = []
            heading = m.group(2).strip()
            if len(m.group(1)) == 1 and not title:
                title = heading
            continue
        buf.append(re.sub(r"[*_`]+", "", line))
    if buf:
        sections.append(Section(heading, _clean("\n".join(buf))))
    return Document(str(path.resolve()), "markdown", title or path.stem.replace("-", " ").replace("_", " "), sections)


def _plain(text: str, path: Path) -> Document:
    text = _clean(text)
    first, _, rest = text.partition("\n")
    title = first.strip() if 0 < len(first.strip()) <= 120 else path.stem.replace("-", " ").replace("_", " ")
    body = rest if title == first.strip() else text
    # "Heading:" lines or short lines followed by a blank line start sections.
    sections: list[Section] = []
    heading = "Overview"
    buf: list[str] = []
    for line in body.splitlines():
        if re.fullmatch(r"[A-Z][^.!?]{2,60}:?", line.strip()) and len(line.split()) <= 8 and (
                line.strip().endswith(":") or line.strip().istitle() or line.strip().isupper()):
            if buf:
                sections.append(Section(heading, _clean("\n".join(buf))))
                buf = []
            heading = line.strip().rstrip(":")
            continue
        buf.append(line)
    if buf:
        sections.append(Section(heading, _clean("\n".join(buf))))
    return Document(str(path.resolve()), "text", title, sections)


def _pdf(raw: bytes, path: Path) -> Document:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(raw))
        pages = [(page.extract_text() or "") for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(f"unreadable PDF ({exc.__class__.__name__})") from exc
    text = "\n".join(pages)
    doc = _plain(text, path)
    doc.kind = "pdf"
    if meta_title.strip():
        doc.title = meta_title.strip()
    return doc
