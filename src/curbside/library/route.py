"""Question routing and informational answers.

Owns telling a description of symptoms (-> the consult) from an informational question ("what is spasmodic
torticollis?", "side effects of baclofen?"), and the answer to the latter: the best matching library sections
quoted with citations (title, section, source), the knowledge base's summary of the condition asked about, or an
honest "I don't know" that cites nothing when nothing relevant matches.
"""

from __future__ import annotations

import re
from typing import Any

from curbside.answer.compose import DISCLAIMER
from curbside.kb.loader import KnowledgeBase
from curbside.library.index import Hit, query_terms
from curbside.library.service import Library
from curbside.understand.case import Case, Status

_QUESTION_START = re.compile(
    r"^\W*(?:what|what's|whats|which|how|does|do|did|can|could|is|are|should|why|when|where|who|tell me|explain|"
    r"define|definition|meaning|info|information|side effects?|treatments?|causes?|symptoms? of|signs? of|"
    r"is there|are there|any)\b", re.I)
_PERSONAL = re.compile(r"\b(?:i|i'm|im|i've|ive|my|me|mine|we|our|he|she|his|her|son|daughter|baby|child|kid|"
                       r"husband|wife|mum|mom|dad|mother|father)\b", re.I)
_SYMPTOM_KINDS = ("symptom", "sign")
MAX_PASSAGES = 3
_GENERIC = frozenset({"is", "what", "whats", "mean", "means", "meaning", "about", "info", "information", "condition",
                      "disease", "called", "define", "definition", "explain"})
QUOTE_CHARS = 420


def is_informational(text: str, case: Case | None, kb: KnowledgeBase, names_something: bool = False) -> bool:
    """True for a question about a condition, test or medicine rather than a description of one's own symptoms.
    ``names_something``: the text names a condition or a medicine."""
    symptoms = [] if case is None else [
        f for f in case.findings if f.status == Status.present and kb.findings[f.id].kind.value in _SYMPTOM_KINDS]
    asks = bool(_QUESTION_START.search(text)) or text.rstrip().endswith("?")
    personal = bool(_PERSONAL.search(text))
    if symptoms and personal:
        return False
    if asks:
        return True
    return not symptoms and names_something


def _quote(hit: Hit) -> str:
    text = " ".join(hit.text.split())
    if len(text) <= QUOTE_CHARS:
        return text
    cut = text[:QUOTE_CHARS]
    return cut[: cut.rfind(" ")] + " …"


def _relevant(hit: Hit, topics: set[str], words: list[str], topic_words: list[str]) -> bool:
    """A passage about the condition asked about that says something on the question (its first section, or one
    whose heading or text has a word of the question other than the condition's name); without a named condition,
    a passage with every content word of the question."""
    body = f"{hit.heading} {hit.text}".lower()
    if topics & set(hit.conditions):
        return hit.position == 0 or any(w in body for w in topic_words)
    hay = f"{hit.title} {body}".lower()
    return bool(words) and all(w in hay for w in words)


def inform(question: str, library: Library | None, kb: KnowledgeBase, topics: list[str],
           medicines: list[str]) -> dict[str, Any]:
    """The answer to an informational question, as a JSON-ready payload ("kind": "information" or "unknown")."""
    hits: list[Hit] = library.search(question, limit=20) if library is not None else []
    topic_set = set(topics)
    # Without a named condition, every content word of the question must appear in a passage ("side effects of
    # baclofen" -> baclofen, side, effects); with one, passages about that condition qualify.
    words = [] if topic_set else query_terms(question, limit=6)
    names = " ".join(n.lower() for c in topics if c in kb.conditions
                     for n in [kb.conditions[c].name, *kb.conditions[c].synonyms])
    topic_words = [w for w in query_terms(question) if w not in names and w not in _GENERIC]
    if not topic_set and not medicines:
        hits = []  # nothing medical was recognised in the question: do not guess
    relevant = [h for h in hits if _relevant(h, topic_set, words, topic_words)]
    relevant.sort(key=lambda h: (h.kind != "clinic", -h.score))  # the clinic's own pages first
    chosen: list[Hit] = []
    for h in relevant:
        if len(chosen) == MAX_PASSAGES:
            break
        if not any(c.source == h.source and c.heading == h.heading for c in chosen):
            chosen.append(h)
    conditions = [kb.conditions[c] for c in dict.fromkeys(topics) if c in kb.conditions][:2]
    if not chosen and not conditions:
        return {
            "kind": "unknown",
            "question": question,
            "answer": "I don't know. Nothing in this clinic's pages or in Curbside's knowledge base answers that "
                      "question well, so I would rather not guess. A doctor or pharmacist can help.",
            "passages": [],
            "conditions": [],
            "citations": [],
            "disclaimer": DISCLAIMER,
            "triage": None,
            "error": None,
        }
    citations: list[dict[str, Any]] = []
    passages: list[dict[str, Any]] = []
    lines = ["# What I found", ""]
    for h in chosen:
        n = len(citations) + 1
        url = h.url or (None if h.source.startswith("kb:") else h.source)
        citations.append({"n": n, "title": h.title, "section": h.heading, "source": h.source, "url": url,
                          "kind": h.kind})
        passages.append({"title": h.title, "section": h.heading, "source": h.source, "url": url, "kind": h.kind,
                         "quote": _quote(h), "snippet": h.snippet, "conditions": h.conditions})
        lines += [f"**{h.title} — {h.heading}** [{n}]", "", f"> {_quote(h)}", ""]
    for c in conditions:
        if any(p["source"] == f"kb:{c.id}" and p["section"] == "Overview" for p in passages):
            continue
        n = len(citations) + 1
        citations.append({"n": n, "title": f"Curbside knowledge base: {c.name}", "section": "Overview",
                          "source": f"kb:{c.id}", "url": f"/conditions/{c.id}", "kind": "kb"})
        lines += [f"**In short — {c.name}** [{n}]", "", c.summary, ""]
    lines += ["## Sources", ""]
    for cit in citations:
        where = cit["url"] or cit["source"]
        lines.append(f"{cit['n']}. {cit['title']} — {cit['section']} ({where})")
    lines += ["", f"*{DISCLAIMER}*"]
    return {
        "kind": "information",
        "question": question,
        "answer": "\n".join(lines),
        "passages": passages,
        "conditions": [{"id": c.id, "name": c.name, "summary": c.summary, "url": f"/conditions/{c.id}"}
                       for c in conditions],
        "citations": citations,
        "disclaimer": DISCLAIMER,
        "triage": None,
        "error": None,
    }
