"""`make bench`: cold start, median / p95 time per question on a loaded engine, and HTTP throughput.

Prints figures only; speed is never asserted in tests.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_bench(questions: list[str], requests: int = 600, concurrency: int = 8) -> dict[str, float]:
    """Start `curbside serve` (one worker) on loopback and send a bounded number of `/v1/ask` requests from
    ``concurrency`` keep-alive clients; return requests per second and latency percentiles."""
    import httpx

    port = _free_port()
    env = {**os.environ, "CURBSIDE_RATE_PER_MINUTE": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "curbside.cli", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.2)
        latencies: list[float] = []
        lock = threading.Lock()
        counter = iter(range(requests))

        def worker() -> None:
            with httpx.Client(base_url=base, timeout=30) as client:
                for i in counter:
                    t0 = time.perf_counter()
                    r = client.post("/v1/ask", json={"text": questions[i % len(questions)]})
                    elapsed = (time.perf_counter() - t0) * 1000
                    if r.status_code >= 500:
                        raise RuntimeError(f"server error {r.status_code}")
                    with lock:
                        latencies.append(elapsed)

        threads = [threading.Thread(target=worker) for _ in range(concurrency)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    latencies.sort()
    return {"requests": len(latencies), "concurrency": concurrency, "rps": len(latencies) / wall,
            "median_ms": statistics.median(latencies), "p95_ms": latencies[int(len(latencies) * 0.95) - 1]}


def library_bench(engine: Engine, pages: int = 10_000, queries: int = 300) -> dict[str, float]:
    """Generate ``pages`` clinic-like HTML pages from the knowledge base's own text, ingest them into a fresh
    SQLite library, then time searches."""
    import random
    import tempfile

    from curbside.library.index import SQLiteIndex
    from curbside.library.service import Library

    rng = random.Random(7)
    conditions = list(engine.kb.conditions.values())
    with tempfile.TemporaryDirectory(prefix="curbside-bench-") as tmp:
        root = Path(tmp) / "pages"
        root.mkdir()
        for i in range(pages):
            c = conditions[i % len(conditions)]
            other = rng.choice(conditions)
            paras = [c.summary, *rng.sample(c.treatments or [c.summary], min(2, len(c.treatments or [1]))),
                     other.summary]
            body = "".join(f"<h2>{h}</h2><p>{p}</p>" for h, p in zip(
                ("What it is", "Treatment", "Living with it", "Related"), paras, strict=False))
            (root / f"page-{i:05d}.html").write_text(
                f"<html><head><title>{c.name} ({i})</title></head><body><nav>Home | Book</nav><main>"
                f"<h1>{c.name} — note {i}</h1>{body}<p>Reference {i}.</p></main><footer>Clinic</footer></body></html>",
                encoding="utf-8")
        library = Library(SQLiteIndex(Path(tmp) / "library.db"), engine.kb)
        library.sync_kb()
        t0 = time.perf_counter()
        report = library.add([root])
        ingest_s = time.perf_counter() - t0
        words = [c.name.split(" (")[0] for c in conditions] + ["side effects", "botulinum toxin", "chest pain",
                                                                "treatment of gout", "when to see a doctor"]
        times = []
        for q in rng.sample(words * 2, queries):
            t0 = time.perf_counter()
            library.search(q, 10)
            times.append((time.perf_counter() - t0) * 1000)
        library.close()
    times.sort()
    return {"pages": len(report.added), "ingest_s": ingest_s, "search_median_ms": statistics.median(times),
            "search_p95_ms": times[int(len(times) * 0.95)]}


def booking_bench(bookings: int = 400, workers: int = 8) -> dict[str, float]:
    """Book ``bookings`` distinct slots of the sample clinic into a fresh SQLite database from ``workers``
    threads; returns bookings per second."""
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    from curbside.care.directory import load_directory
    from curbside.care.store import CareStore

    with tempfile.TemporaryDirectory(prefix="curbside-care-") as tmp:
        store = CareStore(f"sqlite:///{Path(tmp) / 'care.db'}")
        clinic = load_directory(ROOT / "examples" / "clinic" / "clinic.yaml")
        store.load_clinic(clinic.model_copy(update={"booking_days": 120}))  # room for a few hundred slots
        slots = [(o["physician"]["id"], dt.datetime.fromisoformat(sl["start"]))
                 for o in store.options("primary_care", per_physician=10_000)["options"] for sl in o["slots"]]
        slots = slots[:bookings]

        def book(item: tuple[str, dt.datetime]) -> None:
            store.book(item[0], item[1], "Bench Patient", "bench@example.org", False)

        t0 = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(book, slots))
        wall = time.perf_counter() - t0
        store.close()
    return {"bookings": len(slots), "per_second": len(slots) / wall, "workers": workers}


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
    turns: list[float] = []
    choices: list[float] = []
    for q in questions:
        try:
            t0 = time.perf_counter()
            engine.interview(q, [], age=40, sex="female")
            turns.append((time.perf_counter() - t0) * 1000)
            case = engine.parse(q, age=40, sex="female")
            assessment = engine.reasoner.assess(case)
            t0 = time.perf_counter()
            engine.interviewer.step(case, {}, assessment=assessment)
            choices.append((time.perf_counter() - t0) * 1000)
        except CurbsideError:
            pass
    turns.sort()
    choices.sort()
    print(f"interview, next question only: median {statistics.median(choices):6.2f} ms   "
          f"p95 {choices[int(len(choices) * 0.95)]:6.2f} ms   (whole turn with parse and consult: median "
          f"{statistics.median(turns):6.2f} ms, p95 {turns[int(len(turns) * 0.95)]:6.2f} ms)")
    lib = library_bench(engine)
    print(f"library: ingest {lib['pages']:.0f} generated HTML pages in {lib['ingest_s']:6.1f} s "
          f"({lib['pages'] / lib['ingest_s']:.0f} pages/s); search median {lib['search_median_ms']:6.2f} ms   "
          f"p95 {lib['search_p95_ms']:6.2f} ms")
    b = booking_bench()
    print(f"booking: {b['bookings']:.0f} bookings from {b['workers']:.0f} threads (SQLite): "
          f"{b['per_second']:6.1f} bookings/s")
    h = http_bench(questions)
    print(f"HTTP POST /v1/ask, {h['requests']:.0f} requests, {h['concurrency']:.0f} clients, 1 worker: "
          f"{h['rps']:6.1f} req/s   median {h['median_ms']:6.2f} ms   p95 {h['p95_ms']:6.2f} ms")


if __name__ == "__main__":
    main()
