"""A real local HTTP server that speaks the OpenAI chat-completions protocol, for tests.

Runs stdlib http.server on 127.0.0.1 (a free port) in a background thread. Replies come from a
queue of scripted `Reply`s, then from a handler callable; every request is recorded. Other
protocols (`image_servers.py`) are handlers on the same server.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    """The parsed JSON body, or None when the body was not JSON."""

    @property
    def schema_name(self) -> str | None:
        """The `response_format.json_schema.name` the client asked for, if any."""
        try:
            return str(self.body["response_format"]["json_schema"]["name"])
        except (KeyError, TypeError):
            return None

    @property
    def messages(self) -> list[dict[str, str]]:
        """The chat messages sent, in order."""
        return list(self.body["messages"])

    @property
    def prompt(self) -> str:
        """The content of the first user message: the request a step starts from."""
        return next(str(m["content"]) for m in self.messages if m["role"] == "user")


@dataclass(frozen=True)
class Reply:
    """A scripted response: status, body (a dict is sent as JSON, bytes as they are), headers, and a delay."""

    status: int = 200
    body: dict[str, Any] | str | bytes = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


Handler = Callable[[RecordedRequest], Reply]


def completion(content: str, *, model: str = "test-model") -> dict[str, Any]:
    """A chat-completions response body whose one choice says `content`."""
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def content_reply(content: str) -> Reply:
    """A 200 reply whose assistant message is `content` (valid JSON or not)."""
    return Reply(body=completion(content))


def error_reply(status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    """An OpenAI-style error reply: {"error": {"message": ...}}."""
    return Reply(status=status, body={"error": {"message": message, "type": "test"}}, headers=headers or {})


class ProtocolServer:
    """An OpenAI-compatible server on 127.0.0.1; `url` is its base URL, ending in /v1."""

    def __init__(self, handler: Handler | None = None) -> None:
        self.handler = handler
        self.requests: list[RecordedRequest] = []
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._request_handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:PORT`, for protocols served from the root."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        return f"{self.origin}/v1"

    def enqueue(self, *replies: Reply) -> None:
        """Queue replies, sent one per request in order before the handler is used."""
        with self._lock:
            self._queue.extend(replies)

    def start(self) -> ProtocolServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; slow replies still waiting are cut short."""
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ProtocolServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _next_reply(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self._queue:
                return self._queue.popleft()
        if self.handler is not None:
            return self.handler(request)
        return error_reply(599, f"test server: no reply scripted for request {len(self.requests)}")

    def _request_handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self._answer()

            def do_GET(self) -> None:
                self._answer()

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                headers = {k.lower(): v for k, v in self.headers.items()}
                reply = server._next_reply(RecordedRequest(self.command, self.path, headers, body))
                if reply.delay_s and server._stopping.wait(reply.delay_s):
                    return
                if isinstance(reply.body, bytes):
                    data, content_type = reply.body, "application/octet-stream"
                elif isinstance(reply.body, dict):
                    data, content_type = json.dumps(reply.body).encode(), "application/json"
                else:
                    data, content_type = reply.body.encode(), "text/plain"
                try:
                    self.send_response(reply.status)
                    if not any(name.lower() == "content-type" for name in reply.headers):
                        self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test); nothing left to do

        return _Handler
