"""Text normalisation shared by the lexicon, the matcher and the validator.

One function decides what counts as "the same words": lower case, accents
folded, punctuation dropped, English Snowball stems, and a few filler words
(articles and possessives) skipped, so that "pain in my chest" and "pain in
the chest" normalise alike.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

_TOKEN = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")
FILLER = frozenset({"a", "an", "the", "my", "his", "her", "their", "your", "our", "its", "some", "any", "of"})
_stemmer = snowballstemmer.stemmer("english")


@dataclass(frozen=True, slots=True)
class Token:
    """A normalised token with its character span in the original text."""

    text: str  # lower-cased surface form
    stem: str
    start: int
    end: int


def fold(text: str) -> str:
    """Lower-case and strip accents; keeps length-independent offsets approximate."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.lower().replace("\u2019", "'").replace("\u2018", "'")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball stem of a lower-case word, with a few spellings unified."""
    word = word.replace("'", "")
    if word in _UNSTEMMED:
        return word
    word = _SPELLING.get(word, word)
    if _BRITISH_HINT.search(word):
        for pattern, american in _BRITISH:
            word = pattern.sub(american, word)
    return str(_stemmer.stemWord(word))


# British medical spellings folded to American ones before stemming, so both meet in one stem.
_BRITISH_HINT = re.compile(r"ae|oe|our$")
_BRITISH = [
    (re.compile(r"^oesophag"), "esophag"),
    (re.compile(r"^oestr"), "estr"),
    (re.compile(r"^foet"), "fet"),
    (re.compile(r"^paed"), "ped"),
    (re.compile(r"^gynaec"), "gynec"),
    (re.compile(r"^caes"), "ces"),
    (re.compile(r"^anaesth"), "anesth"),
    (re.compile(r"haem"), "hem"),
    (re.compile(r"aemi"), "emi"),
    (re.compile(r"oedem"), "edem"),
    (re.compile(r"rrhoe"), "rrhe"),
    (re.compile(r"pnoe"), "pne"),
    (re.compile(r"^(tum|col|hum|od|behavi|fav|vap)our"), r"\1or"),
]


# Words whose stem would merge them with a word of another meaning ("tearful" with "tearing").
_UNSTEMMED = frozenset({"tearful", "tearfulness", "spotting"})


# Lay words and irregular forms that should meet their standard word in one stem (British spellings are folded
# by _BRITISH below; regular inflections by the stemmer).
_SPELLING = {
    "faeces": "feces",
    "coloured": "colored",
    "wee": "pee",
    "weeing": "pee",
    "poo": "poop",
    "pooing": "poop",
    "tummy": "belly",
    "nauseous": "nausea",
    "nauseated": "nausea",
    "feverish": "fever",
    "itchy": "itch",
    "tiredness": "tired",
    "swollen": "swell",
    "bled": "bleed",
    "bloody": "blood",
    "threw": "throw",
    "thrown": "throw",
    "achy": "ache",
    "spun": "spin",
}


_NOT = ("not",)
# Contractions expand to the words they stand for, with and without the apostrophe.
_CONTRACTIONS: dict[str, tuple[str, ...]] = {
    "i'm": ("i", "am"), "im": ("i", "am"), "i've": ("i", "have"), "ive": ("i", "have"), "i'd": ("i", "would"),
    "i'll": ("i", "will"), "it's": ("it", "is"), "he's": ("he", "is"), "she's": ("she", "is"),
    "that's": ("that", "is"), "there's": ("there", "is"), "you're": ("you", "are"), "they're": ("they", "are"),
    "we're": ("we", "are"), "cannot": ("can", *_NOT), "can't": ("can", *_NOT), "cant": ("can", *_NOT),
    "won't": ("will", *_NOT), "wont": ("will", *_NOT), "don't": ("do", *_NOT), "dont": ("do", *_NOT),
    "doesn't": ("does", *_NOT), "doesnt": ("does", *_NOT), "didn't": ("did", *_NOT), "didnt": ("did", *_NOT),
    "isn't": ("is", *_NOT), "isnt": ("is", *_NOT), "aren't": ("are", *_NOT), "wasn't": ("was", *_NOT),
    "weren't": ("were", *_NOT), "haven't": ("have", *_NOT), "havent": ("have", *_NOT), "hasn't": ("has", *_NOT),
    "hadn't": ("had", *_NOT), "couldn't": ("could", *_NOT), "couldnt": ("could", *_NOT),
    "wouldn't": ("would", *_NOT), "shouldn't": ("should", *_NOT),
}


def tokenize(text: str) -> list[Token]:
    """Split text into normalised tokens, keeping offsets into ``text``; contractions are expanded."""
    folded = fold(text)
    if len(folded) != len(text):  # accents expanded; fall back to a per-char fold
        folded = "".join(fold(ch)[:1] or " " for ch in text)
    out: list[Token] = []
    for m in _TOKEN.finditer(folded):
        word = m.group(0)
        expanded = _CONTRACTIONS.get(word)
        if expanded:
            out.extend(Token(w, stem(w), m.start(), m.end()) for w in expanded)
        else:
            out.append(Token(word, stem(word), m.start(), m.end()))
    return out


def key_tokens(tokens: list[Token]) -> list[Token]:
    """Tokens that count for matching (fillers removed)."""
    return [t for t in tokens if t.text not in FILLER]


def phrase_key(phrase: str) -> tuple[str, ...]:
    """The normalised key of a lexicon phrase: its non-filler stems."""
    return tuple(t.stem for t in key_tokens(tokenize(phrase)))
