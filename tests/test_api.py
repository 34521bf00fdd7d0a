"""The web service with FastAPI's test client: endpoints, errors, limits, headers and the pages."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from curbside.api.app import create_app
from curbside.api.ratelimit import RateLimiter
from curbside.api.settings import Settings
from curbside.engine import Engine
from curbside.store import Store

NECK = (Path(__file__).parent.parent / "examples" / "neck.txt").read_text()


@pytest.fixture(scope="module")
def client(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('db') / 'api.db'}")
    return TestClient(create_app(engine, Settings(rate_per_minute=0), store))


def test_ask_returns_the_cli_json(client: TestClient, engine: Engine) -> None:
    r = client.post("/v1/ask", json={"text": NECK})
    assert r.status_code == 200
    body = r.json()
    assert body["triage"]["level"] == "routine"
    assert body["conditions"][0]["id"] == "cervical_dystonia"
    assert body["citations"] and body["disclaimer"].startswith("This is not a diagnosis")
    assert body == engine.ask(NECK).payload


def test_age_and_sex_fields_are_used(client: TestClient) -> None:
    r = client.post("/v1/ask", json={"text": "burning when I pee and going often", "age": 30, "sex": "female"})
    assert r.status_code == 200
    assert r.json()["patient"] == {"age": 30.0, "sex": "female", "pregnant": False}


def test_parse_gives_findings_with_status_and_spans(client: TestClient) -> None:
    text = "I have a headache but no fever"
    r = client.post("/v1/parse", json={"text": text})
    assert r.status_code == 200
    found = {f["id"]: f for f in r.json()["findings"]}
    assert found["headache"]["status"] == "present" and found["fever"]["status"] == "absent"
    start, end = found["fever"]["span"]
    assert text[start:end] == "fever"


def test_triage_endpoint(client: TestClient) -> None:
    r = client.post("/v1/triage", json={"text": "crushing chest pain spreading to my left arm, sweating"})
    assert r.status_code == 200
    t = r.json()["triage"]
    assert t["level"] == "emergency" and "emergency" in t["action"].lower()
    assert set(r.json()) == {"triage", "specialist", "disclaimer", "kb_version"}


def test_conditions_page_data_and_search(client: TestClient) -> None:
    r = client.get("/v1/conditions/cervical_dystonia")
    assert r.status_code == 200
    page = r.json()
    assert page["icd10"] == ["G24.3"] and page["treatments"] and page["specialties"][0]["id"] == "neurology"
    hits = client.get("/v1/conditions", params={"q": "spasmodic torticollis"}).json()["results"]
    assert hits[0]["id"] == "cervical_dystonia"
    assert client.get("/v1/conditions", params={"q": "G24.3"}).json()["results"][0]["id"] == "cervical_dystonia"
    assert client.get("/v1/conditions", params={"q": ""}).json()["results"] == []
    missing = client.get("/v1/conditions/no_such_thing")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_kb_and_health(client: TestClient, engine: Engine) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "kb_version": engine.kb.version}
    kb = client.get("/v1/kb").json()
    assert kb["version"] == engine.kb.version and kb["stats"]["conditions"] == len(engine.kb.conditions)


def test_openapi_documents_the_versioned_endpoints(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/v1/ask", "/v1/parse", "/v1/triage", "/v1/conditions", "/v1/conditions/{condition_id}", "/v1/kb",
                 "/healthz"):
        assert path in spec["paths"], path
    assert client.get("/docs").status_code == 200


@pytest.mark.parametrize(
    ("body", "content_type", "code"),
    [
        (b"", "application/json", "invalid_request"),
        (b"not json", "application/json", "invalid_request"),
        (b"[1, 2]", "application/json", "invalid_request"),
        (b'{"text": 5}', "application/json", "invalid_request"),
        (b'{"text": null}', "application/json", "invalid_request"),
        (b"{}", "application/json", "invalid_request"),
        (b'{"text": "hi", "age": -3}', "application/json", "invalid_request"),
        (b'{"text": "hi", "sex": "x"}', "application/json", "invalid_request"),
        (b'{"text": "hi", "extra": 1}', "application/json", "invalid_request"),
        (b'{"text": "   "}', "application/json", "empty"),
        (b'{"text": "qwzx vbnm plkj hgfd"}', "application/json", "unsupported_language"),
        (b'{"text": "\xd0\xbc\xd0\xbd\xd0\xb5 \xd0\xbf\xd0\xbb\xd0\xbe\xd1\x85\xd0\xbe"}', "application/json",
         "unsupported_language"),
        (b'{"text": "hello there, how are you"}', "application/json", "no_findings"),
        (b"text=headache", "application/x-www-form-urlencoded", "invalid_request"),
    ],
)
def test_bad_requests_get_a_4xx_json_error(client: TestClient, body: bytes, content_type: str, code: str) -> None:
    for path in ("/v1/ask", "/v1/parse", "/v1/triage"):
        r = client.post(path, content=body, headers={"content-type": content_type})
        if path == "/v1/parse" and code == "no_findings":
            assert r.status_code == 200  # parsing text with no symptom is not an error
            continue
        assert r.status_code == 422, (path, r.text)
        assert r.json()["error"]["code"] == code and r.json()["error"]["message"]


def test_oversized_body_is_413(client: TestClient) -> None:
    r = client.post("/v1/ask", content=b'{"text": "' + b"a" * 70_000 + b'"}',
                    headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"

    def chunks():  # streamed without Content-Length
        for _ in range(20):
            yield b"x" * 8192

    r = client.post("/v1/ask", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_long_text_under_the_body_limit_is_a_clear_error(client: TestClient) -> None:
    r = client.post("/v1/ask", json={"text": "headache " * 3000})
    assert r.status_code == 422 and r.json()["error"]["code"] == "too_long"


def test_wrong_method_and_unknown_path(client: TestClient) -> None:
    assert client.get("/v1/ask").status_code == 405
    r = client.get("/v1/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_rate_limit_per_client(engine: Engine) -> None:
    limited = TestClient(create_app(engine, Settings(rate_per_minute=6, burst=3)))
    codes = [limited.post("/v1/parse", json={"text": "headache"}).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    r = limited.post("/v1/parse", json={"text": "headache"})
    assert r.json()["error"]["code"] == "rate_limited" and int(r.headers["retry-after"]) >= 1
    assert limited.get("/healthz").status_code == 200  # health checks are never limited


def test_rate_limiter_refills_over_time() -> None:
    rl = RateLimiter(rate_per_minute=60, burst=1)
    assert rl.allow("a", now=0.0)[0]
    allowed, wait = rl.allow("a", now=0.1)
    assert not allowed and 0.8 < wait <= 1.0
    assert rl.allow("b", now=0.1)[0]  # another client has its own bucket
    assert rl.allow("a", now=1.2)[0]


def test_cors_closed_by_default_and_opt_in(engine: Engine, client: TestClient) -> None:
    pre = {"origin": "https://elsewhere.example", "access-control-request-method": "POST"}
    assert "access-control-allow-origin" not in client.options("/v1/ask", headers=pre).headers
    opened = TestClient(create_app(engine, Settings(rate_per_minute=0, cors_origins=("https://clinic.example",))))
    r = opened.options("/v1/ask", headers={**pre, "origin": "https://clinic.example"})
    assert r.headers["access-control-allow-origin"] == "https://clinic.example"


def test_security_headers_on_pages_and_api(client: TestClient) -> None:
    for r in (client.get("/"), client.get("/v1/kb"), client.get("/conditions/cervical_dystonia")):
        assert "default-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"


def test_questions_are_not_logged_unless_the_operator_opts_in(
        engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    secret = "my embarrassing rash on my groin that itches"
    store = Store(f"sqlite:///{tmp_path / 'a.db'}")
    with caplog.at_level(logging.DEBUG), TestClient(create_app(engine, Settings(rate_per_minute=0), store)) as c:
        assert c.post("/v1/ask", json={"text": secret}).status_code == 200
    assert secret not in caplog.text and store.questions() == []
    assert any(u["endpoint"] == "/v1/ask" and u["count"] == 1 for u in store.usage())  # counted at shutdown
    caplog.clear()
    opted = Store(f"sqlite:///{tmp_path / 'b.db'}")
    with caplog.at_level(logging.INFO), TestClient(
            create_app(engine, Settings(rate_per_minute=0, log_questions=True), opted)) as c:
        c.post("/v1/ask", json={"text": secret})
    assert secret in caplog.text and opted.questions()[0]["text"] == secret


def test_patient_page_form_without_javascript(client: TestClient) -> None:
    home = client.get("/")
    assert home.status_code == 200 and '<label for="text">' in home.text and "Not a diagnosis" in home.text
    r = client.post("/", data={"text": NECK})
    assert r.status_code == 200
    html = r.text
    assert html.index("banner-routine") < html.index("Possible causes")  # urgency first
    assert "Cervical dystonia" in html and 'href="/conditions/cervical_dystonia"' in html
    for heading in ("What a doctor would want to rule out", "What helps", "Who to see", "Get help at once if",
                    "Sources"):
        assert heading in html, heading
    emergency = client.post("/", data={"text": "crushing chest pain and sweating, feel like I'm dying"}).text
    assert "banner-emergency" in emergency and "emergency number" in emergency
    bad = client.post("/", data={"text": ""})
    assert bad.status_code == 422 and "I can" in bad.text
    escaped = client.post("/", data={"text": "<script>alert(1)</script> headache"}).text
    assert "<script>alert(1)</script>" not in escaped


def test_condition_html_page(client: TestClient) -> None:
    r = client.get("/conditions/cervical_dystonia")
    assert r.status_code == 200 and "<h1>Cervical dystonia" in r.text and "G24.3" in r.text
    assert client.get("/conditions/nope").status_code == 404
