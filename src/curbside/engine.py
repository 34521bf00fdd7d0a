"""The Engine: one explicitly loaded object that runs text -> Case -> Assessment -> Answer.

The CLI, the API and the tests all use it; nothing is loaded at import time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curbside.answer.compose import compose
from curbside.errors import NoFindingsError
from curbside.kb.loader import KnowledgeBase, load_kb
from curbside.reason.assess import Assessment, Reasoner
from curbside.understand.case import Case, Status
from curbside.understand.parser import Parser


@dataclass
class Consult:
    """The result of one question: the assessment, the Markdown answer and the JSON payload."""

    assessment: Assessment
    answer: str
    payload: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return self.payload


class Engine:
    """A loaded knowledge base with its parser and reasoner."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.parser = Parser(kb)
        self.reasoner = Reasoner(kb)

    @classmethod
    def load(cls, data_dir: Path | None = None) -> Engine:
        """Load and validate a knowledge base (the built-in one by default) and build the pipeline."""
        return cls(load_kb(data_dir))

    def parse(self, text: str, age: float | None = None, sex: str | None = None) -> Case:
        return self.parser.parse(text, age=age, sex=_norm_sex(sex))

    def assess(self, case: Case) -> Assessment:
        if not any(f.status == Status.present and f.id not in self.reasoner.context_ids for f in case.findings):
            raise NoFindingsError(
                "I could not recognise a symptom in this question. Describe what you feel, where, since when "
                "and anything that makes it better or worse (for example: 'sore throat and fever for two days')."
            )
        return self.reasoner.assess(case)

    def ask(self, text: str, age: float | None = None, sex: str | None = None) -> Consult:
        """Answer one free-text question; raises ``InputError`` subclasses for unusable input."""
        assessment = self.assess(self.parse(text, age=age, sex=sex))
        answer, payload = compose(assessment, self.kb)
        return Consult(assessment, answer, payload)


def _norm_sex(sex: str | None) -> str | None:
    if sex is None:
        return None
    s = sex.strip().lower()
    return {"f": "female", "female": "female", "woman": "female", "m": "male", "male": "male",
            "man": "male"}.get(s)


def timed_load(data_dir: Path | None = None) -> tuple[Engine, float]:
    """Load an engine and return it with the seconds it took (for `make bench`)."""
    t0 = time.perf_counter()
    engine = Engine.load(data_dir)
    return engine, time.perf_counter() - t0
