"""The ingestion endpoint: durable, idempotent acceptance, per-event rejections and the limits.

Most tests drive the app in process (TestClient runs its lifespan, so the loader runs and leaving
the `with` block loads the inbox one last time). The last ones run the real server under uvicorn
in a subprocess: a chunked body over a real socket, and a server killed with SIGKILL mid-stream.
"""

from __future__ import annotations

import gzip
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dramaline.audience.server import Ingestion, IngestSettings, create_app, find_series_folders, ingest_router
from dramaline.audience.store import EventStore

SERIES = "harbor-heir"
WAIT_S = 60.0
"""How long to wait for the loader before failing: generous, as a busy CI machine can be slow."""
_ids = itertools.count()


def event(series: str = SERIES, **fields: Any) -> dict[str, Any]:
    """One valid play event as a client sends it; `fields` override or add."""
    n = next(_ids)
    raw: dict[str, Any] = {
        "event_id": f"ev-{n}",
        "type": "play",
        "viewer_id": f"viewer-{n % 7}",
        "session_id": f"session-{n}",
        "series": series,
        "episode": 1,
        "position_s": 0.0,
        "platform": "tiktok",
        "market": "US",
        "language": "en",
        "client_ts": "2025-03-01T12:00:00+00:00",
    }
    raw.update(fields)
    return raw


def batch(size: int, series: str = SERIES) -> list[dict[str, Any]]:
    return [event(series) for _ in range(size)]


def series_folder(parent: Path, name: str = SERIES) -> Path:
    folder = parent / name
    (folder / "audience").mkdir(parents=True)
    return folder


def stored_counts(folder: Path) -> dict[str, int]:
    """How many times each event id is in the store."""
    con = EventStore(folder).connect()
    try:
        rows = con.execute("SELECT event_id, count(*) FROM events GROUP BY event_id").fetchall()
    finally:
        con.close()
    return {str(event_id): int(n) for event_id, n in rows}


@contextmanager
def client_for(root: Path, **settings: Any) -> Iterator[TestClient]:
    with TestClient(create_app(root, load_interval_s=0.05, **settings)) as client:
        yield client


def test_a_valid_batch_is_accepted_and_then_stored(tmp_path: Path) -> None:
    folder = series_folder(tmp_path)
    sent = batch(3)
    with client_for(folder) as client:
        reply = client.post("/v1/events", json={"events": sent})
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["accepted"] == 3
        assert body["rejected"] == []
        assert body["received_at"]
        # The loader makes it visible while the server runs, not only at shutdown.
        deadline = time.monotonic() + WAIT_S
        while client.get("/v1/stats").json()["series"][SERIES]["events"] < 3:
            assert time.monotonic() < deadline, "the accepted events never reached the store"
            time.sleep(0.02)
        assert client.get("/v1/health").json()["status"] == "ok"
    assert stored_counts(folder) == {e["event_id"]: 1 for e in sent}
    con = EventStore(folder).connect()
    assert con.execute("SELECT count(*) FROM events WHERE received_ts IS NULL").fetchone() == (0,)


def test_malformed_events_are_rejected_one_by_one_and_the_valid_ones_kept(tmp_path: Path) -> None:
    folder = series_folder(tmp_path)
    good = batch(2)
    no_position = event(type="exit")
    no_position.pop("position_s")
    sent = [good[0], "not an event", no_position, good[1], event(market="usa"), event(colour="red")]
    with client_for(folder) as client:
        body = client.post("/v1/events", json=sent).json()  # a bare array works too
    assert body["accepted"] == 2
    rejected = {r["index"]: r for r in body["rejected"]}
    assert sorted(rejected) == [1, 2, 4, 5]
    assert rejected[2]["event_id"] == no_position["event_id"]
    assert "position_s" in rejected[2]["reason"]
    assert "market" in rejected[4]["reason"]
    assert "colour" in rejected[5]["reason"]
    assert all(r["reason"] for r in body["rejected"])
    assert stored_counts(folder) == {good[0]["event_id"]: 1, good[1]["event_id"]: 1}


def test_a_replayed_batch_is_stored_once(tmp_path: Path) -> None:
    folder = series_folder(tmp_path)
    sent = batch(5)
    with client_for(folder) as client:
        for _ in range(2):  # the second before the first is loaded
            assert client.post("/v1/events", json={"events": sent}).json()["accepted"] == 5
        deadline = time.monotonic() + WAIT_S
        while client.get("/v1/health").json()["inbox_files"]:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        # and once more after it is in the store
        assert client.post("/v1/events", json={"events": sent[2:]}).status_code == 200
    assert stored_counts(folder) == {e["event_id"]: 1 for e in sent}


def test_an_id_repeated_within_a_batch_is_stored_once(tmp_path: Path) -> None:
    folder = series_folder(tmp_path)
    first = event()
    again = {**first, "type": "progress", "position_s": 5.0}
    with client_for(folder) as client:
        reply = client.post("/v1/events", json={"events": [first, event(), again]})
    assert reply.status_code == 200
    counts = stored_counts(folder)
    assert counts[first["event_id"]] == 1
    assert len(counts) == 2


def test_ndjson_and_gzip_bodies(tmp_path: Path) -> None:
    folder = series_folder(tmp_path)
    sent = batch(3)
    lines = [json.dumps(sent[0]), "{not json", "", json.dumps(sent[1]), json.dumps(sent[2])]
    with client_for(folder) as client:
        body = client.post(
            "/v1/events", content="\n".join(lines), headers={"content-type": "application/x-ndjson"}
        ).json()
        assert body["accepted"] == 3
        assert [(r["index"], r["event_id"]) for r in body["rejected"]] == [(1, None)]
        assert "not JSON" in body["rejected"][0]["reason"]
        zipped = gzip.compress(json.dumps({"events": batch(2)}).encode())
        reply = client.post("/v1/events", content=zipped, headers={"content-encoding": "gzip"})
        assert reply.json()["accepted"] == 2
    assert len(stored_counts(folder)) == 5


def test_the_limits(tmp_path: Path) -> None:
    folder = series_folder(tmp_path)
    with client_for(folder, max_body_bytes=4000, max_batch_events=5) as client:
        big = json.dumps({"events": batch(20)}).encode()
        assert client.post("/v1/events", content=big).status_code == 413

        def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
            yield from (big[i : i + 1000] for i in range(0, len(big), 1000))

        reply = client.post("/v1/events", content=chunks())
        assert reply.status_code == 413
        assert "4000 bytes" in reply.json()["detail"]
        bomb = gzip.compress(b"[" + b" " * 1_000_000 + b"]")
        assert client.post("/v1/events", content=bomb, headers={"content-encoding": "gzip"}).status_code == 413
        too_many = client.post("/v1/events", json={"events": batch(6)})
        assert too_many.status_code == 413
        assert "limit of 5" in too_many.json()["detail"]
        assert client.post("/v1/events", json={"events": batch(5)}).json()["accepted"] == 5
        for junk in (b"{events: [", b"", b'{"rows": []}', b"[" * 3000):
            reply = client.post("/v1/events", content=junk)
            assert reply.status_code == 400, junk[:20]
            assert reply.json()["detail"]
    assert len(stored_counts(folder)) == 5


def test_events_go_to_their_series_and_unknown_series_are_rejected(tmp_path: Path) -> None:
    studio = tmp_path / "studio"
    (studio / "alpha").mkdir(parents=True)
    (studio / "alpha" / "series.yaml").write_text("title: Alpha\n")
    beta = series_folder(studio, "beta")
    (studio / "notes").mkdir()  # neither a series nor its store: ignored
    assert sorted(find_series_folders(studio)) == ["alpha", "beta"]
    sent = [event("alpha"), event("beta"), event("gamma"), event("beta")]
    with client_for(studio) as client:
        body = client.post("/v1/events", json={"events": sent}).json()
        assert body["accepted"] == 3
        [unknown] = body["rejected"]
        assert unknown["index"] == 2
        assert unknown["event_id"] == sent[2]["event_id"]
        assert "gamma" in unknown["reason"] and "alpha, beta" in unknown["reason"]
        series_folder(studio, "gamma")  # a series made while the server runs is found
        time.sleep(1.1)
        assert client.post("/v1/events", json={"events": [sent[2]]}).json()["accepted"] == 1
    assert set(stored_counts(studio / "alpha")) == {sent[0]["event_id"]}
    assert set(stored_counts(beta)) == {sent[1]["event_id"], sent[3]["event_id"]}
    assert set(stored_counts(studio / "gamma")) == {sent[2]["event_id"]}


def test_a_bearer_token_when_one_is_set(tmp_path: Path) -> None:
    folder = series_folder(tmp_path)
    with client_for(folder, token="s3cret") as client:
        for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": "Basic s3cret"}):
            reply = client.post("/v1/events", json={"events": batch(1)}, headers=headers)
            assert reply.status_code == 401
            assert reply.headers["www-authenticate"] == "Bearer"
        assert client.get("/v1/stats").status_code == 401
        assert client.get("/v1/health").status_code == 200  # for load balancers' probes
        good = {"authorization": "Bearer s3cret"}
        assert client.post("/v1/events", json={"events": batch(1)}, headers=good).json()["accepted"] == 1
        assert client.get("/v1/stats", headers=good).status_code == 200
    with client_for(series_folder(tmp_path, "open")) as client:
        assert client.post("/v1/events", json={"events": batch(1, "open")}).status_code == 200


def test_a_batch_that_cannot_be_made_durable_is_not_acknowledged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(self: EventStore, events: Any, **_: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(EventStore, "write_inbox", disk_full)
    with client_for(series_folder(tmp_path)) as client:
        reply = client.post("/v1/events", json={"events": batch(2)})
    assert reply.status_code == 503
    assert "No space left on device" in reply.json()["detail"] and "resend" in reply.json()["detail"]


def test_the_router_mounts_under_a_prefix_with_its_loader(tmp_path: Path) -> None:
    folder = series_folder(tmp_path)
    studio_app = FastAPI()
    studio_app.include_router(ingest_router(Ingestion(folder, IngestSettings(load_interval_s=0.05))), prefix="/api")
    with TestClient(studio_app) as client:
        assert client.post("/api/v1/events", json={"events": batch(2)}).json()["accepted"] == 2
        health = client.get("/api/v1/health").json()
        assert health["loader_running"] is True
        deadline = time.monotonic() + WAIT_S
        while client.get("/api/v1/stats").json()["series"][SERIES]["events"] < 2:
            assert time.monotonic() < deadline
            time.sleep(0.02)


# -- a real server in a subprocess -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def real_server(root: Path, *args: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`python -m dramaline.audience.server` on a free port, its log in `root/../server.log`."""
    port = _free_port()
    command = [sys.executable, "-m", "dramaline.audience.server", str(root), "--port", str(port), "--no-access-log"]
    log = root.parent / "server.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen([*command, *args], stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # importing the server takes seconds on a busy machine
        while True:
            try:
                if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {log.read_text()}")
            time.sleep(0.05)
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_killed_mid_stream_the_server_loses_nothing_it_acknowledged(tmp_path: Path) -> None:
    folder = series_folder(tmp_path)
    acknowledged: list[list[str]] = []
    unanswered: list[list[str]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def send(client_no: int) -> None:
        with httpx.Client(timeout=WAIT_S) as client:
            while not stop.is_set():
                sent = batch(50)
                ids = [e["event_id"] for e in sent]
                try:
                    reply = client.post(f"{url}/v1/events", json={"events": sent})
                except httpx.TransportError:
                    with lock:
                        unanswered.append(ids)
                    return
                with lock:
                    (acknowledged if reply.status_code == 200 else unanswered).append(ids)

    with real_server(folder, "--load-interval", "0.05", "--max-body-bytes", "100000") as (proc, url):
        # A chunked body over a real socket is cut off at the limit too.
        def endless() -> Iterator[bytes]:
            for _ in range(100):
                yield b" " * 10_000

        assert httpx.post(f"{url}/v1/events", content=endless(), timeout=WAIT_S).status_code == 413
        senders = [threading.Thread(target=send, args=(n,)) for n in range(4)]
        for thread in senders:
            thread.start()
        deadline = time.monotonic() + WAIT_S
        while len(acknowledged) < 20 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)  # mid-batch: four clients have requests in flight
        proc.wait()
        stop.set()
        for thread in senders:
            thread.join()
    assert len(acknowledged) >= 20
    # Restarted (in process, to spare the test a second start of Python): start-up loads what the
    # killed server left in its inbox.
    with client_for(folder) as client:
        deadline = time.monotonic() + WAIT_S
        while client.get("/v1/health").json()["inbox_files"]:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        counts = stored_counts(folder)
        assert all(counts.get(i) == 1 for ids in acknowledged for i in ids), "an acknowledged event was lost or doubled"
        assert all(counts.get(i, 0) <= 1 for ids in unanswered for i in ids)
        # A client resends what got no answer, and one acknowledged batch by mistake.
        for ids in [*unanswered, acknowledged[0]]:
            resend = [event(event_id=i) for i in ids]
            assert client.post("/v1/events", json={"events": resend}).status_code == 200
    counts = stored_counts(folder)
    assert all(n == 1 for n in counts.values())
    assert set(counts) == {i for ids in acknowledged + unanswered for i in ids}
