"""Convert the shared development set (symptomcheck-bench vignettes) into Curbside's eval format.

The shared set is for measuring only and is never committed; this script reads it from
``../shared/eval`` and writes a temporary JSONL that ``curbside eval`` understands.
Usage: python scripts/avey_to_cases.py ../shared/eval/avey_vignettes.jsonl > /tmp/avey.jsonl
"""

from __future__ import annotations

import json
import sys


def to_text(v: dict[str, str]) -> str:
    parts = [f"{v.get('demographics', '').strip()}."]
    for key, label in (("chief_complaints", "Complaints: "), ("presentation", ""), ("absent_findings", ""),
                       ("physical_history", "Past history: "), ("family_history", "Family history: "),
                       ("social_history", "Social history: ")):
        value = (v.get(key) or "").strip()
        if value and value not in ("-", "None", "none", "N/A"):
            parts.append(f"{label}{value.rstrip('.')}.")
    return " ".join(parts)


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            v = json.loads(line)
            sys.stdout.write(json.dumps({"id": f"avey-{i}", "text": to_text(v), "dx": [v["correct_diagnosis"]]}) + "\n")


if __name__ == "__main__":
    main()
