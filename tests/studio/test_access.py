"""Access control over every API endpoint: no credentials → 401, too small a role → 403, CSRF, sign-in limits.

ROLES lists each endpoint with the least role it needs; a new endpoint fails
`test_every_endpoint_is_listed` until it is added, so no endpoint goes untested.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dramaline.studio.context import Studio
from dramaline.studio.users import Role
from tests.studio.conftest import PASSWORD, SERIES, csrf_headers, make_app, sign_in

ROLES: dict[tuple[str, str], str | None] = {
    ("POST", "/api/auth/sign-in"): None,
    ("POST", "/api/auth/sign-out"): "viewer",
    ("GET", "/api/auth/me"): "viewer",
    ("GET", "/api/users"): "admin",
    ("POST", "/api/users"): "admin",
    ("PATCH", "/api/users/{name}"): "admin",
    ("GET", "/api/tokens"): "admin",
    ("POST", "/api/tokens"): "admin",
    ("DELETE", "/api/tokens/{token_id}"): "admin",
    ("GET", "/api/audit"): "admin",
    ("GET", "/api/series"): "viewer",
    ("GET", "/api/series/{sid}"): "viewer",
    ("GET", "/api/series/{sid}/characters/{cid}/look.png"): "viewer",
    ("GET", "/api/series/{sid}/characters/{cid}/voice.wav"): "viewer",
    ("GET", "/api/series/{sid}/episodes/{number}"): "viewer",
    ("GET", "/api/series/{sid}/episodes/{number}/video"): "viewer",
    ("GET", "/api/series/{sid}/episodes/{number}/diff"): "viewer",
    ("PUT", "/api/series/{sid}/episodes/{number}/script"): "writer",
    ("POST", "/api/series/{sid}/import/fountain"): "writer",
    ("POST", "/api/series/{sid}/import/events"): "producer",
    ("GET", "/api/series/{sid}/episodes/{number}/plan"): "viewer",
    ("POST", "/api/series/{sid}/episodes/{number}/plan/decisions"): "writer",
    ("GET", "/api/series/{sid}/experiments"): "viewer",
    ("POST", "/api/series/{sid}/experiments"): "producer",
    ("POST", "/api/series/{sid}/experiments/{experiment_id}/stop"): "producer",
    ("GET", "/api/portfolio"): "viewer",
    ("POST", "/api/portfolio/record"): "producer",
    ("POST", "/api/portfolio/{sid}/greenlight"): "producer",
    ("POST", "/api/portfolio/{sid}/sunset"): "producer",
    ("GET", "/api/jobs"): "viewer",
    ("GET", "/api/jobs/events"): "viewer",
    ("GET", "/api/jobs/{job_id}"): "viewer",
    ("POST", "/api/jobs/render"): "writer",
    ("POST", "/api/jobs/simulate"): "producer",
    ("POST", "/api/jobs/{job_id}/retry"): "writer",
    ("POST", "/api/jobs/{job_id}/cancel"): "writer",
    ("POST", "/api/ingest/v1/events"): "ingest",
    ("GET", "/api/ingest/v1/health"): "ingest",
    ("GET", "/api/ingest/v1/stats"): "ingest",
}
PARAMS = {
    "sid": SERIES,
    "number": "1",
    "cid": "x",
    "job_id": "1",
    "token_id": "1",
    "name": "viewer",
    "experiment_id": "x",
}
PEOPLE = ("viewer", "writer", "producer", "admin")


def _url(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PARAMS[m.group(1)], path)


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every documented endpoint, from the OpenAPI schema (the pages are left out of it)."""
    paths = app.openapi()["paths"]
    return [(method.upper(), path) for path, methods in paths.items() for method in methods]


@pytest.fixture(scope="module")
def team(
    tmp_path_factory: pytest.TempPathFactory, built_studio: Path
) -> Iterator[tuple[FastAPI, dict[str, TestClient]]]:
    """The studio off localhost with one signed-in client per role (shared by this module's read-only tests)."""
    import shutil

    root = tmp_path_factory.mktemp("access") / "studio"
    shutil.copytree(built_studio, root, symlinks=True)
    app = make_app(root, local=False)
    studio: Studio = app.state.studio
    for person in PEOPLE:
        studio.users.add(person, Role(person), PASSWORD)
    clients = {person: TestClient(app) for person in PEOPLE}
    for person, client in clients.items():
        sign_in(client, person)
    yield app, clients
    for client in clients.values():
        client.close()


def test_every_endpoint_is_listed(team: tuple[FastAPI, dict[str, TestClient]]) -> None:
    app, _ = team
    assert sorted(_routes(app)) == sorted(ROLES)


def test_without_credentials_every_endpoint_answers_401(team: tuple[FastAPI, dict[str, TestClient]]) -> None:
    app, _ = team
    with TestClient(app) as anonymous:
        headers = csrf_headers(anonymous)
        for method, path in ROLES:
            if ROLES[(method, path)] is None:
                continue
            response = anonymous.request(method, _url(path), json={}, headers=headers)
            assert response.status_code == 401, (method, path, response.text)
            assert response.json()["detail"].startswith("sign in first")


def test_a_wrong_bearer_token_is_refused_even_with_a_session(team: tuple[FastAPI, dict[str, TestClient]]) -> None:
    _, clients = team
    response = clients["admin"].get("/api/series", headers={"Authorization": "Bearer dl_not-a-token"})
    assert response.status_code == 401


def test_too_small_a_role_gets_403_on_every_endpoint(team: tuple[FastAPI, dict[str, TestClient]]) -> None:
    _, clients = team
    checked = 0
    for (method, path), needed in ROLES.items():
        if needed is None:
            continue
        for person in PEOPLE:
            if Role(person).allows(Role(needed)):
                continue
            client = clients[person]
            response = client.request(method, _url(path), json={}, headers=csrf_headers(client))
            assert response.status_code == 403, (person, method, path, response.text)
            assert "role" in response.json()["detail"]
            checked += 1
    assert checked > 40


def test_pages_are_for_signed_in_people_and_admin_for_admins(team: tuple[FastAPI, dict[str, TestClient]]) -> None:
    app, clients = team
    html = {"accept": "text/html"}
    with TestClient(app) as anonymous:
        redirect = anonymous.get(f"/series/{SERIES}", headers=html, follow_redirects=False)
        assert redirect.status_code == 303
        assert redirect.headers["location"] == f"/sign-in?next=%2Fseries%2F{SERIES}"
    assert clients["viewer"].get("/admin", headers=html).status_code == 403
    assert clients["admin"].get("/admin", headers=html).status_code == 200
    viewer_page = clients["viewer"].get(f"/series/{SERIES}/episodes/1", headers=html).text
    writer_page = clients["writer"].get(f"/series/{SERIES}/episodes/1", headers=html).text
    assert 'id="edit-script"' not in viewer_page and 'id="edit-script"' in writer_page


def test_changes_riding_on_a_session_need_the_csrf_token(team: tuple[FastAPI, dict[str, TestClient]]) -> None:
    _, clients = team
    writer = clients["writer"]
    body = {"series": SERIES, "episodes": [2], "preset": "draft"}
    assert writer.post("/api/jobs/render", json=body).status_code == 403
    wrong = writer.post("/api/jobs/render", json=body, headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403


def test_session_cookie_flags(studio_copy: Path) -> None:
    app = make_app(studio_copy, local=False)
    app.state.studio.users.add("ana", Role.WRITER, PASSWORD)
    with TestClient(app) as client:
        response = client.post(
            "/api/auth/sign-in", json={"name": "ana", "password": PASSWORD}, headers=csrf_headers(client)
        )
        cookie = response.headers["set-cookie"].lower()
        assert "dl_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
        assert "secure" not in cookie  # plain http in the test; over https the cookie is Secure
        assert client.get("/api/auth/me").json()["name"] == "ana"
        client.post("/api/auth/sign-out", headers=csrf_headers(client))
        assert client.get("/api/auth/me").status_code == 401
    with TestClient(app, base_url="https://studio.example") as tls:
        response = tls.post("/api/auth/sign-in", json={"name": "ana", "password": PASSWORD}, headers=csrf_headers(tls))
        assert "secure" in response.headers["set-cookie"].lower()


def test_sign_in_is_rate_limited_per_address_and_name(studio_copy: Path) -> None:
    app = make_app(studio_copy, local=False)
    app.state.studio.users.add("ana", Role.VIEWER, PASSWORD)
    with TestClient(app) as client:
        headers = csrf_headers(client)
        for _ in range(5):
            wrong = client.post(
                "/api/auth/sign-in", json={"name": "ana", "password": "nope nope nope"}, headers=headers
            )
            assert wrong.status_code == 401
            assert wrong.json()["detail"] == "wrong name or password"
        limited = client.post("/api/auth/sign-in", json={"name": "ana", "password": PASSWORD}, headers=headers)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
        # Another name from the same address is still let through.
        app.state.studio.users.add("bo", Role.VIEWER, PASSWORD)
        assert client.post("/api/auth/sign-in", json={"name": "bo", "password": PASSWORD}, headers=headers).is_success


def test_sign_in_form_refuses_a_foreign_next_and_a_missing_token(studio_copy: Path) -> None:
    app = make_app(studio_copy, local=False)
    app.state.studio.users.add("ana", Role.VIEWER, PASSWORD)
    with TestClient(app) as client:
        form = {"name": "ana", "password": PASSWORD, "next": "//evil.example/"}
        assert client.post("/sign-in", data=form, headers={"accept": "text/html"}).status_code == 403
        form["csrf_token"] = csrf_headers(client)["X-CSRF-Token"]
        response = client.post("/sign-in", data=form, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/"


def test_admins_manage_users_and_tokens_and_everything_is_audited(studio_copy: Path) -> None:
    app = make_app(studio_copy, local=False)
    app.state.studio.users.add("root", Role.ADMIN, PASSWORD)
    with TestClient(app) as admin:
        sign_in(admin, "root")
        h = csrf_headers(admin)
        made = admin.post("/api/users", json={"name": "wu", "role": "writer", "password": PASSWORD}, headers=h)
        assert made.status_code == 201 and made.json()["role"] == "writer"
        assert (
            admin.post("/api/users", json={"name": "x", "role": "boss", "password": PASSWORD}, headers=h).status_code
            == 400
        )
        short = admin.post("/api/users", json={"name": "y", "role": "viewer", "password": "short"}, headers=h)
        assert short.status_code == 400 and "10 characters" in short.json()["detail"]
        assert admin.patch("/api/users/wu", json={"role": "producer"}, headers=h).json()["role"] == "producer"
        token = admin.post("/api/tokens", json={"name": "app events", "role": "ingest"}, headers=h).json()
        assert token["secret"].startswith("dl_")
        assert "secret" not in admin.get("/api/tokens").json()[0]
        assert admin.delete(f"/api/tokens/{token['id']}", headers=h).json()["revoked"] is True
        actions = [entry["action"] for entry in admin.get("/api/audit").json()]
        assert {"sign-in", "user-add", "user-change", "token-add", "token-revoke"} <= set(actions)
        entry = admin.get("/api/audit").json()[0]
        assert entry["actor"] == "root" and datetime.fromisoformat(entry["at"]).tzinfo == UTC


def test_ingestion_takes_events_with_an_ingest_token_only(studio_copy: Path) -> None:
    app = make_app(studio_copy, local=False)
    studio: Studio = app.state.studio
    _, ingest = studio.users.add_token("app", Role.INGEST, "test")
    _, viewer = studio.users.add_token("dashboard", Role.VIEWER, "test")
    event = {
        "event_id": "studio-test-1",
        "type": "play",
        "viewer_id": "v1",
        "session_id": "s1",
        "series": SERIES,
        "episode": 1,
        "position_s": 0.0,
        "platform": "tiktok",
        "market": "US",
        "language": "en",
        "client_ts": datetime.now(UTC).isoformat(),
    }
    with TestClient(app) as client:
        assert client.post("/api/ingest/v1/events", json={"events": [event]}).status_code == 401
        bad = client.post(
            "/api/ingest/v1/events", json={"events": [event]}, headers={"Authorization": f"Bearer {viewer}"}
        )
        assert bad.status_code == 403
        ok = client.post(
            "/api/ingest/v1/events", json={"events": [event]}, headers={"Authorization": f"Bearer {ingest}"}
        )
        assert ok.status_code == 200, ok.text
        assert ok.json()["accepted"] == 1
        # An ingest token reads nothing else.
        assert client.get("/api/series", headers={"Authorization": f"Bearer {ingest}"}).status_code == 403
        assert client.get("/api/series", headers={"Authorization": f"Bearer {viewer}"}).status_code == 200
