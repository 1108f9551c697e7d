"""The HTTP plumbing every backend client shares: retries with backoff, errors that say what to check.

A `Endpoint` sends one request and returns the first response below 400. HTTP 429, 5xx and
network errors are retried with jittered exponential backoff (or after the server's
`Retry-After`); any other 4xx fails at once. Every error names the URL, the server's own message
and, through the client's `Advice`, the setting to check.
"""

from __future__ import annotations

import functools
import random
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from dramaline.errors import InvalidInputError, ProviderError, ProviderTimeout

MAX_RETRY_AFTER_S = 300.0
"""Longest `Retry-After` honoured, so a misconfigured server cannot park a run for hours."""


@dataclass(frozen=True)
class Advice:
    """What a client tells its user to check when its server fails; each is the end of a sentence."""

    timeout: str = "raise the timeout or use a faster model"
    unreachable: str = "the server must be running and reachable there: start it or fix the base URL"
    overloaded: str = "allow more retries"
    by_status: Mapping[int, str] = field(default_factory=dict)
    otherwise: str = "check the server settings"
    message: Callable[[httpx.Response], str] = field(default=lambda r: server_message(r))
    """Reads the server's complaint out of a refusal (clients may know the server's error shape)."""


class Endpoint:
    """A pooled HTTP client for one backend, with its retry policy; safe to share between threads."""

    def __init__(
        self,
        *,
        provider_id: str,
        advice: Advice,
        api_key: str | None = None,
        timeout_s: float = 120.0,
        retries: int = 4,
        backoff_s: float = 1.0,
        max_backoff_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if retries < 0:
            raise InvalidInputError(f"retries is {retries}; it must be 0 or more")
        self.provider_id = provider_id
        self.advice = advice
        self.timeout_s = timeout_s
        self.retries = retries
        self._api_key = api_key
        self._backoff_s = backoff_s
        self._max_backoff_s = max_backoff_s
        self._sleep = sleep
        self._transport = transport
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        refused: str = "the request",
    ) -> httpx.Response:
        """Send the request, retrying what may pass; `refused` names it in a refusal ("the request for …")."""
        client = self._http()
        attempts = self.retries + 1
        for attempt in range(attempts):
            last = attempt == self.retries
            try:
                response = client.request(method, url, json=json, params=params)
            except httpx.TimeoutException as exc:
                if last:
                    raise ProviderTimeout(
                        f"{url} did not answer within {self.timeout_s:g} s ({attempts} attempts): "
                        f"{type(exc).__name__}; {self.advice.timeout}",
                        provider_id=self.provider_id,
                        retryable=True,
                    ) from exc
            except httpx.ConnectError as exc:
                if last:
                    raise ProviderError(
                        f"cannot reach {url} ({exc}) after {attempts} attempts; {self.advice.unreachable}",
                        provider_id=self.provider_id,
                        retryable=True,
                    ) from exc
            except httpx.TransportError as exc:
                if last:
                    raise ProviderError(
                        f"the connection to {url} failed ({type(exc).__name__}: {exc}) after {attempts} "
                        "attempts; check that the server is healthy and try again",
                        provider_id=self.provider_id,
                        retryable=True,
                    ) from exc
            else:
                status = response.status_code
                if status < 400:
                    return response
                if status != 429 and status < 500:
                    check = self.advice.by_status.get(status, self.advice.otherwise)
                    raise ProviderError(
                        f"{url} refused {refused} with HTTP {status}: {self.advice.message(response)}; {check}",
                        provider_id=self.provider_id,
                    )
                if last:
                    raise ProviderError(
                        f"{url} answered HTTP {status} ({server_message(response)}) on all {attempts} attempts; "
                        f"the server is overloaded or failing: try again later, or {self.advice.overloaded}",
                        provider_id=self.provider_id,
                        retryable=True,
                    )
                wait_s = retry_after_s(response)
                if wait_s is not None:
                    self._sleep(wait_s)
                    continue
            self._sleep(self.backoff(attempt))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def backoff(self, attempt: int) -> float:
        """Seconds to wait before retry `attempt + 1`: exponential, capped, plus up to 25% jitter."""
        return min(self._max_backoff_s, self._backoff_s * 2.0**attempt) * (1 + random.random() / 4)

    def close(self) -> None:
        """Close the connection pool, if one was opened."""
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def _http(self) -> httpx.Client:
        """The HTTP client, opened on first use (backends may be called from several threads)."""
        with self._lock:
            if self._client is None:
                headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
                self._client = httpx.Client(
                    headers=headers,
                    timeout=httpx.Timeout(self.timeout_s, connect=min(self.timeout_s, 10.0)),
                    verify=tls_context(),
                    transport=self._transport,
                )
            return self._client


@functools.cache
def tls_context() -> ssl.SSLContext:
    """httpx's default TLS context, built once: loading the CA bundle takes a noticeable fraction of a second."""
    return httpx.create_ssl_context()


def server_message(response: httpx.Response) -> str:
    """The error message a server put in its response body, however it shaped it."""
    try:
        data = response.json()
    except ValueError:
        return snippet(response.text) or response.reason_phrase or "no message"
    if isinstance(data, dict):
        error = data.get("error", data.get("detail", data.get("message")))
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
        if isinstance(error, str):
            return error
    return snippet(response.text)


def retry_after_s(response: httpx.Response) -> float | None:
    """Seconds the server asked us to wait in `Retry-After` (seconds or an HTTP date), if it did."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def snippet(text: str, limit: int = 300) -> str:
    """`text` on one line, cut to `limit` characters: enough of a body to recognise it in an error."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"
