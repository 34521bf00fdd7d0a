"""Condition pages and condition search over the knowledge base (for the API and the web pages)."""

from __future__ import annotations

import re
from typing import Any

from rapidfuzz import fuzz, process

from curbside.answer.compose import TOPIC_TITLES, URGENCY
from curbside.kb.loader import KnowledgeBase
from curbside.kb.schema import Band

_ICD = re.compile(r"^[A-Za-z]\d{2}(\.\w{0,4})?$")
_BAND_WORDS = {Band.obligate: "almost always", Band.very_frequent: "very often", Band.frequent: "often",
               Band.occasional: "sometimes"}


def condition_page(kb: KnowledgeBase, condition_id: str) -> dict[str, Any] | None:
    """Everything a patient page shows about one condition, or None if there is no such condition."""
    c = kb.conditions.get(condition_id)
    if c is None:
        return None
    typical = [
        {"finding": fid, "name": kb.findings[fid].name, "band": band.value, "how_often": _BAND_WORDS[band]}
        for fid, band in sorted(c.findings.items(), key=lambda kv: list(Band).index(kv[1]))
        if band in _BAND_WORDS and kb.findings[fid].kind.value in ("symptom", "sign")
    ]
    return {
        "id": c.id,
        "name": c.name,
        "synonyms": list(c.synonyms),
        "icd10": list(c.icd10),
        "system": c.system.value,
        "prevalence": c.prevalence.value,
        "age": {"min": c.age.min, "max": c.age.max, "typical": list(c.age.typical) if c.age.typical else None},
        "sex": c.sex.value,
        "summary": c.summary,
        "triage": c.triage.value,
        "urgency": URGENCY[c.triage]["title"],
        "typical_findings": typical,
        "risk_factors": [{"finding": fid, "name": kb.findings[fid].name, "band": band.value}
                         for fid, band in c.findings.items()
                         if kb.findings[fid].kind.value == "risk_factor" and band in _BAND_WORDS],
        "red_flags": list(c.red_flags),
        "tests": list(c.tests),
        "treatments": list(c.treatments),
        "self_care": list(c.self_care),
        "advice": [{"topic": a.topic.value, "title": TOPIC_TITLES[a.topic], "text": a.text} for a in c.advice],
        "rule_out": [{"id": r, "name": kb.conditions[r].name, "url": f"/conditions/{r}"}
                     for r in c.rule_out if r in kb.conditions],
        "specialties": [{"id": s, "name": kb.specialties[s].name} for s in c.specialties if s in kb.specialties],
        "source": {"kb_version": kb.version, "file": kb.files.get(c.id, "")},
        "url": f"/conditions/{c.id}",
    }


def search_conditions(kb: KnowledgeBase, query: str, limit: int = 10) -> list[dict[str, Any]]:
    """Conditions matching ``query`` by ICD-10-CM code prefix, or by name and synonyms (fuzzy), best first."""
    q = " ".join(query.split()).strip()
    if not q:
        return []
    if _ICD.match(q):
        code = q.upper().replace(".", "")
        hits = [c for c in kb.conditions.values() if any(x.replace(".", "").startswith(code) for x in c.icd10)]
        if hits:
            return [_hit(kb, c.id, c.name, 100.0) for c in hits[:limit]]
    choices: dict[str, str] = {}
    for c in kb.conditions.values():
        for name in [c.name, *c.synonyms]:
            choices[f"{c.id}\t{name}"] = name.lower()
    found = process.extract(q.lower(), choices, scorer=fuzz.WRatio, limit=limit * 4, score_cutoff=70)
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for _, score, key in found:
        cid, matched = str(key).split("\t", 1)
        if cid in seen:
            continue
        seen.add(cid)
        out.append(_hit(kb, cid, matched, float(score)))
        if len(out) == limit:
            break
    return out


def _hit(kb: KnowledgeBase, cid: str, matched: str, score: float) -> dict[str, Any]:
    c = kb.conditions[cid]
    return {"id": cid, "name": c.name, "matched": matched, "score": round(score, 1), "icd10": list(c.icd10),
            "triage": c.triage.value, "url": f"/conditions/{cid}"}
