"""Local servers that speak the image protocols, for tests: ComfyUI's HTTP API and OpenAI's images API.

Both are handlers on the real stdlib server of `protocol_server.py`: requests are recorded, and
scripted replies queued on the server go out before the handler answers.
"""

from __future__ import annotations

import base64
import io
import itertools
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from PIL import Image

from tests.protocol_server import RecordedRequest, Reply

COLOR = (200, 40, 160)
"""The colour of every picture the servers draw, so a test can find it in an episode's frames."""
CHECKPOINTS = ("sd_xl_base_1.0.safetensors", "dreamshaper_8.safetensors")


def picture(width: int = 64, height: int = 96, color: tuple[int, int, int] = COLOR, fmt: str = "PNG") -> bytes:
    """A flat picture in one colour."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format=fmt)
    return out.getvalue()


@dataclass
class ComfyUI:
    """A ComfyUI server's HTTP API: POST /prompt checks the graph like ComfyUI's validation does,
    GET /history/{id} reports the run after `polls` empty answers, GET /view serves the files."""

    polls: int = 1
    outputs: str = "images"
    """What the save node lists: `images` (SaveImage) or `gifs` (VideoHelperSuite's VHS_VideoCombine)."""
    fail_with: str | None = None
    """An exception message the run fails with (reported in the history as an execution_error)."""
    never_finish: bool = False
    graphs: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    _polled: dict[str, int] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: RecordedRequest) -> Reply:
        url = urlsplit(request.path)
        if request.method == "POST" and url.path == "/prompt":
            return self._prompt(request.body)
        if request.method == "GET" and url.path.startswith("/history/"):
            return self._history(url.path.removeprefix("/history/"))
        if request.method == "GET" and url.path == "/view":
            query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            data = self.files.get(query.get("filename", ""))
            if data is None or query.get("type") != "output":
                return Reply(status=404, body="not found")
            return Reply(body=data, headers={"Content-Type": "image/png"})
        return Reply(status=404, body="not found")

    def _prompt(self, body: Any) -> Reply:
        graph = body.get("prompt") if isinstance(body, dict) else None
        if not isinstance(graph, dict) or not body.get("client_id"):
            return Reply(400, {"error": {"type": "no_prompt", "message": "No prompt provided"}, "node_errors": {}})
        node_errors: dict[str, Any] = {}
        for node_id, node in graph.items():
            errors = [e for name, v in node["inputs"].items() if (e := _check(node["class_type"], name, v))]
            if errors:
                node_errors[node_id] = {"errors": errors, "dependent_outputs": ["9"], "class_type": node["class_type"]}
        if node_errors:
            error = {"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation"}
            return Reply(400, {"error": {**error, "details": "", "extra_info": {}}, "node_errors": node_errors})
        with self._lock:
            prompt_id = f"prompt-{next(self._ids)}"
            self.graphs[prompt_id] = graph
        return Reply(body={"prompt_id": prompt_id, "number": len(self.graphs), "node_errors": {}})

    def _history(self, prompt_id: str) -> Reply:
        with self._lock:
            self._polled[prompt_id] = polled = self._polled.get(prompt_id, 0) + 1
        graph = self.graphs.get(prompt_id)
        if graph is None or self.never_finish or polled <= self.polls:
            return Reply(body={})
        if self.fail_with:
            failure = {
                "prompt_id": prompt_id,
                "node_id": "3",
                "node_type": "KSampler",
                "exception_message": self.fail_with,
                "exception_type": "torch.OutOfMemoryError",
            }
            status = {"status_str": "error", "completed": False, "messages": [["execution_error", failure]]}
            return Reply(body={prompt_id: {"prompt": [], "outputs": {}, "status": status}})
        latent = next(n["inputs"] for n in graph.values() if n["class_type"] == "EmptyLatentImage")
        if self.outputs == "gifs":
            name, data = f"clip_{prompt_id}.mp4", b"\x00\x00\x00\x18ftypmp42 not really a video"
            produced = {"gifs": [{"filename": name, "subfolder": "", "type": "output", "format": "video/h264-mp4"}]}
        else:
            name, data = f"dramaline_{prompt_id}_.png", picture(latent["width"], latent["height"])
            produced = {"images": [{"filename": name, "subfolder": "", "type": "output"}]}
        self.files[name] = data
        status = {"status_str": "success", "completed": True, "messages": [["execution_success", {}]]}
        return Reply(body={prompt_id: {"prompt": [], "outputs": {"9": produced}, "status": status}})


def _check(class_type: str, name: str, value: Any) -> dict[str, Any] | None:
    """One input's validation error, shaped like ComfyUI's, or None."""
    if isinstance(value, str) and "{{" in value:
        return {"type": "invalid_input", "message": f"Unfilled placeholder in {name}", "details": value}
    if class_type == "CheckpointLoaderSimple" and name == "ckpt_name" and value not in CHECKPOINTS:
        return {
            "type": "value_not_in_list",
            "message": "Value not in list",
            "details": f"ckpt_name: '{value}' not in {list(CHECKPOINTS)}",
            "extra_info": {"input_name": "ckpt_name"},
        }
    numbers = {("KSampler", "seed"), ("EmptyLatentImage", "width"), ("EmptyLatentImage", "height")}
    if (class_type, name) in numbers and not isinstance(value, int):
        return {"type": "invalid_input_type", "message": f"{name} must be an INT", "details": repr(value)}
    return None


@dataclass
class OpenAIImages:
    """An OpenAI-compatible `POST /v1/images/generations`: answers b64_json, or a URL served under /files/."""

    answer: str = "b64_json"
    """`b64_json`, or `url` to answer with a link (on `link_host`, default the server's own address)."""
    link_host: str | None = None
    fmt: str = "PNG"
    files: dict[str, bytes] = field(default_factory=dict)

    def __call__(self, request: RecordedRequest) -> Reply:
        url = urlsplit(request.path)
        if request.method == "GET" and url.path.startswith("/files/"):
            data = self.files.get(url.path.removeprefix("/files/"))
            return Reply(body=data) if data is not None else Reply(404, "no such file")
        if request.method != "POST" or url.path != "/v1/images/generations":
            return Reply(404, {"error": {"message": f"no route {url.path}"}})
        body = request.body
        if not isinstance(body, dict) or not body.get("prompt") or body.get("n", 1) != 1:
            return Reply(400, {"error": {"message": "prompt is required and n must be 1", "type": "invalid"}})
        try:
            width, height = (int(x) for x in str(body.get("size", "1024x1024")).split("x"))
        except ValueError:
            return Reply(400, {"error": {"message": f"Invalid size {body.get('size')!r}", "type": "invalid"}})
        data = picture(width, height, fmt=self.fmt)
        if self.answer == "url":
            name = f"img{len(self.files)}.png"
            self.files[name] = data
            host = self.link_host or request.headers["host"]
            return Reply(body={"created": 0, "data": [{"url": f"http://{host}/files/{name}"}]})
        return Reply(body={"created": 0, "data": [{"b64_json": base64.b64encode(data).decode()}]})
