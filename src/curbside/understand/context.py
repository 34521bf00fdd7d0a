"""Assertion status of each matched finding with medspacy's ConText.

Owns the ConText rule set (negation, past history, family history, hypotheticals,
uncertainty) written for lay and clinical English, and a tiny spaCy pipeline
(blank English + rule sentencizer + ConText) that needs no downloaded model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import spacy
from medspacy.context import ConText, ConTextRule
from spacy.language import Language
from spacy.tokens import Doc, Span

GROUP = "curbside_findings"

# (literal, category, direction). Categories are medspacy's defaults so the span attributes map.
_RULES: list[tuple[str, str, str]] = [
    # negation
    *[(w, "NEGATED_EXISTENCE", "FORWARD") for w in (
        "no", "not", "denies", "denied", "deny", "without", "never", "negative for", "free of", "absence of", "nor",
        "no sign of", "no signs of", "no evidence of", "no history of", "don't have", "do not have", "doesn't have",
        "does not have", "didn't have", "haven't had", "have not had", "hasn't had", "has not had", "no longer",
        "not had", "never had", "isn't", "wasn't", "aren't", "none", "neither", "not any",
        "no known", "no obvious", "nowhere near", "nothing like", "not like", "not the worst", "not as bad as",
        "not experiencing", "not feeling", "haven't noticed", "hasn't noticed", "ruled out",
        "don't", "doesn't", "didn't", "haven't", "hasn't", "absent", "resolved", "unremarkable for",
    )],
    # "non" binds to the next word or two ("non-smoker", "non bloody diarrhoea"), not to a whole list
    ("non", "NEGATED_EXISTENCE", "FORWARD_SHORT"),
    *[(w, "NEGATED_EXISTENCE", "BACKWARD") for w in (
        "absent", "was ruled out", "is ruled out", "not present", "negative", "denied", "free", "gone now", "resolved",
        "normal", "is normal", "was normal", "were normal", "came back normal", "unremarkable", "within normal limits",
        "not reported", "none",
    )],
    # past history (not happening now)
    *[(w, "HISTORICAL", "BIDIRECTIONAL") for w in (
        "years ago", "year ago", "in the past", "previously", "used to", "long ago", "a while ago",
        "as a child", "when i was younger", "when i was a child", "last year", "many years ago",
        "decades ago", "in my youth", "years back", "had once", "past episode",
    )],
    *[(w, "HISTORICAL", "FORWARD") for w in (
        "history of", "hx of", "h/o", "past medical history", "pmh", "past history", "known case of",
        "diagnosed with", "was diagnosed with", "background of", "previous history of",
    )],
    # family
    *[(w, "FAMILY", "FORWARD") for w in (
        "family history", "family history of", "fhx", "mother", "father", "mom", "mum", "dad", "sister", "brother",
        "grandmother", "grandfather", "aunt", "uncle", "cousin", "parents", "sibling", "siblings", "runs in",
    )],
    *[(w, "FAMILY", "BACKWARD") for w in ("runs in the family", "in the family", "in my family")],
    # hypothetical / worry
    *[(w, "HYPOTHETICAL", "FORWARD") for w in (
        "if", "in case", "should i", "what if", "whether", "could it be", "afraid of", "worried about", "worried it",
        "scared of", "concerned about", "risk of", "to prevent", "prevent", "avoid", "watch for", "look out for",
        "is it", "could this be", "can it be", "could be",
    )],
    # terminations end a modifier's scope
    *[(w, "TERMINATE", "TERMINATE") for w in (
        "but", "however", "although", "though", "except", "apart from", "aside from", "yet", "which", "who", "and then",
        "now", "currently", "still", "today", "recently", "since", "while", "whereas", "presents with", "complains of",
        "reports", "has", "is having", "started", "then",
    )],
    # pseudo-triggers: look like triggers but are not
    *[(w, "PSEUDO", "PSEUDO") for w in (
        "no increase", "not only", "not certain if",
        # "no change in bowel habit" denies a change; "no change with painkillers" does not deny the pain
        "no change with", "no change after", "no change despite", "no change on", "no change when", "no change from",
        "not sure if", "no further", "gram negative",
        "not clear", "not improving", "not getting better", "not go away", "not going away", "doesn't go away",
        "won't go away", "not stop", "can't stop", "cannot stop", "not able", "unable", "no relief", "not relieved",
        "nothing helps", "no matter", "not help", "doesn't help", "didn't help", "not helping", "no reason",
        "no trigger", "no obvious trigger", "no apparent reason", "without warning", "without any trigger",
        "not feeling well", "not well", "no energy", "no appetite", "can't", "cannot", "can not turn", "no idea",
        # "a 6-month history of cough" is the present illness, not past history
        *[f"{unit} history of" for unit in ("day", "days", "week", "weeks", "month", "months", "year", "years",
                                             "hour", "hours")],
        *[f"{unit} history" for unit in ("day", "days", "week", "weeks", "month", "months", "year", "years")],
        *[f"{unit} hx" for unit in ("day", "days", "week", "weeks", "month", "months", "year", "years")],
        *[f"{unit} hx of" for unit in ("day", "days", "week", "weeks", "month", "months", "year", "years")],
        "history of presenting", "history of present illness",
        # "she has a history of fatigue and ice craving": an ongoing complaint in a clinical note
        "has history of", "has a history of", "long term history of", "long-term history of", "long history of",
        "longstanding history of", "long standing history of", "long-standing history of", "lifelong history of",
        "has a long history of", "has had a history of",
        "gives a history of", "gives history of", "reports a history of", "with a history of",
        # "in the past few days" is recent, not past history
        "in the past few", "in the past couple", "in the past 24", "in the past 48", "in the past week",
        "in the past day", "in the past month", "in the past two", "in the past three", "in the past hour",
        # a rash that does not fade when pressed is a finding, not a denial
        "doesn't fade", "does not fade", "don't fade", "do not fade", "didn't fade", "not fading", "won't fade",
        "doesn't blanch", "does not blanch", "non blanching", "non-blanching", "doesn't go away when", "not blanching",
        "non productive", "non-productive", "non stop", "nonstop", "not bad",
        # a long present illness is not past history; "bruises without injury" is a finding
        "for several years", "for many years", "for years", "over several years", "over the years",
        "without injury", "without trauma", "without any injury", "without cause", "without reason",
        "without any reason", "without trying", "without warning",
        # a parent reporting on a child is not family history
        *[f"{who} {verb}" for who in ("mother", "father", "mom", "mum", "dad", "parents", "parent")
          for verb in ("reports", "report", "says", "say", "states", "noticed", "notices", "brought", "brings",
                       "is worried", "are worried", "describes", "describe", "complains", "complain", "mentions",
                       "explains", "admits", "tells", "told", "thinks", "feels", "has noticed", "noted")],
        # "non-tender hepatomegaly" is hepatomegaly; "free fluid in the pelvis" is a finding
        "free t4", "free t3", "free thyroxine", "free light chains", "free psa",
        "non-tender", "non tender", "nontender", "non-insulin-dependent", "non insulin dependent",
        "non-insulin dependent", "free fluid", "free air", "fluid free", "don't fit", "doesn't fit",
        "won't fit", "do not fit", "does not fit", "no longer fit",
    )],
]


_LEADING_HISTORY = re.compile(r"(?:history of|hx of|h/o|previous|prior|past)\s+", re.I)
_SCOPE = {"NEGATED_EXISTENCE": 7, "HYPOTHETICAL": 8, "FAMILY": 10, "HISTORICAL": 12}
# Triggers that look back ("Coombs negative", "fever denied") or both ways ("... last year") reach only the
# nearest words: "raised LDH, low haptoglobin, Coombs negative" denies only the Coombs test.
_SCOPE_BACKWARD = {"NEGATED_EXISTENCE": 3, "HISTORICAL": 6}


def _scope(category: str, direction: str) -> int | None:
    if direction in ("BACKWARD", "BIDIRECTIONAL") and category in _SCOPE_BACKWARD:
        return _SCOPE_BACKWARD[category]
    return _SCOPE.get(category)


@dataclass(frozen=True, slots=True)
class Assertion:
    negated: bool
    historical: bool
    family: bool
    hypothetical: bool


_CLAUSE_JOINERS = frozenset({"and", ",", "but", "so", "then", ";", "plus"})
_FIRST_PERSON_VERBS = frozenset({"have", "'ve", "am", "'m", "get", "feel", "keep", "also", "now", "still", "just",
                                 "found", "noticed", "felt", "started", "woke", "developed", "got", "had", "can",
                                 "ca", "cannot", "was", "suddenly", "recently"})


@Language.component("curbside_clauses")
def split_first_person_clauses(doc: Doc) -> Doc:
    """Start a new sentence at a first-person clause ("..., and I have a cough"), which starts a new assertion:
    a denial before it ("not pregnant") must not reach the findings after it."""
    for i in range(1, len(doc) - 1):
        if doc[i].lower_ == "i" and doc[i - 1].lower_ in _CLAUSE_JOINERS and doc[i + 1].lower_ in _FIRST_PERSON_VERBS:
            doc[i].is_sent_start = True
    return doc


def build_pipeline() -> Language:
    """A blank English pipeline with sentence splitting and ConText; nothing is downloaded."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("curbside_clauses")
    # Scope is the sentence, further limited per category (in tokens) so a list like
    # "no fever, cough for a week" does not negate everything after it.
    rules = [ConTextRule(lit, cat, direction="FORWARD", max_scope=2) if dirn == "FORWARD_SHORT" else
             ConTextRule(lit, cat, direction=dirn, max_scope=_scope(cat, dirn)) for lit, cat, dirn in _RULES]
    ctx: ConText = nlp.add_pipe(
        "medspacy_context",
        config={"rules": None, "input_span_type": "group", "span_group_name": GROUP},
    )
    ctx.add(rules)
    return nlp


def assert_spans(nlp: Language, text: str, spans: list[tuple[int, int]]) -> list[Assertion]:
    """ConText assertions for character spans of ``text`` (same order as given)."""
    doc: Doc = nlp.make_doc(text)
    group: list[Span] = []
    index: list[int] = []
    for i, (start, end) in enumerate(spans):
        # A phrasing that starts with its own history words ("history of DVT") is asserted without them, so that
        # "no history of DVT" reaches it.
        lead = _LEADING_HISTORY.match(text, start, end)
        if lead and lead.end() < end:
            start = lead.end()
        span = doc.char_span(start, end, label="FINDING", alignment_mode="expand")
        if span is not None:
            group.append(span)
            index.append(i)
    doc.spans[GROUP] = group
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    out = [Assertion(False, False, False, False)] * len(spans)
    for i, span in zip(index, doc.spans[GROUP], strict=False):
        # A trigger word inside the finding's own words ("back to normal within a minute") does not modify it.
        # A denial that looks back stops at a comma ("rebound tenderness, absent bowel sounds").
        cats = {m.category for m in span._.modifiers
                if not (span.start <= m.modifier_span[0] and m.modifier_span[1] <= span.end)
                and not (m.modifier_span[0] >= span.end and any(
                    t.text in {",", ";"} for t in doc[span.end:m.modifier_span[0]]))}
        negated = "NEGATED_EXISTENCE" in cats
        if negated and _list_broken(doc, span):
            negated = False
        out[i] = Assertion(negated, "HISTORICAL" in cats, "FAMILY" in cats, "HYPOTHETICAL" in cats)
    return out


def _list_broken(doc: Doc, span: Span) -> bool:
    """Whether a forward denial stops at a comma before this finding: the denial is "without", or the denied item
    before the comma is a phrase of three or more words ("no periods for 5 months, milky discharge from both
    nipples"), and no "or"/"nor" follows in the sentence (which would make it one denied list: "no fever, chills or
    sweats")."""
    for mod in span._.modifiers:
        if mod.category != "NEGATED_EXISTENCE" or mod.modifier_span[1] > span.start:
            continue
        start = mod.modifier_span[1]
        commas = [t.i for t in doc[start:span.start] if t.text == ","]
        if not commas:
            continue
        first_item = [t for t in doc[start:commas[0]] if not t.is_punct]
        rest = {t.lower_ for t in doc[commas[0]:span.sent.end]}
        # "without" qualifies what it follows ("bruising without trauma, difficulty rising from a chair"), so
        # any comma ends it unless an "or" makes a denied list ("without fever, chills or sweats").
        short_ok = mod.rule.literal.lower() == "without"
        if (len(first_item) >= 3 or short_ok) and not rest & {"or", "nor"}:
            return True
    return False
