"""The findings lexicon: phrasings compiled to stem sequences and matched in text.

Owns matching: ordered stems with up to ``MAX_GAP`` extra words in between
inside one clause, longest match first, no match wholly inside another, and typo tolerance
(rapidfuzz) for longer words that are not in the lexicon's vocabulary.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from curbside.kb.loader import KnowledgeBase
from curbside.understand.text import FILLER, Token, key_tokens, phrase_key, stem, tokenize

MAX_GAP = 3  # words skipped between two phrasing words (longer phrasings)
MAX_GAP_SHORT = 2  # for two-word phrasings, whose words are often common on their own
# Words never to "correct" into a lexicon word: ordinary English that a typo matcher would abuse.
_COMMON = frozenset(
    """about above after again against along already also always another around because before being below
    between both cannot could doing during each every first found from further having here itself just later
    least maybe might minutes months morning night nothing often other others person really right since should
    something sometimes still their there these thing things think those though through times today tomorrow
    under until usually weeks where which while whole would years yesterday
    """.split()
)
_BARRIER = re.compile(r"[,;:.!?()\[\]\n]|\s-\s")
_NEGATION_STEMS = frozenset({"no", "not", "never", "without", "non", "none"})
_BLOCKING = frozenset({"but", "no", "not", "without", "denies", "never", "nor", "except", "although", "however"})


def _kb_texts(kb: KnowledgeBase) -> list[str]:
    out: list[str] = []
    for c in kb.conditions.values():
        out += [c.name, *c.synonyms, *c.tests, *c.treatments, *c.self_care, *c.red_flags, c.summary]
        out += [a.text for a in c.advice]
    for f in kb.findings.values():
        out += [f.name, f.question, *f.phrasings]
    for m in kb.medicines.values():
        out += [m.name, *m.names]
    return out


@dataclass(frozen=True, slots=True)
class Match:
    """One finding matched in the text."""

    finding_id: str
    start: int  # character offsets in the original text
    end: int
    text: str
    phrase: str  # the lexicon phrasing that matched
    fuzzy: bool = False


class Lexicon:
    """Compiled phrasings of every finding in a knowledge base."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], str, str]]] = defaultdict(list)
        vocab: set[str] = set()
        for f in kb.findings.values():
            for p in f.phrasings:
                key = phrase_key(p)
                if key:
                    self._by_first[key[0]].append((key, f.id, p))
                for t in tokenize(p):
                    if t.text not in FILLER:
                        vocab.add(t.text)
        for entries in self._by_first.values():
            entries.sort(key=lambda e: -len(e[0]))
        self._stems = {stem(w) for w in vocab}
        # Symptoms and signs: a match wholly inside a longer symptom or sign match is part of that description.
        self._clinical = frozenset(f.id for f in kb.findings.values() if f.kind.value in ("symptom", "sign"))
        # ...and so is an exposure ("crushing chest" inside "crushing chest pain" is not a chest injury).
        self._nestable = self._clinical | frozenset(
            f.id for f in kb.findings.values() if f.kind.value == "risk_factor")
        self._vocab = sorted(w for w in vocab if len(w) >= 5 and w.isalpha())
        # Real words used anywhere in the knowledge base are never "corrected" into another word.
        self._known = {t.stem for text in _kb_texts(kb) for t in tokenize(text)}
        # What each finding entails (itself and, transitively, what it implies).
        self._entails: dict[str, frozenset[str]] = {}
        for fid in kb.findings:
            seen, stack = {fid}, [fid]
            while stack:
                for target in kb.findings[stack.pop()].implies:
                    if target not in seen:
                        seen.add(target)
                        stack.append(target)
            self._entails[fid] = frozenset(seen)

    @lru_cache(maxsize=32768)  # noqa: B019 - the lexicon lives as long as the engine
    def correct(self, word: str) -> str | None:
        """A lexicon word within a small edit distance of ``word``, if ``word`` is unknown."""
        if len(word) < 5 or not word.isalpha() or word in _COMMON or stem(word) in self._known:
            return None
        limit = 1 if len(word) < 10 else 2
        hit = process.extractOne(word, self._vocab, scorer=Levenshtein.distance, score_cutoff=limit)
        if hit is None or hit[0][0] != word[0]:
            return None
        return str(hit[0])

    def match(self, text: str, tokens: list[Token] | None = None) -> list[Match]:
        """Findings in ``text``; ``tokens`` may pass its already computed key tokens."""
        tokens = key_tokens(tokenize(text)) if tokens is None else tokens
        if not tokens:
            return []
        stems: list[str] = []
        fuzzy: list[bool] = []
        for t in tokens:
            fixed = None if t.stem in self._stems else self.correct(t.text)
            stems.append(stem(fixed) if fixed else t.stem)
            fuzzy.append(fixed is not None)
        # A barrier sits between token i-1 and i when punctuation separates them.
        barrier = [False] * len(tokens)
        for i in range(1, len(tokens)):
            barrier[i] = bool(_BARRIER.search(text, tokens[i - 1].end, tokens[i].start))
        candidates: list[tuple[int, int, list[int], str, str]] = []
        in_text = set(stems)
        for i, s in enumerate(stems):
            for key, fid, phrase in self._by_first.get(s, ()):
                if len(key) > 1 and not in_text.issuperset(key[1:]):
                    continue
                positions = self._extend(key, i, stems, tokens, barrier)
                if positions:
                    span_len = positions[-1] - positions[0]
                    candidates.append((len(key), -span_len, positions, fid, phrase))
        candidates.sort(key=lambda c: (-c[0], -c[1], c[2][0]))
        covered: dict[int, list[str]] = {}  # token position -> findings accepted over it
        out: list[Match] = []
        found: set[str] = set()
        for _, _, positions, fid, phrase in candidates:
            # A match wholly inside a longer accepted one that entails it adds nothing ("chest pain" inside
            # "crushing chest pain"); one that shares only some words, or is not entailed ("hurt my back" inside
            # "hurt my back lifting"), is kept.
            if all(p in covered for p in positions) and any(
                    fid in self._entails.get(other, frozenset()) for p in positions for other in covered[p]):
                continue
            # ... and a symptom or sign wholly inside one longer symptom or sign match is a word of its description
            # ("pale stools" is not pallor; "cough impulse" is not a cough).
            if fid in self._nestable and all(p in covered for p in positions) and any(
                    all(other in covered[p] for p in positions) and other in self._clinical
                    for other in covered[positions[0]]):
                continue
            if fid in found and any(p in covered for p in positions):
                continue
            found.add(fid)
            for p in positions:
                covered.setdefault(p, []).append(fid)
            start, end = tokens[positions[0]].start, tokens[positions[-1]].end
            out.append(Match(fid, start, end, text[start:end], phrase, any(fuzzy[p] for p in positions)))
        out.sort(key=lambda m: m.start)
        return out

    @staticmethod
    def _extend(
        key: tuple[str, ...], i: int, stems: list[str], tokens: list[Token], barrier: list[bool]
    ) -> list[int] | None:
        positions = [i]
        pos = i
        # A phrasing that starts with a negation ("no appetite") must match word for word, or it would match
        # across a list of denials ("no loss of appetite").
        gap = 0 if key[0] in _NEGATION_STEMS else MAX_GAP_SHORT if len(key) == 2 else MAX_GAP
        for want in key[1:]:
            found = None
            for nxt in range(pos + 1, min(pos + 2 + gap, len(stems))):
                if barrier[nxt]:
                    break
                if stems[nxt] == want:
                    found = nxt
                    break
                if tokens[nxt].text in _BLOCKING or tokens[nxt].text[0].isdigit():
                    break  # never skip a denial or a number ("28 and 10 weeks pregnant")
            if found is None:
                return None
            positions.append(found)
            pos = found
        return positions


class NameMatcher:
    """Contiguous, exact (stemmed) matching of names (medicines, conditions) to their ids."""

    def __init__(self, names: list[tuple[str, str]]) -> None:
        self._names: dict[tuple[str, ...], str] = {}
        for name, ident in names:
            key = phrase_key(name)
            if key:
                self._names.setdefault(key, ident)
        self._longest = max((len(k) for k in self._names), default=0)

    def match(self, text: str, tokens: list[Token] | None = None) -> list[tuple[str, int, int]]:
        """(id, start, end) for each mention, longest names first, no overlaps."""
        tokens = key_tokens(tokenize(text)) if tokens is None else tokens
        out: list[tuple[str, int, int]] = []
        i = 0
        while i < len(tokens):
            for n in range(min(self._longest, len(tokens) - i), 0, -1):
                ident = self._names.get(tuple(t.stem for t in tokens[i:i + n]))
                if ident:
                    out.append((ident, tokens[i].start, tokens[i + n - 1].end))
                    i += n
                    break
            else:
                i += 1
        return out


class MedicineMatcher(NameMatcher):
    """The medicine names in the knowledge base."""

    def __init__(self, kb: KnowledgeBase) -> None:
        super().__init__([(name, m.id) for m in kb.medicines.values() for name in m.names])


class ConditionMatcher(NameMatcher):
    """Condition names and synonyms (for "family history: coeliac disease"); single words of under four letters
    (abbreviations such as "flu") are left out."""

    def __init__(self, kb: KnowledgeBase) -> None:
        names = [(name, c.id) for c in kb.conditions.values() for name in c.all_names()
                 if len(phrase_key(name)) > 1 or len(name) >= 4]
        super().__init__(names)
