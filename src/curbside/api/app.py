"""The web service: versioned JSON endpoints, the patient page and the condition pages.

Owns HTTP concerns only: request models, error mapping (named Curbside errors -> 4xx JSON), body-size
limit, per-client rate limit, CORS (closed by default), security headers and the opt-in question log.
The answers themselves come from the ``Engine`` handed to ``create_app``.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import MutableMapping
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, quote

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, ConfigDict, Field, StrictStr
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from curbside import __version__
from curbside.answer.compose import DISCLAIMER, URGENCY
from curbside.api.conditions import condition_page, search_conditions
from curbside.api.ratelimit import RateLimiter
from curbside.api.settings import Settings
from curbside.care.store import CareStore
from curbside.engine import Engine
from curbside.errors import AppointmentNotFoundError, BookingError, CurbsideError, InputError, SlotTakenError
from curbside.kb.schema import Triage
from curbside.store import Store

log = logging.getLogger("curbside.api")

EXAMPLE = (
    "59, male, sudden spasms on the right side of the back of my neck, 2-3 minutes, can't turn my head, no "
    "trigger, had a pinched cervical nerve years ago"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


# ---------------------------------------------------------------------------------------------------------------
# Request and response models (they document the API in /openapi.json)


class AskRequest(BaseModel):
    """A question in the person's own words, with optional age and sex when the text does not say."""

    model_config = ConfigDict(extra="forbid")

    text: StrictStr = Field(description="What is happening, in the person's own words (English).",
                            examples=[EXAMPLE])
    age: float | None = Field(default=None, ge=0, le=120, description="Age in years, if not in the text.")
    sex: Literal["female", "male"] | None = Field(default=None, description="Sex, if not in the text.")


class InterviewAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    finding: StrictStr = Field(max_length=80, description="The finding id of the question answered.")
    answer: Literal["yes", "no", "unknown"]


class InterviewRequest(AskRequest):
    """The first text and every answer so far (the API keeps no state between turns)."""

    answers: list[InterviewAnswer] = Field(default_factory=list, max_length=60)


class BookingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    physician_id: StrictStr = Field(max_length=80)
    start: dt.datetime = Field(description="A slot start from /v1/care/options, e.g. 2026-11-24T09:30")
    patient_name: StrictStr = Field(min_length=1, max_length=200)
    contact: StrictStr = Field(min_length=3, max_length=200, description="Phone or e-mail")
    consent_to_share_summary: bool
    summary: StrictStr | None = Field(default=None, max_length=5000,
                                      description="The consult summary; kept only with consent")


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


class Health(BaseModel):
    status: Literal["ok"]
    kb_version: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorResponse, "description": "Request body too large"},
    422: {"model": ErrorResponse, "description": "Unusable question or malformed request"},
    429: {"model": ErrorResponse, "description": "Too many requests from this client"},
}


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


# ---------------------------------------------------------------------------------------------------------------
# Middleware


class BodyLimitMiddleware:
    """Refuse request bodies over ``limit`` bytes with 413, whether announced by Content-Length or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        raw = headers.get(b"content-length")
        too_big = _error(413, "body_too_large", f"The request body is over the limit of {self.limit:,} bytes.")
        if raw is not None:
            try:
                if int(raw) > self.limit:
                    await too_big(scope, receive, send)
                    return
            except ValueError:
                await _error(400, "bad_request", "Invalid Content-Length header.")(scope, receive, send)
                return
        # Read the whole body first (bounded), so an oversized streamed body is refused before any handler runs.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await too_big(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay() -> MutableMapping[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class HeadersMiddleware:
    """Security headers on every response."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                existing = {k for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    h for h in self.headers if h[0] not in existing]
            await send(message)

        await self.app(scope, receive, with_headers)


# ---------------------------------------------------------------------------------------------------------------
# The app


class _Usage:
    """Request counts per endpoint, kept in memory and written to the database now and then."""

    FLUSH_EVERY = 30.0  # seconds

    def __init__(self, store: Store | None) -> None:
        self.store = store
        self.pending: Counter[str] = Counter()
        self.last = time.monotonic()
        self.lock = threading.Lock()

    def add(self, endpoint: str) -> None:
        with self.lock:
            self.pending[endpoint] += 1
            due = time.monotonic() - self.last > self.FLUSH_EVERY
        if due:
            self.flush()

    def flush(self) -> None:
        with self.lock:
            counts, self.pending = dict(self.pending), Counter()
            self.last = time.monotonic()
        if counts and self.store is not None:
            try:
                self.store.add_counts(counts)
            except Exception:  # counting must never break an answer
                log.warning("could not write usage counts", exc_info=True)


def create_app(engine: Engine, settings: Settings | None = None, store: Store | None = None,
               care: CareStore | None = None) -> FastAPI:
    """The FastAPI application around one loaded engine. ``store`` (optional) keeps usage counts and, when
    ``settings.log_questions`` is on, the questions asked; ``care`` (optional) offers the clinic's physicians,
    free slots and booking."""
    settings = settings or Settings()
    limiter = RateLimiter(settings.rate_per_minute, settings.burst)
    usage = _Usage(store)
    pages = Environment(loader=PackageLoader("curbside.api", "templates"), autoescape=select_autoescape(["j2"]))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> Any:
        yield
        usage.flush()

    app = FastAPI(
        title="Curbside",
        version=__version__,
        summary="Answers a health question like a careful doctor's written consult. Not a diagnosis.",
        description=DISCLAIMER,
        lifespan=lifespan,
        docs_url=None,  # served below from local files: no CDN
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.settings = settings
    app.state.store = store
    # Swagger UI 5 (OpenAPI 3.1) as shipped by the swagger-ui-py package: no CDN.
    app.mount("/static/docs", StaticFiles(directory=str(resources.files("swagger_ui") / "static")),
              name="docs-static")
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        page = get_swagger_ui_html(openapi_url="/openapi.json", title="Curbside API",
                                   swagger_js_url="/static/docs/swagger-ui-bundle.js",
                                   swagger_css_url="/static/docs/swagger-ui.css",
                                   swagger_favicon_url="/static/favicon.svg")
        # Swagger UI starts from an inline script; only this page allows one.
        page.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
        return page

    def client_of(request: Request) -> str:
        if settings.trust_forwarded_for:
            forwarded = request.headers.get("x-forwarded-for", "").split(",")[0].strip()
            if forwarded:
                return forwarded
        return request.client.host if request.client else "unknown"

    @app.middleware("http")
    async def rate_limit(request: Request, call_next: Any) -> Response:
        path = request.url.path
        if path == "/healthz" or path.startswith("/static/"):
            return await call_next(request)  # type: ignore[no-any-return]
        allowed, wait = limiter.allow(client_of(request))
        if not allowed:
            return _error(429, "rate_limited", "Too many requests; please wait a moment and try again.",
                          {"Retry-After": str(max(1, round(wait)))})
        usage.add(path if path.startswith("/v1/") or path == "/" else path.split("/")[1] or "/")
        return await call_next(request)  # type: ignore[no-any-return]

    @app.exception_handler(CurbsideError)
    async def curbside_error(_: Request, exc: CurbsideError) -> JSONResponse:
        status = (422 if isinstance(exc, (InputError, BookingError)) else 409 if isinstance(exc, SlotTakenError)
                  else 404 if isinstance(exc, AppointmentNotFoundError) else 500)
        return _error(status, exc.code, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors()[:5]:
            where = ".".join(str(x) for x in err.get("loc", ()) if x != "body") or "body"
            problems.append(f"{where}: {err.get('msg', 'invalid')}")
        return _error(422, "invalid_request", "The request is not valid: " + "; ".join(problems) + ".")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 400: "bad_request", 401: "unauthorized",
                 403: "forbidden"}
        return _error(exc.status_code, codes.get(exc.status_code, "http_error"), str(exc.detail))

    def keep_question(text: str, payload: dict[str, Any]) -> None:
        """Log and store a question with its outcome, only when the operator opted in."""
        if not settings.log_questions:
            return
        level = payload["triage"]["level"] if payload.get("triage") else payload["kind"]
        top = payload["conditions"][0]["id"] if payload.get("conditions") else None
        log.info("question: %r -> %s", text, level)
        if store is not None:
            store.log_question(text, level, top)

    def consult_payload(body: AskRequest, route: bool = True) -> dict[str, Any]:
        payload = (engine.respond(body.text, age=body.age, sex=body.sex) if route
                   else engine.ask(body.text, age=body.age, sex=body.sex).payload)
        keep_question(body.text, payload)
        return payload

    # --- JSON API -------------------------------------------------------------------------------------------

    @app.get("/healthz", response_model=Health, tags=["service"])
    def healthz() -> dict[str, Any]:
        """Liveness: the engine is loaded."""
        return {"status": "ok", "kb_version": engine.kb.version}

    @app.post("/v1/ask", tags=["consult"], responses=_ERRORS)
    def ask(body: AskRequest) -> dict[str, Any]:
        """The answer (the same JSON as `curbside ask --json`). A description of symptoms gets the full consult
        (`kind: consult`: triage, ranked conditions with reasons, rule-out, what helps, who to see, citations); an
        informational question gets quoted passages from the clinic's pages and the knowledge base
        (`kind: information`), or an honest "I don't know" that cites nothing (`kind: unknown`)."""
        return consult_payload(body)

    @app.post("/v1/parse", tags=["consult"], responses=_ERRORS)
    def parse(body: AskRequest) -> dict[str, Any]:
        """What Curbside understood: findings with status (present, absent, history, family, hypothetical) and
        character spans, age, sex and the time course."""
        case = engine.parse(body.text, age=body.age, sex=body.sex)
        return {
            "findings": [{"id": f.id, "name": f.name, "status": f.status.value, "text": f.text,
                          "span": [f.start, f.end], "source": f.source} for f in case.findings],
            "patient": {"age": case.age, "sex": case.sex, "pregnant": case.pregnant},
            "context": {"onset": case.onset, "duration": case.duration, "episodic": case.episodic,
                        "laterality": case.laterality, "body_sites": case.body_sites,
                        "medicines": [{"id": m.id, "name": m.name, "text": m.text, "span": [m.start, m.end]}
                                      for m in case.medicines],
                        "family_conditions": case.family_conditions},
            "kb_version": engine.kb.version,
        }

    @app.post("/v1/triage", tags=["consult"], responses=_ERRORS)
    def triage(body: AskRequest) -> dict[str, Any]:
        """Only how urgent it is, why, and the red flags that fired."""
        payload = consult_payload(body, route=False)
        return {"triage": payload["triage"], "specialist": payload["specialist"],
                "disclaimer": payload["disclaimer"], "kb_version": payload["kb_version"]}

    @app.post("/v1/interview", tags=["consult"], responses=_ERRORS)
    def interview(body: InterviewRequest) -> dict[str, Any]:
        """One interview turn: the next question (`{finding, text, why, type}`, type `yes_no`, `age` or `sex`) or
        null with `should_stop`, and the consult so far in the same form as `/v1/ask`. Answer age and sex questions
        through the `age` and `sex` fields, every other question with `{finding, answer}` in `answers`."""
        turn = engine.interview(body.text, [a.model_dump() for a in body.answers], age=body.age, sex=body.sex)
        return turn.payload

    @app.get("/v1/conditions", tags=["knowledge base"])
    def conditions(q: Annotated[str, Query(max_length=200, description="Name, synonym or ICD-10-CM code")] = "",
                   limit: Annotated[int, Query(ge=1, le=50)] = 10) -> dict[str, Any]:
        """Search the knowledge base's conditions by name, lay synonym or ICD-10-CM code."""
        return {"query": q, "results": search_conditions(engine.kb, q, limit)}

    @app.get("/v1/conditions/{condition_id}", tags=["knowledge base"],
             responses={404: {"model": ErrorResponse, "description": "No such condition"}})
    def condition(condition_id: str) -> dict[str, Any]:
        """A condition's patient page data: summary, typical findings, red flags, tests, what helps, who to see."""
        page = condition_page(engine.kb, condition_id)
        if page is None:
            raise HTTPException(404, f"No condition with id '{condition_id[:80]}'.")
        return page

    @app.get("/v1/search", tags=["library"])
    def search(q: Annotated[str, Query(max_length=500, description="Words to search for")] = "",
               limit: Annotated[int, Query(ge=1, le=50)] = 10,
               kind: Annotated[Literal["clinic", "kb"] | None, Query(description="Only clinic or KB pages")] = None,
               ) -> dict[str, Any]:
        """Full-text search (BM25 on SQLite FTS5, or PostgreSQL ranking) over the clinic's pages and the built-in
        condition pages, with snippets and the conditions each page is linked to."""
        library = engine.library
        hits = library.search(q, limit, kind) if library is not None and q.strip() else []
        return {"query": q, "backend": library.index.backend if library is not None else None, "results": [
            {"title": h.title, "section": h.heading, "snippet": h.snippet, "source": h.source, "kind": h.kind,
             "url": h.url or (f"/library/page?source={quote(h.source, safe='')}" if h.kind == "clinic" else None),
             "conditions": h.conditions, "score": round(h.score, 4)} for h in hits]}

    # --- Care: options and bookings -------------------------------------------------------------------------

    def need_care() -> CareStore:
        if care is None:
            raise HTTPException(404, "No clinic directory is loaded (curbside care load FILE).")
        return care

    @app.get("/v1/care/options", tags=["care"], responses={404: {"model": ErrorResponse}})
    def care_options(
            specialty: Annotated[str, Query(max_length=80, pattern=r"^[a-z_]+$")] = "primary_care",
            after: dt.datetime | None = None,
            urgency: Literal["emergency", "urgent", "routine", "self_care"] | None = None) -> dict[str, Any]:
        """The clinic's physicians for a specialty with free slots, soonest first. Nothing is offered for an
        emergency (call the emergency number); an urgent problem gets slots in the next two days only."""
        return need_care().options(specialty, after.replace(tzinfo=None) if after else None, urgency)

    @app.post("/v1/appointments", tags=["care"], status_code=201,
              responses={409: {"model": ErrorResponse, "description": "Slot already taken"}, **_ERRORS})
    def book(body: BookingRequest) -> dict[str, Any]:
        """Book a slot. Returns the appointment with its `id` and a `cancel_token` (shown only once). The consult
        summary is stored only when `consent_to_share_summary` is true."""
        appointment, token = need_care().book(body.physician_id, body.start, body.patient_name, body.contact,
                                              body.consent_to_share_summary, body.summary)
        return {**appointment, "cancel_token": token}

    @app.get("/v1/appointments/{appointment_id}", tags=["care"], responses={404: {"model": ErrorResponse}})
    def get_appointment(appointment_id: str, token: Annotated[str, Query(max_length=200)] = "") -> dict[str, Any]:
        """An appointment, for whoever holds its token."""
        return need_care().get(appointment_id, token)

    @app.delete("/v1/appointments/{appointment_id}", tags=["care"], status_code=204,
                responses={404: {"model": ErrorResponse}})
    def cancel_appointment(appointment_id: str, token: Annotated[str, Query(max_length=200)] = "") -> Response:
        """Cancel an appointment (frees the slot), for whoever holds its token."""
        need_care().cancel(appointment_id, token)
        return Response(status_code=204)

    @app.get("/v1/admin/appointments", tags=["admin"],
             responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}})
    def admin_appointments(request: Request, after: dt.datetime | None = None) -> dict[str, Any]:
        """All appointments with contacts and summaries. Needs the `X-API-Key` header (`CURBSIDE_ADMIN_KEY`)."""
        if not settings.admin_key:
            raise HTTPException(403, "The admin API is disabled (set CURBSIDE_ADMIN_KEY).")
        given = request.headers.get("x-api-key", "")
        if not hmac.compare_digest(given.encode(), settings.admin_key.encode()):
            raise HTTPException(401, "A valid X-API-Key header is needed.")
        return {"appointments": need_care().appointments(after.replace(tzinfo=None) if after else None)}

    @app.get("/v1/kb", tags=["knowledge base"])
    def kb_info() -> dict[str, Any]:
        """Knowledge-base version and counts."""
        return {"version": engine.kb.version, "curbside": __version__, "stats": engine.kb.stats()}

    # --- Pages ----------------------------------------------------------------------------------------------

    def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = pages.get_template(name).render(disclaimer=DISCLAIMER, **context)
        return HTMLResponse(html, status_code=status)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home() -> HTMLResponse:
        return render("index.html.j2", example=EXAMPLE, text="", result=None, error=None)

    @app.post("/", response_class=HTMLResponse, include_in_schema=False)
    async def home_ask(request: Request) -> HTMLResponse:
        """The form: the question, then the interview as a chat (its state travels in hidden fields)."""
        raw = await request.body()
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", errors="replace"), keep_blank_values=True).items()}
        text = form.get("text", "")
        try:
            answers = _form_answers(form)
            age = _form_age(form.get("age", ""))
            sex = form.get("sex") if form.get("sex") in ("female", "male") else None
            reply, asked = form.get("reply"), form.get("question", "")
            if reply and asked == "age":
                age = _form_age(form.get("age_answer", ""))
                if age is None:
                    answers.append({"finding": "age", "answer": "unknown"})
            elif reply and asked == "sex":
                sex = reply if reply in ("female", "male") else None
                if sex is None:
                    answers.append({"finding": "sex", "answer": "unknown"})
            elif reply in ("yes", "no", "unknown") and asked:
                answers = [a for a in answers if a["finding"] != asked] + [{"finding": asked, "answer": reply}]
            AskRequest.model_validate({"text": text, "age": age, "sex": sex})  # the same checks as the API
            if not answers and not reply:
                routed = engine.information(text, age=age, sex=sex)
                if routed is not None:  # an informational question: passages, or "I don't know"
                    keep_question(text, routed)
                    return render("index.html.j2", example=EXAMPLE, text=text, result=routed, error=None)
            turn = engine.interview(text, answers, age=age, sex=sex)
            result = turn.payload
            if not answers:
                keep_question(text, result)
        except CurbsideError as exc:
            return render("index.html.j2", status=422, example=EXAMPLE, text=text, result=None, error=str(exc))
        except ValueError:
            return render("index.html.j2", status=422, example=EXAMPLE, text=text, result=None,
                          error="Please type your question as text.")
        level = Triage(result["triage"]["level"])
        slots = None
        if care is not None and result.get("specialist"):
            slots = care.options(result["specialist"]["id"], urgency=level.value, per_physician=4)
            slots["options"] = slots["options"][:3]
        history = [{"text": engine.kb.findings[a["finding"]].question, "answer": a["answer"]}
                   for a in answers if a["finding"] in engine.kb.findings]
        return render("index.html.j2", example=EXAMPLE, text=text, result=result, error=None,
                      urgency=URGENCY[level], level=level.value, answers_json=json.dumps(answers),
                      age=age, sex=sex, history=history, slots=slots, summary=_summary_of(result))

    @app.post("/book", response_class=HTMLResponse, include_in_schema=False)
    async def book_html(request: Request) -> HTMLResponse:
        """The page's booking form: one slot, a name, a contact and the consent choice."""
        raw = await request.body()
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", errors="replace"), keep_blank_values=True).items()}
        try:
            physician_id, start = form.get("slot", "").split("|", 1)
            body = BookingRequest.model_validate({
                "physician_id": physician_id, "start": start, "patient_name": form.get("patient_name", "").strip(),
                "contact": form.get("contact", "").strip(), "consent_to_share_summary": form.get("consent") == "yes",
                "summary": form.get("summary") or None})
            appointment, token = need_care().book(body.physician_id, body.start, body.patient_name, body.contact,
                                                  body.consent_to_share_summary, body.summary)
        except SlotTakenError as exc:
            return render("booked.html.j2", status=409, error=str(exc), appointment=None)
        except (CurbsideError, ValueError, HTTPException) as exc:
            message = str(exc) if isinstance(exc, CurbsideError) else (
                "Please choose a slot and give your name and a phone number or e-mail.")
            return render("booked.html.j2", status=422, error=message, appointment=None)
        return render("booked.html.j2", error=None, appointment=appointment, token=token)

    @app.post("/cancel", response_class=HTMLResponse, include_in_schema=False)
    async def cancel_html(request: Request) -> HTMLResponse:
        raw = await request.body()
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", errors="replace"), keep_blank_values=True).items()}
        try:
            need_care().cancel(form.get("id", ""), form.get("token", ""))
        except (CurbsideError, HTTPException):
            return render("booked.html.j2", status=404, error="No appointment with that id and token.",
                          appointment=None)
        return render("booked.html.j2", error=None, appointment=None, cancelled=True)

    @app.get("/library/page", response_class=HTMLResponse, include_in_schema=False)
    def library_page(source: str = "") -> HTMLResponse:
        doc = engine.library.document(source[:2000]) if engine.library is not None else None
        if doc is None:
            return render("missing.html.j2", status=404, condition_id=source[:80])
        return render("library_page.html.j2", doc=doc)

    @app.get("/conditions/{condition_id}", response_class=HTMLResponse, include_in_schema=False)
    def condition_html(condition_id: str) -> HTMLResponse:
        page = condition_page(engine.kb, condition_id)
        if page is None:
            return render("missing.html.j2", status=404, condition_id=condition_id[:80])
        return render("condition.html.j2", page=page)

    # Outermost first: headers on everything, then the body limit, then CORS (only when configured).
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type"])
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes)
    app.add_middleware(HeadersMiddleware, headers={**SECURITY_HEADERS, **settings.extra_headers})
    return app


def _summary_of(result: dict[str, Any]) -> str:
    """A short consult summary a patient may choose to share with the clinic when booking."""
    causes = "; ".join(f"{c['name']} ({round(c['probability'] * 100)}%)" for c in result.get("conditions", [])[:3])
    return f"Curbside consult — urgency: {result['triage']['level']}. Possible causes: {causes or 'unclear'}."


def _form_answers(form: dict[str, str]) -> list[dict[str, str]]:
    """The interview answers carried by the page's hidden field (a JSON list); junk is a ValueError."""
    raw = form.get("answers", "") or "[]"
    data = json.loads(raw)
    if not isinstance(data, list) or len(data) > 60:
        raise ValueError("bad answers")
    out = []
    for item in data:
        if not (isinstance(item, dict) and isinstance(item.get("finding"), str)
                and item.get("answer") in ("yes", "no", "unknown")):
            raise ValueError("bad answer")
        out.append({"finding": item["finding"], "answer": item["answer"]})
    return out


def _form_age(raw: str) -> float | None:
    raw = raw.strip()
    if not raw:
        return None
    age = float(raw)
    if not 0 <= age <= 120:
        raise ValueError("age out of range")
    return age


def app_factory() -> FastAPI:
    """For ``uvicorn --factory`` (``curbside serve``): load the built-in engine, its library and the store."""
    from curbside.library.service import Library

    engine = Engine.load()
    try:
        engine.attach_library(Library.open(engine.kb))
    except Exception:  # answering works without the library; the log says why it is missing
        log.warning("the library could not be opened; answering without it", exc_info=True)
    care: CareStore | None = None
    try:
        care = CareStore()
        if care.clinic() is None:
            care = None
    except Exception:
        log.warning("the care database could not be opened; booking is off", exc_info=True)
    return create_app(engine, Settings.from_env(), Store(), care)
