"""A real browser (Debian's Chromium driven by Playwright) uses the patient page: type, submit, read."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from curbside.api.app import create_app
from curbside.api.settings import Settings
from curbside.care.directory import load_directory
from curbside.care.store import CareStore
from curbside.engine import Engine

CHROMIUM = Path("/usr/bin/chromium")
NECK = (Path(__file__).parent.parent / "examples" / "neck.txt").read_text().strip()
SCREENSHOTS = Path(__file__).parent.parent / "build" / "screenshots"


def _ensure_chromium() -> str | None:
    """Install Debian's chromium when it is missing and we may (root with apt); None when it is there."""
    if CHROMIUM.exists():
        return None
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], env=env, capture_output=True, check=False,
                       timeout=900)
    return None if CHROMIUM.exists() else "Debian's chromium is not installed and could not be installed with apt"


@pytest.fixture(scope="module")
def server(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    care = CareStore(f"sqlite:///{tmp_path_factory.mktemp('care') / 'care.db'}")
    care.load_clinic(load_directory(Path(__file__).parent.parent / "examples" / "clinic" / "clinic.yaml"))
    config = uvicorn.Config(create_app(engine, Settings(rate_per_minute=0), care=care), host="127.0.0.1",
                            port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "the test server did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    reason = _ensure_chromium()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        yield b
        b.close()


def test_neck_question_in_a_phone_sized_browser(server: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server + "/")
    box = page.get_by_label("Describe what is happening, in your own words")
    box.fill(NECK)
    page.get_by_role("button", name="Get an answer").click()
    banner = page.locator("#urgency")
    banner.wait_for()
    assert "ROUTINE" in banner.inner_text()
    first = page.locator("ol.causes > li").first
    assert "Cervical dystonia" in first.locator(".cause-name").inner_text()
    assert page.locator("#who-h").is_visible() and page.locator("#src-h").is_visible()
    # The condition link opens its page.
    first.locator(".cause-name").click()
    page.wait_for_url("**/conditions/cervical_dystonia")
    assert "Cervical dystonia" in page.locator("h1").inner_text()
    page.go_back()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "neck-question.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert not errors, errors  # no CSP violations or script errors
    page.close()


def test_emergency_banner_and_keyboard_use(server: str, browser: object) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(server + "/")
    page.keyboard.press("Tab")  # skip link first
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.locator("#text").focus()
    page.keyboard.type("Crushing chest pain going down my left arm and I'm sweating")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the submit button, by keyboard
    banner = page.locator("#urgency")
    banner.wait_for()
    assert "EMERGENCY" in banner.inner_text() and "emergency number" in banner.inner_text()
    page.close()


def test_api_docs_render_offline(server: str, browser: object) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    external: list[str] = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(server) else None)
    page.goto(server + "/docs")
    page.get_by_text("/v1/ask").first.wait_for()
    assert not external, external  # no CDN
    page.close()


def test_interview_chat_after_the_first_answer(server: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    page.goto(server + "/")
    page.get_by_label("Describe what is happening, in your own words").fill("I have had a headache since yesterday")
    page.get_by_role("button", name="Get an answer").click()
    chat = page.locator("#interview")
    chat.wait_for()
    page.get_by_label("How old are you (or the person you are asking for)?").fill("34")
    chat.get_by_role("button", name="Answer").click()
    page.locator("#interview").wait_for()
    page.locator("#interview").get_by_role("button", name="Female").click()
    page.locator("#interview .qtext").wait_for()
    first_question = page.locator("#interview .qtext").inner_text()
    page.locator("#interview").get_by_role("button", name="No", exact=True).click()
    page.locator("#interview .history li").first.wait_for()
    assert first_question in page.locator("#interview .history").inner_text()
    assert "No" in page.locator("#interview .history li").first.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "interview-chat.png"), full_page=True)
    page.close()


def test_booking_a_neurologist_after_the_neck_question(server: str, browser: object) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    page.goto(server + "/")
    page.get_by_label("Describe what is happening, in your own words").fill(NECK)
    page.get_by_role("button", name="Get an answer").click()
    booking = page.locator("#booking")
    booking.wait_for()
    assert "Neurology" in booking.inner_text()
    booking.locator("input[name=slot]").first.check()
    page.get_by_label("Your name").fill("Sam Patient")
    page.get_by_label("Phone or e-mail").fill("sam@example.org")
    booking.locator("input[name=consent]").check()
    page.get_by_role("button", name="Book this slot").click()
    confirmation = page.locator("#confirmation")
    confirmation.wait_for()
    assert "Appointment booked" in confirmation.inner_text() and "was shared" in confirmation.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "booking-confirmed.png"), full_page=True)
    page.close()
