"""`make bench`: cold start, and median / p95 time per question on a loaded engine.

Prints figures only; speed is never asserted in tests.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from curbside.engine import Engine, timed_load
from curbside.errors import CurbsideError

ROOT = Path(__file__).resolve().parents[2]


def _questions() -> list[str]:
    out: list[str] = []
    gold = ROOT / "tests" / "gold" / "cases.jsonl"
    if gold.is_file():
        out += [json.loads(line)["text"] for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    example = ROOT / "examples" / "neck.txt"
    if example.is_file():
        out.append(example.read_text(encoding="utf-8"))
    return out or ["I have had a sore throat and a fever for two days."]


def _cold_start_seconds() -> float:
    """A fresh interpreter importing Curbside and loading the engine, as the CLI does."""
    code = "import time; t=time.perf_counter(); from curbside.engine import Engine; Engine.load(); " \
           "print(time.perf_counter()-t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    t0 = time.perf_counter()
    Engine.load(cache=False)
    full_s = time.perf_counter() - t0
    engine, load_s = timed_load()
    questions = _questions()
    for q in questions[:5]:  # warm caches
        try:
            engine.ask(q)
        except CurbsideError:
            pass
    times: list[float] = []
    for _ in range(3):
        for q in questions:
            t0 = time.perf_counter()
            try:
                engine.ask(q)
            except CurbsideError:
                pass
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    cold = _cold_start_seconds()
    print(f"knowledge base: {len(engine.kb.conditions)} conditions, {len(engine.kb.findings)} findings")
    print(f"engine load, validate+compile: {full_s * 1000:8.1f} ms")
    print(f"engine load, cached compiled:  {load_s * 1000:8.1f} ms")
    print(f"cold start (new interpreter):  {cold * 1000:8.1f} ms")
    print(f"ask, {len(questions)} questions x3:   median {statistics.median(times):6.2f} ms   p95 {p95:6.2f} ms   "
          f"max {times[-1]:6.2f} ms")


if __name__ == "__main__":
    main()
