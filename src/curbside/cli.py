"""Command-line interface: the only place (with the API) that turns errors into messages and exit codes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console

from curbside.kb.loader import check_kb

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Curbside: answers health questions like a written consult.")
kb_app = typer.Typer(no_args_is_help=True, help="Inspect and validate the knowledge base.")
app.add_typer(kb_app, name="kb")
console = Console()
err_console = Console(stderr=True)


@kb_app.command("validate")
def kb_validate(data: Path | None = typer.Option(None, help="Knowledge-base directory (default: built-in).")) -> None:
    """Validate every file, reference, synonym and ICD-10-CM code; exit 1 on any problem."""
    kb, problems = check_kb(data)
    if problems:
        for p in problems:
            err_console.print(f"[red]✗[/red] {p}", highlight=False)
        err_console.print(f"[red]{len(problems)} problem(s)[/red]")
        raise typer.Exit(1)
    assert kb is not None
    s = kb.stats()
    console.print(f"[green]✓[/green] knowledge base {s['version']} is valid: "
                  f"{s['conditions']} conditions, {s['findings']} findings, {s['phrasings']} phrasings")


@kb_app.command("stats")
def kb_stats(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Counts of conditions, findings and phrasings, overall and by body system."""
    kb, problems = check_kb(None)
    if kb is None:
        raise typer.Exit(1)
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


def main() -> None:
    app()
