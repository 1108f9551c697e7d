"""The REST API on a small built studio: reading, editing, diffs, video ranges, uploads, jobs, and safety."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dramaline.series_folder import load_series
from dramaline.studio.context import Studio
from tests.studio.conftest import SERIES, csrf_headers, make_app

XSS = "<script>alert('pwned')</script><img src=x onerror=alert(1)>"


def _edit_body(client: TestClient, number: int = 1, scene: int = 1, line: int = 0, text: str = "") -> dict[str, object]:
    """The editor's body for the current version with one line's text replaced."""
    episode = client.get(f"/api/series/{SERIES}/episodes/{number}").json()["episode"]
    scenes = [
        {"id": s["id"], "lines": [{"text": x["text"], "emotion": x["emotion"]} for x in s["lines"]]}
        for s in episode["scenes"]
    ]
    if text:
        scenes[scene]["lines"][line]["text"] = text
    return {"base_version": episode["version"], "scenes": scenes, "note": "test"}


def test_series_list_and_series(local_client: TestClient) -> None:
    (row,) = local_client.get("/api/series").json()
    assert row["id"] == SERIES and row["status"] == "active"
    series = local_client.get(f"/api/series/{SERIES}").json()
    assert [e["number"] for e in series["episodes"]] == [1, 2]
    first = series["episodes"][0]
    assert first["video"]["preset"] == "draft" and first["video"]["version"] == 1
    assert first["metrics"]["views"] > 500 and 0 < first["metrics"]["completion"] < 1
    assert series["episodes"][1]["video"] is None
    assert series["funnel"][0]["episode"] == 1 and series["headline"]["simulated_share"] == 1.0
    assert series["bible"]["characters"]


def test_episode_has_its_curve_scenes_and_the_planted_hotspot(local_client: TestClient) -> None:
    data = local_client.get(f"/api/series/{SERIES}/episodes/1").json()
    stats = data["stats"]
    assert stats["share"][0] == pytest.approx(1.0) and len(stats["seconds"]) == len(stats["share"]) > 5
    assert [s["index"] for s in stats["scenes"]] == [1, 2, 3]
    assert any(h["scene"] == 2 and h["significant"] for h in stats["hotspots"]), stats["hotspots"]
    assert data["video"]["url"] == f"/api/series/{SERIES}/episodes/1/video"


def test_character_look_and_voice(local_client: TestClient) -> None:
    cid = local_client.get(f"/api/series/{SERIES}").json()["bible"]["characters"][0]["id"]
    look = local_client.get(f"/api/series/{SERIES}/characters/{cid}/look.png")
    assert look.status_code == 200 and look.content.startswith(b"\x89PNG")
    voice = local_client.get(f"/api/series/{SERIES}/characters/{cid}/voice.wav")
    assert voice.status_code == 200 and voice.content[:4] == b"RIFF"
    assert local_client.get(f"/api/series/{SERIES}/characters/nobody/look.png").status_code == 404


def test_video_is_served_with_ranges(local_client: TestClient) -> None:
    url = f"/api/series/{SERIES}/episodes/1/video"
    whole = local_client.get(url)
    assert whole.status_code == 200 and whole.headers["content-type"] == "video/mp4"
    assert whole.headers["accept-ranges"] == "bytes"
    part = local_client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-199/{len(whole.content)}"
    assert part.content == whole.content[100:200]
    unbuilt = local_client.get(f"/api/series/{SERIES}/episodes/2/video")
    assert unbuilt.status_code == 404 and "not built yet" in unbuilt.json()["detail"]


def test_an_edit_saves_a_new_version_and_the_diff_shows_it(local_client: TestClient) -> None:
    h = csrf_headers(local_client)
    body = _edit_body(local_client, scene=1, line=0, text="Tonight the whole city learns my name.")
    saved = local_client.put(f"/api/series/{SERIES}/episodes/1/script", json=body, headers=h)
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 2
    episode = local_client.get(f"/api/series/{SERIES}/episodes/1").json()
    assert episode["versions"] == [1, 2] and "edited in the studio by local" in episode["notes"]["2"]
    diff = local_client.get(f"/api/series/{SERIES}/episodes/1/diff").json()
    assert (diff["old_version"], diff["new_version"]) == (1, 2)
    new_lines = [r["new"]["text"] for r in diff["rows"] if r["mark"] in ("changed", "added")]
    assert new_lines == ["Tonight the whole city learns my name."]
    assert len(diff["rewritten_scenes"]) == 1
    # The same edit again started from v1, which is no longer current: refused, not silently undone.
    stale = local_client.put(f"/api/series/{SERIES}/episodes/1/script", json=body, headers=h)
    assert stale.status_code == 409 and "reload the editor" in stale.json()["detail"]


def test_edits_that_break_the_script_are_refused_clearly(local_client: TestClient) -> None:
    h = csrf_headers(local_client)
    url = f"/api/series/{SERIES}/episodes/1/script"
    unchanged = local_client.put(url, json=_edit_body(local_client), headers=h)
    assert unchanged.status_code == 400 and "nothing changed" in unchanged.json()["detail"]
    body = _edit_body(local_client)
    body["scenes"] = body["scenes"][:2]  # type: ignore[index]
    dropped = local_client.put(url, json=body, headers=h)
    assert dropped.status_code == 400 and "each of the episode's scenes once" in dropped.json()["detail"]
    wrong_emotion = _edit_body(local_client)
    wrong_emotion["scenes"][0]["lines"][0]["emotion"] = "furious-ish"  # type: ignore[index]
    invalid = local_client.put(url, json=wrong_emotion, headers=h)
    assert invalid.status_code == 422 and invalid.json()["detail"].startswith("invalid request: scenes.0.lines.0")
    assert (
        local_client.put(url, content=b"{not json", headers={**h, "content-type": "application/json"}).status_code
        == 422
    )


def test_scene_order_can_change(local_client: TestClient) -> None:
    body = _edit_body(local_client)
    scenes = body["scenes"]
    body["scenes"] = [scenes[0], scenes[2], scenes[1]]  # type: ignore[index]
    saved = local_client.put(f"/api/series/{SERIES}/episodes/1/script", json=body, headers=csrf_headers(local_client))
    assert saved.status_code == 200
    assert saved.json()["warnings"], "moving the cliffhanger away from the end breaks the genre's shape"
    rows = local_client.get(f"/api/series/{SERIES}/episodes/1/diff").json()["rows"]
    assert any(r["mark"] == "moved" for r in rows)


def test_script_text_with_html_is_escaped_on_every_page(local_client: TestClient) -> None:
    body = _edit_body(local_client, scene=0, line=0, text=XSS)
    assert local_client.put(
        f"/api/series/{SERIES}/episodes/1/script", json=body, headers=csrf_headers(local_client)
    ).is_success
    html = {"accept": "text/html"}
    for url in ("/episodes/1", "/episodes/1/edit", "/episodes/1/diff", "/episodes/1?version=2"):
        page = local_client.get(f"/series/{SERIES}{url}", headers=html)
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "onerror=alert(1)>" not in page.text
        assert "&lt;script&gt;alert(" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    # In the API the text is data, returned as written.
    assert (
        local_client.get(f"/api/series/{SERIES}/episodes/1").json()["episode"]["scenes"][0]["lines"][0]["text"] == XSS
    )


@pytest.mark.parametrize(
    "url",
    [
        "/api/series/..%2F..%2Fetc",
        "/api/series/%2e%2e",
        "/api/series/..",
        "/api/series/%2Fetc%2Fpasswd/episodes/1",
        "/api/series/night-shift%2F..%2F..%2F/episodes/1/video",
        "/api/series/UPPER/episodes/1",
        "/api/series/.dramaline",
        "/series/..%2F..%2Fetc",
    ],
)
def test_paths_from_requests_never_leave_the_studio(local_client: TestClient, url: str) -> None:
    response = local_client.get(url)
    assert response.status_code in (400, 404), (url, response.status_code)
    assert "/tmp" not in response.text and str(Path.cwd()) not in response.text


def test_a_symlink_out_of_the_studio_is_not_a_series(studio_copy: Path, tmp_path: Path) -> None:
    import shutil

    outside = tmp_path / "elsewhere" / "outside-series"
    shutil.copytree(studio_copy / SERIES, outside, ignore=shutil.ignore_patterns(".dramaline", "build", "audience"))
    (studio_copy / "linked").symlink_to(outside, target_is_directory=True)
    (studio_copy / "escape").symlink_to(outside.parent, target_is_directory=True)
    with TestClient(make_app(studio_copy)) as client:
        assert [s["id"] for s in client.get("/api/series").json()] == [SERIES]
        assert client.get("/api/series/linked").status_code == 404
        assert client.get("/api/series/escape").status_code == 404
        assert client.get("/api/series/linked/episodes/1/video").status_code == 404


def test_fountain_uploads_are_validated_and_size_limited(studio_copy: Path) -> None:
    from dramaline.exports.fountain import to_fountain

    with TestClient(make_app(studio_copy, max_script_bytes=50_000)) as client:
        h = {**csrf_headers(client), "content-type": "application/octet-stream"}
        url = f"/api/series/{SERIES}/import/fountain"
        series = load_series(studio_copy / SERIES)
        episode = series.episode(2)
        scene = episode.scenes[0]
        line = scene.lines[0].model_copy(update={"text": "The hall went quiet when he walked in."})
        scene = scene.model_copy(update={"lines": (line, *scene.lines[1:])})
        edited = series.with_episodes(
            (series.episode(1), episode.model_copy(update={"scenes": (scene, *episode.scenes[1:])}))
        )
        text = to_fountain(edited, [2])
        big = client.post(f"{url}?filename=big.fountain", content=b"x" * 60_000, headers=h)
        assert big.status_code == 413 and "at most 50,000" in big.json()["detail"]
        binary = client.post(f"{url}?filename=bad.fountain", content=b"\xff\xfe\x00\x01garbage", headers=h)
        assert binary.status_code == 400 and "UTF-8" in binary.json()["detail"]
        nonsense = client.post(f"{url}?filename=bad.fountain", content=b"just words, no screenplay", headers=h)
        assert nonsense.status_code == 400
        sneaky = client.post(f"{url}?filename=../../x.fountain", content=text.encode(), headers=h)
        assert sneaky.status_code == 400 and "no folders" in sneaky.json()["detail"]
        wrong_kind = client.post(f"{url}?filename=script.exe", content=text.encode(), headers=h)
        assert wrong_kind.status_code == 400
        ok = client.post(f"{url}?filename=edited.fountain", content=text.encode(), headers=h)
        assert ok.status_code == 200, ok.text
        assert ok.json()["changed"] == ["episode 2 v2"]


def test_event_uploads_are_validated_and_size_limited(studio_copy: Path) -> None:
    with TestClient(make_app(studio_copy, max_events_bytes=4_000)) as client:
        h = {**csrf_headers(client), "content-type": "application/octet-stream"}
        url = f"/api/series/{SERIES}/import/events"
        assert client.post(f"{url}?filename=e.jsonl", content=b"{}\n" * 2000, headers=h).status_code == 413
        assert client.post(f"{url}?filename=e.docx", content=b"{}", headers=h).status_code == 400
        garbage = client.post(f"{url}?filename=e.csv", content=b"what,is\nthis,file\n", headers=h)
        assert garbage.status_code == 400 and "unknown layout" in garbage.json()["detail"]
        assert "/tmp" not in garbage.text
        event = {"event_id": "up-1", "type": "play", "viewer_id": "v9", "session_id": "s9", "series": SERIES,
                 "episode": 1, "position_s": 0, "platform": "tiktok", "market": "US", "language": "en",
                 "client_ts": "2026-11-20T10:00:00+00:00"}  # fmt: skip
        ok = client.post(f"{url}?filename=e.jsonl", content=json.dumps(event).encode() + b"\n", headers=h)
        assert ok.status_code == 200, ok.text
        assert ok.json()["accepted"] == 1
        assert not list((studio_copy / ".dramaline" / "uploads").iterdir()), "the upload is not kept"


def test_render_jobs_run_and_report_what_they_rebuilt(local_client: TestClient) -> None:
    studio: Studio = local_client.app.state.studio  # type: ignore[attr-defined]
    h = csrf_headers(local_client)
    body = _edit_body(local_client, scene=1, line=0, text="Every debt in this city comes due tonight.")
    assert local_client.put(f"/api/series/{SERIES}/episodes/1/script", json=body, headers=h).is_success
    queued = local_client.post(
        "/api/jobs/render", json={"series": SERIES, "episodes": [1], "preset": "draft"}, headers=h
    )
    assert queued.status_code == 202 and queued.json()["state"] == "queued"
    done = studio.jobs.run_next()
    assert done is not None and done.state == "done", done
    assert done.result is not None
    assert done.result["built"]["scene"] == 1 and done.result["reused"]["scene"] == 2
    assert local_client.get(f"/api/jobs/{done.id}").json()["progress"] == 1.0
    assert local_client.get(f"/api/series/{SERIES}/episodes/1").json()["video"]["version"] == 2
    bad = local_client.post("/api/jobs/render", json={"series": SERIES, "episodes": [9]}, headers=h)
    assert bad.status_code == 400 and "episodes 1-2" in bad.json()["detail"]
    assert local_client.post("/api/jobs/render", json={"series": SERIES, "preset": "4k"}, headers=h).status_code == 400


def test_failed_jobs_keep_their_error_and_can_be_retried(studio_copy: Path) -> None:
    calls: list[dict[str, object]] = []

    def flaky(params: dict[str, object], progress: object) -> dict[str, object]:
        calls.append(params)
        if len(calls) == 1:
            raise RuntimeError("the disk is full")
        return {"ok": True}

    app = make_app(studio_copy)
    app.state.studio.jobs.handlers["render"] = flaky
    with TestClient(app) as client:
        h = csrf_headers(client)
        job = client.post("/api/jobs/render", json={"series": SERIES, "episodes": [1]}, headers=h).json()
        failed = app.state.studio.jobs.run_next()
        assert failed.state == "failed" and failed.error == "RuntimeError: the disk is full"
        jobs_page = client.get("/jobs", headers={"accept": "text/html"}).text
        assert "the disk is full" in jobs_page and "Traceback" not in jobs_page
        again = client.post(f"/api/jobs/{job['id']}/retry", headers=h)
        assert again.status_code == 202 and again.json()["retry_of"] == job["id"]
        assert app.state.studio.jobs.run_next().state == "done"
        assert calls[0] == calls[1]
        assert client.post(f"/api/jobs/{job['id'] + 1}/retry", headers=h).status_code == 400


def test_a_job_running_when_the_studio_stops_is_marked_interrupted(studio_copy: Path) -> None:
    first = make_app(studio_copy)
    job = first.state.studio.jobs.submit("render", {"series": SERIES, "episodes": [1]}, "test")
    first.state.studio.jobs._claim()  # running, and then the process dies
    second = make_app(studio_copy)
    with TestClient(second) as client:
        found = client.get(f"/api/jobs/{job.id}").json()
        assert found["state"] == "failed" and found["error"].startswith("interrupted")


def test_job_events_stream(local_client: TestClient) -> None:
    studio: Studio = local_client.app.state.studio  # type: ignore[attr-defined]
    job = studio.jobs.submit("simulate", {"series": SERIES, "viewers": 10}, "test")
    with local_client.stream("GET", "/api/jobs/events", headers={"Last-Event-ID": "0"}) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        text = ""
        for chunk in stream.iter_text():
            text += chunk
            if "event: job" in text and "\n\n" in text.split("event: job", 1)[1]:
                break
    data = json.loads(text.split("event: job", 1)[1].split("data: ", 1)[1].split("\n", 1)[0])
    assert data["id"] == job.id and data["state"] == "queued"


def test_plan_experiments_and_portfolio(local_client: TestClient) -> None:
    h = csrf_headers(local_client)
    plan = local_client.get(f"/api/series/{SERIES}/episodes/1/plan").json()
    assert plan["version"] == 1 and plan["simulated_share"] == 1.0
    assert local_client.post(f"/api/series/{SERIES}/episodes/1/plan/decisions", json={}, headers=h).status_code == 400
    unknown = local_client.post(f"/api/series/{SERIES}/episodes/1/plan/decisions", json={"apply": ["nope"]}, headers=h)
    assert unknown.status_code == 400 and "not in the current plan" in unknown.json()["detail"]
    if plan["operations"]:
        op = plan["operations"][0]["id"]
        rejected = local_client.post(
            f"/api/series/{SERIES}/episodes/1/plan/decisions", json={"reject": [op]}, headers=h
        )
        assert rejected.status_code == 200 and rejected.json()["version"] is None
        assert local_client.get(f"/api/series/{SERIES}/episodes/1/plan").json()["operations"][0]["rejected"] is True
    # Experiments need two versions of the episode.
    body = _edit_body(local_client, scene=0, line=0, text="A colder opening line for the test.")
    assert local_client.put(f"/api/series/{SERIES}/episodes/1/script", json=body, headers=h).is_success
    setup = {"episode": 1, "variants": [{"name": "control", "version": 1}, {"name": "cold", "version": 2}]}
    started = local_client.post(f"/api/series/{SERIES}/experiments", json=setup, headers=h)
    assert started.status_code == 201, started.text
    (experiment,) = local_client.get(f"/api/series/{SERIES}/experiments").json()
    assert experiment["running"] and experiment["decision"]
    stopped = local_client.post(
        f"/api/series/{SERIES}/experiments/{experiment['id']}/stop", json={"ship": "cold"}, headers=h
    )
    assert stopped.json()["shipped"] == "cold"
    board = local_client.get("/api/portfolio?wait=true").json()
    assert board["fresh"] and board["allocation"]["decisions"][0]["series_id"] == SERIES
    assert board["diversity"]
    unconfirmed = local_client.post(f"/api/portfolio/{SERIES}/greenlight", json={"episodes": 3}, headers=h)
    assert unconfirmed.status_code == 400 and "confirm" in unconfirmed.json()["detail"]
    greenlit = local_client.post(
        f"/api/portfolio/{SERIES}/greenlight", json={"episodes": 3, "confirm": True}, headers=h
    )
    assert greenlit.json()["greenlit_through"] == 5
    sunset = local_client.post(f"/api/portfolio/{SERIES}/sunset", json={"reason": "weak", "confirm": True}, headers=h)
    assert sunset.status_code == 200
    assert local_client.get("/api/series").json()[0]["status"] == "sunset"


def test_errors_are_messages_never_tracebacks(studio_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dramaline.studio import catalog

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("boom at /very/secret/path")

    monkeypatch.setattr(catalog, "series_rows", broken)
    local_client = TestClient(make_app(studio_copy), raise_server_exceptions=False)
    api = local_client.get("/api/series")
    assert api.status_code == 500 and api.json() == {
        "detail": "something went wrong in the studio; the server log has the details"
    }
    page = local_client.get("/", headers={"accept": "text/html"})
    assert page.status_code == 500 and "Traceback" not in page.text and "secret" not in page.text
    missing = local_client.get("/no/such/page", headers={"accept": "text/html"})
    assert missing.status_code == 404 and "<h1>Not found</h1>" in missing.text
    assert local_client.get("/api/nothing").json() == {"detail": "Not Found"}
    assert local_client.get(f"/api/series/{SERIES}/episodes/7").status_code == 404
    assert local_client.get(f"/api/series/{SERIES}/episodes/x").status_code == 422
