"""Command-line interface: the only place (with the API) that turns errors into messages and exit codes.

Exit codes: 0 success, 1 knowledge-base or evaluation failure, 2 unusable input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.panel import Panel

from curbside.errors import CurbsideError, InputError, KnowledgeBaseError
from curbside.kb.loader import check_kb

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Curbside: answers health questions like a careful doctor's written consult.")
kb_app = typer.Typer(no_args_is_help=True, help="Inspect and validate the knowledge base.")
app.add_typer(kb_app, name="kb")
console = Console()
err_console = Console(stderr=True)

_COLOURS = {"emergency": "bold white on red", "urgent": "bold black on dark_orange", "routine": "bold black on yellow",
            "self_care": "bold black on green"}


def _engine(data: Path | None = None, library: bool = False) -> Any:
    from curbside.engine import Engine

    try:
        engine = Engine.load(data)
        if library:
            engine.attach_library(_open_library(engine))
        return engine
    except KnowledgeBaseError as exc:
        for p in exc.problems[:20]:
            err_console.print(f"[red]✗[/red] {p}", highlight=False)
        err_console.print("[red]The knowledge base is invalid; run `curbside kb validate`.[/red]")
        raise typer.Exit(1) from exc


def error_payload(exc: CurbsideError) -> dict[str, Any]:
    return {"error": {"code": exc.code, "message": str(exc)}}


@app.command()
def ask(
    text: str = typer.Argument(..., help="The question, in your own words; '-' reads it from standard input."),
    as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
    jsonl: bool = typer.Option(False, "--jsonl",
                               help="Batch: read {\"id\",\"text\"} lines on stdin, write JSON lines."),
    age: float | None = typer.Option(None, help="Age in years, if not in the text."),
    sex: str | None = typer.Option(None, help="female or male, if not in the text."),
    data: Path | None = typer.Option(None, help="Knowledge-base directory (default: built-in)."),
) -> None:
    """Answer a health question: urgency first, likely causes and why, what to rule out, what helps, who to see."""
    if jsonl:
        _ask_batch(_engine(data))
        return
    if text == "-":
        text = sys.stdin.read()
    engine = _engine(data, library=True)
    try:
        payload = engine.respond(text, age=age, sex=sex)
    except InputError as exc:
        if as_json:
            sys.stdout.write(json.dumps(error_payload(exc), ensure_ascii=False) + "\n")
        else:
            err_console.print(f"[yellow]Cannot answer:[/yellow] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    if as_json:
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    if payload["kind"] == "consult":
        level = payload["triage"]["level"]
        console.print(Panel(level.replace("_", "-").upper(), style=_COLOURS.get(level, "bold"), expand=False))
    console.print(Markdown(payload["answer"]))


def _ask_batch(engine: Any) -> None:
    for n, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        item_id: Any = None
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("each line must be a JSON object")
            item_id = item.get("id")
            consult = engine.ask(item.get("text"), age=item.get("age"), sex=item.get("sex"))
            out = {"id": item_id, **consult.payload}
        except CurbsideError as exc:
            out = {"id": item_id, **error_payload(exc)}
        except (ValueError, TypeError) as exc:
            out = {"id": item_id, "error": {"code": "bad_line", "message": f"line {n}: {exc}"}}
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        sys.stdout.flush()


@app.command("eval")
def evaluate(
    file: Path = typer.Argument(
        ..., help="JSONL of labelled cases: {id, text, dx: [names], icd10: [codes], triage: [levels]}."),
    misses: int = typer.Option(30, help="How many misses to list."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    report: Path | None = typer.Option(None, help="Also write a Markdown report to this file."),
    data: Path | None = typer.Option(None, help="Knowledge-base directory (default: built-in)."),
    interview_mode: bool = typer.Option(False, "--interview",
                                        help="Simulated patients: opening sentence only, then the interview."),
) -> None:
    """Top-1/3/10 diagnosis accuracy and triage accuracy (with under- and over-triage) over labelled cases; with
    --interview, one-shot from the opening sentence against the interview, and the questions asked."""
    from rich.progress import track

    from curbside.evaluation import (
        EvalCase,
        evaluate_cases,
        evaluate_interviews,
        load_cases,
        render_interview_report,
        render_report,
    )

    try:
        cases = load_cases(file)
    except CurbsideError as exc:
        err_console.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(2) from exc
    engine = _engine(data)

    def progress(items: list[EvalCase]) -> Any:
        return track(items, description="Evaluating", console=err_console, transient=True)

    if interview_mode:
        iresult = evaluate_interviews(engine, cases, progress=progress)
        text = render_interview_report(iresult, file.name)
        if as_json:
            sys.stdout.write(json.dumps(iresult.summary(), indent=2) + "\n")
        else:
            console.print(Markdown(text))
        if report:
            report.write_text(text, encoding="utf-8")
        return
    result = evaluate_cases(engine, cases, progress=progress)
    if as_json:
        sys.stdout.write(json.dumps(result.summary(), indent=2) + "\n")
    else:
        console.print(Markdown(render_report(result, file.name, misses)))
    if report:
        report.write_text(render_report(result, file.name, misses), encoding="utf-8")


@kb_app.command("validate")
def kb_validate(data: Path | None = typer.Option(None, help="Knowledge-base directory (default: built-in).")) -> None:
    """Validate every file, reference, synonym and ICD-10-CM code; exit 1 on any problem."""
    kb, problems = check_kb(data)
    if problems:
        for p in problems:
            err_console.print(f"[red]✗[/red] {p}", highlight=False, soft_wrap=True)
        err_console.print(f"[red]{len(problems)} problem(s)[/red]")
        raise typer.Exit(1)
    assert kb is not None
    s = kb.stats()
    console.print(f"[green]✓[/green] knowledge base {s['version']} is valid: "
                  f"{s['conditions']} conditions, {s['findings']} findings, {s['phrasings']} phrasings")


@kb_app.command("stats")
def kb_stats(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    data: Path | None = typer.Option(None, help="Knowledge-base directory (default: built-in)."),
) -> None:
    """Counts of conditions, findings and phrasings, overall and by body system."""
    try:
        kb, _ = check_kb(data)
    except KnowledgeBaseError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    assert kb is not None
    s = kb.stats()
    if as_json:
        sys.stdout.write(json.dumps(s, indent=2) + "\n")
        return
    for k in ("version", "conditions", "findings", "phrasings", "synonyms", "red_flags", "specialties"):
        console.print(f"{k:12} {s[k]}")
    by = s["by_system"]
    assert isinstance(by, dict)
    for system, counts in by.items():
        console.print(f"  {system:22} {counts['conditions']:4} conditions {counts['findings']:4} findings")


library_app = typer.Typer(no_args_is_help=True, help="A clinic's own pages: add, list, prune, search.")
app.add_typer(library_app, name="library")


def _open_library(engine: Any) -> Any:
    from curbside.library.service import Library

    try:
        return Library.open(engine.kb)
    except Exception as exc:  # the library is optional for answering; say why it is not used
        err_console.print(f"[yellow]The library could not be opened ({exc.__class__.__name__}: {exc}); "
                          "answering without it.[/yellow]", highlight=False)
        return None


@library_app.command("add")
def library_add(
    paths: list[Path] = typer.Argument(..., help="HTML, Markdown, text or PDF files, or folders of them."),
    data: Path | None = typer.Option(None, help="Knowledge-base directory (default: built-in)."),
) -> None:
    """Ingest a clinic's pages (idempotent: unchanged pages are left, changed ones updated)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from curbside.library.service import Library, iter_files

    engine = _engine(data)
    library = Library.open(engine.kb)
    total = sum(1 for _ in iter_files(paths))
    with Progress(TextColumn("Adding"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=err_console, transient=True) as bar:
        task = bar.add_task("", total=total)

        def step(path: Path) -> None:
            bar.update(task, advance=1, description=path.name[:40])

        report = library.add(paths, progress=step)
    console.print(f"added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
                  f"skipped {len(report.skipped)}")
    for path, reason in report.skipped[:50]:
        console.print(f"  [yellow]skipped[/yellow] {path}: {reason}", highlight=False)
    if len(report.skipped) > 50:
        console.print(f"  ... and {len(report.skipped) - 50} more skipped")
    library.close()


@library_app.command("list")
def library_list(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    data: Path | None = typer.Option(None, help="Knowledge-base directory (default: built-in)."),
) -> None:
    """The clinic pages in the library, with the conditions each is linked to."""
    from curbside.library.service import Library

    library = Library.open(_engine(data).kb)
    docs = library.documents("clinic")
    if as_json:
        sys.stdout.write(json.dumps([d.__dict__ for d in docs], indent=2) + "\n")
    else:
        for d in docs:
            console.print(f"{d.title}  [dim]{d.source}[/dim]  sections {d.sections}  "
                          f"conditions: {', '.join(d.conditions) or '-'}", highlight=False)
        console.print(f"{len(docs)} clinic page(s); backend {library.index.backend}")
    library.close()


@library_app.command("prune")
def library_prune(data: Path | None = typer.Option(None, help="Knowledge-base directory (default: built-in).")) -> None:
    """Remove pages whose files are gone."""
    from curbside.library.service import Library

    library = Library.open(_engine(data).kb)
    gone = library.prune()
    for s in gone:
        console.print(f"removed {s}", highlight=False)
    console.print(f"{len(gone)} page(s) removed")
    library.close()


@library_app.command("search")
def library_search(
    query: str = typer.Argument(..., help="Words to search for."),
    limit: int = typer.Option(10, min=1, max=100),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    data: Path | None = typer.Option(None, help="Knowledge-base directory (default: built-in)."),
) -> None:
    """Full-text search over the clinic's pages and the built-in condition pages."""
    from curbside.library.service import Library

    library = Library.open(_engine(data).kb)
    hits = library.search(query, limit)
    if as_json:
        sys.stdout.write(json.dumps([h.__dict__ for h in hits], indent=2) + "\n")
    else:
        for h in hits:
            console.print(f"[bold]{h.title}[/bold] — {h.heading} [dim]({h.kind}: {h.source})[/dim]\n  {h.snippet}",
                          highlight=False)
    library.close()


care_app = typer.Typer(no_args_is_help=True, help="The clinic's directory, free slots and appointments.")
app.add_typer(care_app, name="care")


@care_app.command("load")
def care_load(file: Path = typer.Argument(..., help="The clinic directory (YAML).")) -> None:
    """Validate a clinic directory and load it into the database (CURBSIDE_DATABASE_URL, or SQLite under
    CURBSIDE_HOME)."""
    from curbside.care.directory import load_directory
    from curbside.care.store import CareStore
    from curbside.kb.loader import builtin_data_dir, load_kb

    try:
        clinic = load_directory(file, set(load_kb(builtin_data_dir()).specialties))
    except CurbsideError as exc:
        err_console.print(f"[red]✗ {exc}[/red]", highlight=False)
        raise typer.Exit(1) from exc
    store = CareStore()
    counts = store.load_clinic(clinic)
    console.print(f"✓ loaded {clinic.name}: {counts['physicians']} physicians, {counts['locations']} location(s)",
                  highlight=False)
    store.close()


@care_app.command("options")
def care_options(specialty: str = typer.Argument("primary_care"),
                 urgency: str | None = typer.Option(None, help="emergency, urgent, routine or self_care")) -> None:
    """Free slots for a specialty, soonest first."""
    from curbside.care.store import CareStore

    store = CareStore()
    out = store.options(specialty, urgency=urgency)
    if out.get("emergency"):
        console.print(out["message"])
    for o in out["options"]:
        console.print(f"{o['physician']['name']}: " + ", ".join(sl["start"] for sl in o["slots"][:4]), highlight=False)
    store.close()


@app.command()
def interview(
    text: str = typer.Argument(None, help="What is happening; asked for when left out."),
    age: float | None = typer.Option(None, help="Age in years, if not in the text."),
    sex: str | None = typer.Option(None, help="female or male, if not in the text."),
    budget: int = typer.Option(8, min=0, max=30, help="Most yes/no questions to ask."),
    data: Path | None = typer.Option(None, help="Knowledge-base directory (default: built-in)."),
) -> None:
    """Answer a question, then ask one question at a time (yes / no / don't know) until more would not help."""
    engine = _engine(data)
    if not text:
        text = typer.prompt("What is happening? Describe it in your own words")
    answers: list[dict[str, str]] = []
    replies = {"y": "yes", "yes": "yes", "n": "no", "no": "no", "?": "unknown", "u": "unknown", "unknown": "unknown",
               "d": "unknown", "dk": "unknown", "": "unknown"}
    while True:
        try:
            turn = engine.interview(text, answers, age=age, sex=sex, budget=budget)
        except CurbsideError as exc:
            err_console.print(f"[red]{exc}[/red]", highlight=False)
            raise typer.Exit(2) from exc
        p = turn.payload
        level = p["triage"]["level"]
        top = ", ".join(f"{c['name']} {round(c['probability'] * 100)}%" for c in p["conditions"][:3])
        console.print(f"[{_COLOURS[level]}] {p['triage']['title']} [/]  {top or 'no clear cause yet'}")
        q = p["question"]
        if q is None:
            break
        console.print(f"[bold]{q['text']}[/bold]  [dim]({q['why']})[/dim]")
        if q["type"] == "age":
            raw = typer.prompt("Age in years (blank to skip)", default="", show_default=False)
            try:
                age = float(raw) if raw.strip() else None
            except ValueError:
                age = None
            if age is None:
                answers.append({"finding": "age", "answer": "unknown"})
        elif q["type"] == "sex":
            raw = typer.prompt("female / male (blank to skip)", default="", show_default=False).strip().lower()
            sex = raw if raw in ("female", "male") else None
            if sex is None:
                answers.append({"finding": "sex", "answer": "unknown"})
        else:
            raw = typer.prompt("yes / no / don't know [y/n/?]", default="?", show_default=False).strip().lower()
            answers.append({"finding": q["finding"], "answer": replies.get(raw, "unknown")})
    console.print()
    console.print(Markdown(turn.payload["answer"]))


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, max=64, help="Worker processes (each loads the engine)."),
) -> None:
    """Serve the web page and the JSON API (http://HOST:PORT/, API docs at /docs)."""
    import uvicorn

    _engine()  # validate and compile the knowledge base once, so that the workers start from the cache
    err_console.print(f"Curbside is serving on http://{host}:{port}/ (API docs at /docs); Ctrl+C stops it.")
    uvicorn.run("curbside.api.app:app_factory", factory=True, host=host, port=port, workers=workers,
                log_level="info", server_header=False)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
