"""Assessment -> Answer: the written consult and its JSON form.

Owns the wording around the knowledge base's statements (urgency banners,
"why" sentences built from the person's own findings), the citation list, and
the JSON object returned by ``ask --json`` and the API. Every clinical statement
comes from the KB entry it cites; nothing here invents medical content.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from curbside.kb.loader import KnowledgeBase
from curbside.kb.schema import AdviceTopic, Condition, Triage
from curbside.reason.assess import Assessment, Evidence, RankedCondition, _pct

URGENCY = {
    Triage.emergency: {
        "title": "Urgency: EMERGENCY — get help now",
        "action": "Call your local emergency number (for example 911, 112 or 999) or go to the nearest emergency "
                  "department now. Do not drive yourself.",
        "fallback": "Because of the warning signs above, do not wait: get emergency help now.",
    },
    Triage.urgent: {
        "title": "Urgency: URGENT — see a doctor today",
        "action": "Contact a doctor, an urgent care centre or an out-of-hours service today. If it gets worse, "
                  "call your local emergency number.",
        "fallback": "Please see a doctor today so they can examine you.",
    },
    Triage.routine: {
        "title": "Urgency: ROUTINE — book an appointment",
        "action": "Book an appointment with a doctor in the coming days; it does not need emergency care unless "
                  "the warning signs below appear.",
        "fallback": "Please book an appointment with your family doctor to talk it through.",
    },
    Triage.self_care: {
        "title": "Urgency: SELF-CARE — can usually be managed at home",
        "action": "This can usually be looked after at home, with a pharmacist's advice if needed. See a doctor if "
                  "it is not improving, or at once if any warning sign below appears.",
        "fallback": "If it does not settle, or you are worried, see your family doctor or a pharmacist.",
    },
}
TOPIC_TITLES = {
    AdviceTopic.driving: "About driving",
    AdviceTopic.work: "About work",
    AdviceTopic.sport: "About sport and exercise",
    AdviceTopic.pregnancy: "About pregnancy",
    AdviceTopic.travel: "About travel",
    AdviceTopic.children: "About children",
    AdviceTopic.general: "Good to know",
}
DISCLAIMER = (
    "This is not a diagnosis. Curbside gives general information from an open knowledge base; it cannot examine "
    "you and may be wrong."
)
_env = Environment(
    loader=PackageLoader("curbside.answer", "templates"),
    undefined=StrictUndefined,
    autoescape=False,
    trim_blocks=False,
    lstrip_blocks=False,
    keep_trailing_newline=True,
)


# A condition id -> the clinic's own pages about it, as (title, url, source).
ClinicPages = Callable[[str], list[tuple[str, str, str]]]


@dataclass
class _Citer:
    """Numbers the sources of each condition cited, in order of first use: the clinic's own pages about it first,
    then the knowledge-base page."""

    kb: KnowledgeBase
    pages: ClinicPages | None = None

    def __post_init__(self) -> None:
        self.order: list[str] = []

    def cite(self, condition_id: str) -> int:
        if condition_id not in self.order:
            self.order.append(condition_id)
        return self.order.index(condition_id) + 1

    def sources(self) -> list[dict[str, Any]]:
        out = []
        for i, cid in enumerate(self.order, 1):
            c = self.kb.conditions[cid]
            clinic = [{"title": t, "url": u, "source": src} for t, u, src in (self.pages(cid) if self.pages else [])]
            kb_title = f"Curbside knowledge base: {c.name}"
            out.append({
                "n": i,
                "id": cid,
                "title": clinic[0]["title"] if clinic else kb_title,
                "ref": f"kb:{cid} (ICD-10-CM {', '.join(c.icd10)}; KB version {self.kb.version})",
                "url": clinic[0]["url"] if clinic else f"/conditions/{cid}",
                "kb_title": kb_title,
                "kb_url": f"/conditions/{cid}",
                "clinic_pages": clinic,
                "kb_file": self.kb.files.get(cid, ""),
            })
        return out


def _first_sentence(text: str) -> str:
    end = text.find(". ")
    return text if end == -1 else text[: end + 1]


def _lower(name: str) -> str:
    return name if name[:2].isupper() else name[0].lower() + name[1:]


def _why(items: list[Evidence], limit: int = 5) -> str:
    """Findings that fit, strongest first: what the person reported, then what they denied."""
    strong = [e for e in items if e.ratio >= 1.5]
    words = [_lower(e.name) if e.present else f"no {_lower(e.name)}" for e in strong[:limit]]
    return "; ".join(words)


def _why_against(items: list[Evidence], limit: int = 4) -> str:
    """Findings that argue against: reported but atypical, or typical but denied."""
    strong = [e for e in items if e.ratio <= 0.6]
    words = [f"{_lower(e.name)} is not typical of it" if e.present else f"no {_lower(e.name)}, which it usually brings"
             for e in strong[:limit]]
    return "; ".join(words)


def compose(assessment: Assessment, kb: KnowledgeBase, pages: ClinicPages | None = None) -> tuple[str, dict[str, Any]]:
    """Render the Markdown consult and return it with the JSON-ready payload; ``pages`` gives the clinic's own pages
    about a condition, cited before the knowledge base's."""
    citer = _Citer(kb, pages)
    level = assessment.triage.level
    shown = assessment.conditions[:5]
    conditions = []
    for rc in shown:
        c = rc.condition
        conditions.append({
            "name": c.name,
            "percent": _pct(rc.probability),
            "cite": citer.cite(c.id),
            "summary_first": _first_sentence(c.summary),
            "why_for": _why([e for e in rc.supporting if e.present] + [e for e in rc.supporting if not e.present]),
            "why_against": _why_against(rc.opposing),
        })
    rule_out = [{"name": r.condition.name, "cite": citer.cite(r.condition.id),
                 "summary_first": _first_sentence(r.condition.summary)} for r in assessment.rule_out[:5]]
    lead: Condition | None = shown[0].condition if shown else None
    tests, treatments, self_care, red_flags, advice = [], [], [], [], []
    if lead is not None:
        n = citer.cite(lead.id)
        tests = [{"text": t, "cite": n} for t in lead.tests[:4]]
        treatments = [{"text": t, "cite": n} for t in lead.treatments[:5]]
        self_care = [{"text": t, "cite": n} for t in lead.self_care[:4]]
        red_flags = [{"text": t, "cite": n} for t in lead.red_flags[:5]]
        topics = set(assessment.case.topics)
        for a in lead.advice:
            if a.topic.value in topics or a.topic == AdviceTopic.general:
                advice.append({"title": TOPIC_TITLES[a.topic], "text": a.text, "cite": n})
        for rc in shown[1:3]:
            for t in rc.condition.red_flags[:1]:
                red_flags.append({"text": t, "cite": citer.cite(rc.condition.id)})
        for rc in assessment.rule_out[:3]:
            for a in rc.condition.advice:
                if a.topic.value in topics and a.topic != AdviceTopic.general and not any(
                        x["title"] == TOPIC_TITLES[a.topic] for x in advice):
                    advice.append({"title": TOPIC_TITLES[a.topic], "text": a.text,
                                   "cite": citer.cite(rc.condition.id)})
    spec_id = assessment.specialist
    spec = kb.specialties.get(spec_id) if spec_id else None
    if level == Triage.emergency:
        spec_sentence = "Emergency services or the nearest emergency department, now."
    elif spec is not None:
        spec_sentence = f"**{spec.name}**: {spec.description}"
        if spec_id != "primary_care" and level != Triage.urgent:
            spec_sentence += " Your family doctor can also assess you first and refer you."
    else:
        spec_sentence = "Your family doctor."
    urgency = URGENCY[level]
    markdown = _env.get_template("consult.md.j2").render(
        urgency=urgency,
        triage_reasons=assessment.triage.reasons,
        conditions=conditions,
        uncertain=not assessment.confident,
        rule_out=rule_out,
        tests=tests,
        treatments=treatments,
        self_care=self_care,
        advice=advice,
        specialist_sentence=spec_sentence,
        red_flags=red_flags,
        sources=citer.sources(),
    )
    markdown = re.sub(r"\n{3,}", "\n\n", markdown)
    payload = _payload(assessment, kb, markdown, citer)
    payload["guidance"] = {"tests": tests, "treatments": treatments, "self_care": self_care, "advice": advice,
                           "red_flags": red_flags, "who_to_see": spec_sentence.replace("**", "")}
    return markdown, payload


def _evidence_json(items: list[Evidence]) -> list[dict[str, Any]]:
    return [{"finding": e.finding_id, "name": e.name, "present": e.present,
             "band": e.band.value if e.band else None, "likelihood_ratio": round(e.ratio, 3)} for e in items]


def _condition_json(rc: RankedCondition) -> dict[str, Any]:
    c = rc.condition
    return {
        "id": c.id,
        "name": c.name,
        "synonyms": list(c.synonyms),
        "icd10": list(c.icd10),
        "probability": round(rc.probability, 4),
        "triage": c.triage.value,
        "specialties": list(c.specialties),
        "supporting": _evidence_json(rc.supporting),
        "opposing": _evidence_json(rc.opposing),
        "summary": c.summary,
        "url": f"/conditions/{c.id}",
    }


def _payload(a: Assessment, kb: KnowledgeBase, markdown: str, citer: _Citer) -> dict[str, Any]:
    case = a.case
    spec = kb.specialties.get(a.specialist) if a.specialist else None
    return {
        "triage": {
            "level": a.triage.level.value,
            "title": URGENCY[a.triage.level]["title"],
            "action": URGENCY[a.triage.level]["action"],
            "reasons": a.triage.reasons,
            "red_flags": [{"id": r.id, "level": r.level.value, "advice": r.advice} for r in a.triage.red_flags],
        },
        "conditions": [_condition_json(rc) for rc in a.conditions],
        "other_probability": round(a.other_probability, 4),
        "rule_out": [{"id": r.condition.id, "name": r.condition.name, "probability": round(r.probability, 4),
                      "triage": r.condition.triage.value} for r in a.rule_out],
        "findings": [{"id": f.id, "name": f.name, "status": f.status.value, "text": f.text,
                      "span": [f.start, f.end], "source": f.source} for f in case.findings],
        "patient": {"age": case.age, "sex": case.sex, "pregnant": case.pregnant},
        "context": {"onset": case.onset, "duration": case.duration, "episodic": case.episodic,
                    "laterality": case.laterality, "body_sites": case.body_sites,
                    "medicines": [{"id": m.id, "name": m.name, "class": m.drug_class, "text": m.text,
                                   "span": [m.start, m.end]} for m in case.medicines],
                    "topics": case.topics},
        "specialist": {"id": a.specialist, "name": spec.name} if spec else None,
        "answer": markdown,
        "citations": citer.sources(),
        "disclaimer": DISCLAIMER,
        "kb_version": kb.version,
        "kind": "consult",
        "error": None,
    }
