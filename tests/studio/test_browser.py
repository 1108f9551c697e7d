"""The studio in a real browser: Debian's Chromium, headless, driven by Playwright, over a real server.

Two journeys: signing in with the role checks, and the whole flow by mouse (open an episode, play
it, read its retention curve, jump to a hotspot, edit a line, re-render with live progress so
that only that scene is rebuilt, see the new version and its diff). Screenshots go to
$DRAMALINE_TEST_ARTIFACTS (default: test-artifacts/ in the repository).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from dramaline.studio.users import Role
from tests.studio.conftest import PASSWORD, SERIES, artifacts_dir, config

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")


class Server:
    """The studio app under uvicorn in a thread, on a free port of 127.0.0.1."""

    def __init__(self, app: Any) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        cfg = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(cfg)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the studio server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def wait_until(page: Any, script: str, timeout_s: float = 30.0) -> None:
    """Poll `script` in the page until it is true (wait_for_function evaluates strings, which the CSP forbids)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(script):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_s:.0f} s: {script}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield instance
        instance.close()


def test_sign_in_and_role_checks(browser: Any, studio_copy: Path, request: pytest.FixtureRequest) -> None:
    from dramaline.studio.app import create_app

    shots = artifacts_dir(request)
    app = create_app(studio_copy, config(local=False), run_jobs=False)
    app.state.studio.users.add("vera", Role.VIEWER, PASSWORD)
    app.state.studio.users.add("walt", Role.WRITER, PASSWORD)
    with Server(app) as server:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{server.url}/series/{SERIES}/episodes/1")
        assert "/sign-in" in page.url
        page.screenshot(path=str(shots / "01-sign-in.png"))
        page.fill("input[name=name]", "vera")
        page.fill("input[name=password]", "not the password")
        page.click("#sign-in-form button[type=submit]")
        assert page.text_content("#sign-in-error") == "Wrong name or password."
        page.fill("input[name=password]", PASSWORD)
        page.click("#sign-in-form button[type=submit]")
        page.wait_for_url(f"{server.url}/series/{SERIES}/episodes/1")
        assert page.locator("#edit-script").count() == 0, "a viewer gets no edit button"
        page.screenshot(path=str(shots / "02-viewer-episode.png"), full_page=True)
        page.goto(f"{server.url}/series/{SERIES}/episodes/1/edit")
        assert page.locator("#save-script").count() == 0
        assert "needs the writer role" in page.text_content("main")
        # Even a hand-made request from the viewer's page is refused by the API.
        status = page.evaluate(
            """async () => (await fetch(location.pathname.replace('/series', '/api/series').replace('/edit', '/script'),
                {method: 'PUT', headers: {'Content-Type': 'application/json',
                 'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content}, body: '{}'})).status"""
        )
        assert status == 403
        response = page.goto(f"{server.url}/admin")
        assert response.status == 403 and "needs the admin role" in page.text_content("#error-message")
        page.screenshot(path=str(shots / "03-viewer-admin-refused.png"))
        page.goto(f"{server.url}/")
        page.click("text=Sign out")
        page.wait_for_url(re.compile(r".*/sign-in.*"))
        page.fill("input[name=name]", "walt")
        page.fill("input[name=password]", PASSWORD)
        page.click("#sign-in-form button[type=submit]")
        page.wait_for_url(f"{server.url}/")
        page.click(f"a[href='/series/{SERIES}']")
        page.click(f"#episodes a[href='/series/{SERIES}/episodes/1']")
        assert page.locator("#edit-script").count() == 1
        page.screenshot(path=str(shots / "04-writer-episode.png"))
        page.close()


def test_the_whole_flow_by_mouse(browser: Any, studio_copy: Path, request: pytest.FixtureRequest) -> None:
    from dramaline.studio.app import create_app

    shots = artifacts_dir(request)
    app = create_app(studio_copy, config())
    with Server(app) as server:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(server.url)
        page.screenshot(path=str(shots / "01-series-list.png"))
        page.click(f"a[href='/series/{SERIES}']")
        page.screenshot(path=str(shots / "02-series.png"), full_page=True)
        page.click(f"#episodes a[href='/series/{SERIES}/episodes/1']")

        # Watch it: the video loads and plays.
        wait_until(page, "document.getElementById('player').readyState >= 2")
        duration = page.evaluate("document.getElementById('player').duration")
        assert duration > 5
        page.evaluate("() => { const v = document.getElementById('player'); v.muted = true; return v.play(); }")
        wait_until(page, "document.getElementById('player').currentTime > 0.3")
        page.evaluate("document.getElementById('player').pause()")

        # The retention curve under it: clicking the curve seeks the player there.
        chart = page.locator("#retention .u-over")
        chart.wait_for()
        box = chart.bounding_box()
        chart.click(position={"x": box["width"] * 0.75, "y": box["height"] / 2})
        at = page.evaluate("document.getElementById('player').currentTime")
        assert at == pytest.approx(duration * 0.75, abs=duration * 0.06)

        # A hotspot: clicking it seeks to where its scene starts.
        hotspot = page.locator("#hotspots button.seek").first
        target = float(hotspot.get_attribute("data-t"))
        hotspot.click()
        wait_until(page, f"Math.abs(document.getElementById('player').currentTime - {target}) < 0.5")
        page.screenshot(path=str(shots / "03-episode-hotspot.png"), full_page=True)

        # Edit one line of scene 2 and save: a new version.
        page.click("#edit-script")
        line = page.locator("[data-scene]").nth(1).locator("textarea").first
        old_text = line.input_value()
        line.fill("The chairman's car waits outside, and so does the truth.")
        page.click("#save-script")
        wait_until(page, "document.getElementById('save-result').textContent.startsWith('Saved as v2')")
        page.screenshot(path=str(shots / "04-editor-saved.png"), full_page=True)

        # Re-render with live progress: only the edited scene is rebuilt.
        with page.expect_navigation():
            page.click("#render-button")
        row = page.locator("[data-live-jobs] tr.job").first
        row.locator(".job-state", has_text="done").wait_for(timeout=240_000)
        outcome = row.locator(".job-outcome").text_content()
        assert outcome.startswith("scenes rebuilt: 1 of 3"), outcome
        page.screenshot(path=str(shots / "05-rerendered.png"), full_page=True)

        # The new version is listed, and its diff shows the edit side by side.
        page.click(f".crumbs a[href='/series/{SERIES}/episodes/1']")
        assert "current" in page.locator("#versions li").first.text_content()
        assert page.locator("#versions li").first.locator("a").first.text_content() == "v2"
        page.click("#versions a:has-text('diff with v1')")
        diff = page.locator("#diff")
        assert "The chairman's car waits outside" in diff.locator("td").nth(-1).text_content() or (
            "The chairman's car waits outside" in diff.text_content()
        )
        assert old_text in diff.text_content()
        page.screenshot(path=str(shots / "06-diff.png"), full_page=True)
        assert not errors, errors
        page.close()
