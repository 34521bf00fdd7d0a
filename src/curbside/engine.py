"""The Engine: one explicitly loaded object that runs text -> Case -> Assessment -> Answer.

The CLI, the API and the tests all use it; nothing is loaded at import time. Loading validates the
knowledge base and compiles its lexicon once per knowledge-base version; the compiled form is cached
under ``CURBSIDE_HOME/cache`` (keyed by the KB's content hash and the compiling code), so later loads
skip both steps.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from curbside import config
from curbside.answer.compose import compose
from curbside.errors import BadAnswerError, NoFindingsError
from curbside.kb.loader import KnowledgeBase, builtin_data_dir, kb_digest, load_kb
from curbside.library.route import inform, is_informational
from curbside.library.service import Library
from curbside.reason.assess import Assessment, Reasoner
from curbside.reason.interview import DEFAULT_BUDGET, Answer, Interviewer, InterviewStep
from curbside.understand.case import Case, Status
from curbside.understand.parser import Parser


@dataclass
class Consult:
    """The result of one question: the assessment, the Markdown answer and the JSON payload."""

    assessment: Assessment
    answer: str
    payload: dict[str, Any]


class Engine:
    """A loaded knowledge base with its parser and reasoner."""

    def __init__(self, kb: KnowledgeBase, parser: Parser | None = None, reasoner: Reasoner | None = None) -> None:
        self.kb = kb
        self.parser = parser or Parser(kb)
        self.reasoner = reasoner or Reasoner(kb)
        self.interviewer = Interviewer(kb, self.reasoner)
        self.library: Library | None = None  # a clinic's pages, attached explicitly (attach_library)

    def attach_library(self, library: Library | None) -> None:
        """Use a library: its pages are cited in consults and answer informational questions."""
        self.library = library

    def _clinic_pages(self, condition_id: str) -> list[tuple[str, str, str]]:
        if self.library is None:
            return []
        name = self.kb.conditions[condition_id].name.split(" (")[0].lower()
        pages = sorted(self.library.clinic_pages(condition_id), key=lambda d: (name not in d.title.lower(), d.source))
        return [(d.title, d.url or f"/library/page?source={quote(d.source, safe='')}", d.source) for d in pages]

    @classmethod
    def load(cls, data_dir: Path | None = None, cache: bool = True) -> Engine:
        """Load a knowledge base (the built-in one by default), validated, and build the pipeline.

        Raises ``KnowledgeBaseError`` if the knowledge base is invalid. With ``cache``, a compiled copy of a
        knowledge base that validated before is reused.
        """
        root = data_dir or builtin_data_dir()
        path = _cache_path(root) if cache else None
        if path is not None and path.is_file():
            with contextlib.suppress(Exception):  # a stale or damaged cache is rebuilt below
                kb, lexicon, medicines, reasoner = pickle.loads(path.read_bytes())
                return cls(kb, Parser(kb, lexicon, medicines), reasoner)
        engine = cls(load_kb(root))
        if path is not None:
            with contextlib.suppress(OSError):
                _write_atomic(path, pickle.dumps(
                    (engine.kb, engine.parser.lexicon, engine.parser.medicine_matcher, engine.reasoner)))
        return engine

    def parse(self, text: str, age: float | None = None, sex: str | None = None) -> Case:
        return self.parser.parse(text, age=age, sex=_norm_sex(sex))

    def _require_findings(self, case: Case) -> None:
        if not any(f.status == Status.present and f.id not in self.reasoner.context_ids for f in case.findings):
            raise NoFindingsError(
                "I could not recognise a symptom in this question. Describe what you feel, where, since when "
                "and anything that makes it better or worse (for example: 'sore throat and fever for two days')."
            )

    def assess(self, case: Case) -> Assessment:
        self._require_findings(case)
        return self.reasoner.assess(case)

    def interview(self, text: str, answers: Any = None, age: float | None = None, sex: str | None = None,
                  budget: int = DEFAULT_BUDGET) -> InterviewTurn:
        """One stateless interview turn: the first text plus every answer so far -> the next question, or a stop.

        ``answers`` is a list of ``{"finding": id, "answer": "yes"|"no"|"unknown"}`` (or (id, answer) pairs).
        Raises ``InputError`` subclasses for unusable text or answers.
        """
        given = _answers(answers, self.kb)
        case = self.parse(text, age=age, sex=sex)
        if not any(a == Answer.yes for fid, a in given.items() if fid in self.kb.findings):
            self._require_findings(case)
        # Age and sex the text did not give were asked for (or skipped): they count as questions.
        personal = int(not case.age_in_text and (age is not None or "age" in given)) + int(
            not case.sex_in_text and (sex is not None or "sex" in given))
        step = self.interviewer.step(case, given, budget, personal_asked=personal)
        _, payload = compose(step.assessment, self.kb, self._clinic_pages)
        q = step.question
        payload["question"] = None if q is None else {"finding": q.finding, "text": q.text, "why": q.why,
                                                      "type": q.kind}
        payload["should_stop"] = step.should_stop
        payload["stop_reason"] = step.stop_reason
        payload["questions_asked"] = step.asked
        return InterviewTurn(step, payload)

    def respond(self, text: str, age: float | None = None, sex: str | None = None) -> dict[str, Any]:
        """Route a question: a description of symptoms gets the consult (``"kind": "consult"``); an informational
        question gets passages from the library and the knowledge base (``"information"``), or an honest "I don't
        know" (``"unknown"``) that cites nothing. Raises ``InputError`` subclasses for unusable text."""
        case = self.parse(text, age=age, sex=sex)
        return self._information(text, case) or self._consult(case).payload

    def information(self, text: str, age: float | None = None, sex: str | None = None) -> dict[str, Any] | None:
        """The informational answer to ``text``, or None when it describes symptoms and needs the consult."""
        return self._information(text, self.parse(text, age=age, sex=sex))

    def _information(self, text: str, case: Case) -> dict[str, Any] | None:
        if not is_informational(text, case, self.kb, bool(case.named_conditions or case.medicines)):
            return None
        info = inform(text, self.library, self.kb, case.named_conditions, [m.id for m in case.medicines])
        has_symptoms = any(f.status == Status.present and self.kb.findings[f.id].kind.value in ("symptom", "sign")
                           for f in case.findings)
        return info if info["kind"] == "information" or not has_symptoms else None

    def ask(self, text: str, age: float | None = None, sex: str | None = None) -> Consult:
        """Answer one free-text question; raises ``InputError`` subclasses for unusable input."""
        return self._consult(self.parse(text, age=age, sex=sex))

    def _consult(self, case: Case) -> Consult:
        assessment = self.assess(case)
        answer, payload = compose(assessment, self.kb, self._clinic_pages)
        return Consult(assessment, answer, payload)


@dataclass
class InterviewTurn:
    """One turn of an interview: the next question (or none) with the consult so far."""

    step: InterviewStep
    payload: dict[str, Any]


def _answers(raw: Any, kb: KnowledgeBase) -> dict[str, Answer]:
    out: dict[str, Answer] = {}
    for item in raw or []:
        if isinstance(item, dict):
            fid, ans = item.get("finding"), item.get("answer")
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            fid, ans = item
        else:
            raise BadAnswerError("Each answer must be {\"finding\": ID, \"answer\": \"yes\"|\"no\"|\"unknown\"}.")
        if not isinstance(fid, str) or (fid not in kb.findings and fid not in ("age", "sex")):
            raise BadAnswerError(f"Unknown finding in the answers: {str(fid)[:80]!r}.")
        try:
            out[fid] = Answer(ans)
        except ValueError as exc:
            raise BadAnswerError(f"The answer for {fid!r} must be yes, no or unknown.") from exc
    return out


def _norm_sex(sex: str | None) -> str | None:
    if sex is None:
        return None
    s = sex.strip().lower()
    return {"f": "female", "female": "female", "woman": "female", "m": "male", "male": "male",
            "man": "male"}.get(s)


def _code_hash() -> str:
    """A hash of Curbside's own source, so a cache compiled by other code is never reused."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _cache_path(root: Path) -> Path | None:
    try:
        return config.home() / "cache" / f"kb-{kb_digest(root)}-{_code_hash()}.pickle"
    except OSError:
        return None


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".kb-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def timed_load(data_dir: Path | None = None) -> tuple[Engine, float]:
    """Load an engine and return it with the seconds it took (for `make bench`)."""
    t0 = time.perf_counter()
    engine = Engine.load(data_dir)
    return engine, time.perf_counter() - t0
