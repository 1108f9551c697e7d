"""The studio on localhost with no users: the local admin, no sign-in, but CSRF still guards every change."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.studio.conftest import SERIES, csrf_headers, make_app


def test_pages_open_without_sign_in(local_client: TestClient) -> None:
    for url in ("/", f"/series/{SERIES}", f"/series/{SERIES}/episodes/1", "/jobs", "/admin", "/portfolio"):
        response = local_client.get(url, headers={"accept": "text/html"})
        assert response.status_code == 200, (url, response.text[:300])
        assert "local admin" in response.text
    me = local_client.get("/api/auth/me").json()
    assert me == {"name": "local", "role": "admin", "via": "local", "local_mode": True}


def test_a_change_without_the_csrf_token_is_refused(local_client: TestClient) -> None:
    body = {"series": SERIES, "episodes": [1], "preset": "draft"}
    refused = local_client.post("/api/jobs/render", json=body)
    assert refused.status_code == 403
    assert "security token" in refused.json()["detail"]
    accepted = local_client.post("/api/jobs/render", json=body, headers=csrf_headers(local_client))
    assert accepted.status_code == 202


def test_off_localhost_the_same_studio_needs_sign_in(studio_copy: Path) -> None:
    with TestClient(make_app(studio_copy, local=False)) as client:
        assert client.get("/api/series").status_code == 401
        page = client.get("/series", headers={"accept": "text/html"}, follow_redirects=False)
        assert page.status_code in (303, 404)
        home = client.get("/", headers={"accept": "text/html"}, follow_redirects=False)
        assert home.status_code == 303 and home.headers["location"] == "/sign-in?next=%2F"
