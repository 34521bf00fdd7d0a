"""The command line: ask (text, JSON, stdin, JSONL batch), eval and kb commands, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from curbside.cli import app

from .conftest import FIXTURE_KB

runner = CliRunner()
KB = ["--data", str(FIXTURE_KB)]


def test_ask_readable() -> None:
    r = runner.invoke(app, ["ask", "runny nose and a cough", *KB])
    assert r.exit_code == 0, r.output
    assert "SELF-CARE" in r.output and "Common cold" in r.output


def test_ask_json_and_stdin() -> None:
    r = runner.invoke(app, ["ask", "--json", "-", *KB], input="I have a runny nose and a cough\n")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    for key in ("triage", "conditions", "rule_out", "findings", "patient", "specialist", "answer", "citations",
                "kb_version", "error"):
        assert key in data
    assert set(data["conditions"][0]) >= {"id", "name", "synonyms", "icd10", "probability", "triage", "specialties",
                                          "supporting", "opposing"}
    assert data["findings"][0]["span"] and data["findings"][0]["status"] == "present"


def test_ask_bad_input_exit_2() -> None:
    r = runner.invoke(app, ["ask", "--json", "   ", *KB])
    assert r.exit_code == 2
    assert json.loads(r.stdout)["error"]["code"] == "empty"
    r = runner.invoke(app, ["ask", "\x00\x01\x02\x03 \x04\x05", *KB])
    assert r.exit_code == 2 and "Traceback" not in r.output


def test_ask_jsonl_batch_continues_after_bad_lines() -> None:
    lines = [
        json.dumps({"id": "a", "text": "runny nose and cough"}),
        "this is not json",
        json.dumps({"id": "b", "text": ""}),
        json.dumps({"id": 7, "text": "fever and a stiff neck"}),
        json.dumps(["not", "an", "object"]),
    ]
    r = runner.invoke(app, ["ask", "--jsonl", "-", *KB], input="\n".join(lines) + "\n")
    assert r.exit_code == 0, r.output
    out = [json.loads(x) for x in r.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", None, "b", 7, None]
    assert out[0]["triage"]["level"] == "self_care"
    assert out[1]["error"]["code"] == "bad_line" and out[2]["error"]["code"] == "empty"
    assert out[3]["triage"]["level"] == "emergency"


def test_eval_prints_figures(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(json.dumps(c) for c in [
        {"id": "c1", "text": "runny nose and cough", "dx": ["Head cold"], "triage": ["self_care"]},
        {"id": "c2", "text": "fever with a stiff neck", "dx": ["Meningitis"], "triage": ["emergency"]},
        {"id": "c3", "text": "smoker with a cough for months", "dx": ["something else"], "icd10": ["J41.0"],
         "triage": ["routine"]},
        {"id": "c4", "text": "nothing recognisable here at all", "dx": ["Common cold"], "triage": ["routine"]},
    ]) + "\n")
    r = runner.invoke(app, ["eval", str(cases), "--json", *KB])
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout)
    assert s["cases"] == 4 and s["errors"] == 1
    assert s["top1"] == 0.75 and s["triage_labelled"] == 3 and s["triage_accuracy"] == 1.0
    r = runner.invoke(app, ["eval", str(cases), *KB])
    assert "top-1" in r.output and "c4" in r.output  # the miss is listed by id


def test_eval_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n')
    r = runner.invoke(app, ["eval", str(bad), *KB])
    assert r.exit_code == 2 and "bad.jsonl:1" in r.output


def test_kb_validate_and_stats() -> None:
    r = runner.invoke(app, ["kb", "validate", *KB])
    assert r.exit_code == 0 and "valid" in r.output
    r = runner.invoke(app, ["kb", "stats", "--json", *KB])
    s = json.loads(r.stdout)
    assert s["conditions"] == 3 and s["findings"] == 11 and s["phrasings"] > 11
