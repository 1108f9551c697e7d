"""ComfyUIImageModel: the ImageModel of a ComfyUI server, through its HTTP API.

`POST /prompt` queues the workflow template with the request filled in (`comfyui_workflow.py`),
`GET /history/{prompt_id}` is polled until the run is recorded, and `GET /view` fetches each output
file. `run` and `fetch` hand back every output, stills and clips alike (VideoHelperSuite's
`gifs`, animated outputs); `generate`, the ImageModel method, takes the first still picture.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from types import TracebackType
from typing import Any

import httpx

from dramaline.errors import ProviderError, ProviderTimeout
from dramaline.providers.comfyui_workflow import DEFAULT_CHECKPOINT, DEFAULT_WORKFLOW, Workflow, check_workflow, fill
from dramaline.providers.fingerprint import options_digest
from dramaline.providers.http import Advice, Endpoint, server_message, snippet
from dramaline.providers.images import ImageRequest, as_png

PROVIDER_ID = "comfyui"
DEFAULT_BASE_URL = "http://127.0.0.1:8188"
STILL_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp"})


def comfy_message(response: httpx.Response) -> str:
    """ComfyUI's complaint about a workflow: its error, then every node error with node id and class."""
    try:
        data = response.json()
    except ValueError:
        return server_message(response)
    if not isinstance(data, dict):
        return server_message(response)
    parts: list[str] = []
    error = data.get("error")
    if isinstance(error, dict) and error.get("message"):
        details = error.get("details")
        parts.append(f"{error['message']}" + (f" ({details})" if details else ""))
    elif isinstance(error, str):
        parts.append(error)
    node_errors = data.get("node_errors")
    if isinstance(node_errors, dict):
        for node_id, info in node_errors.items():
            if not isinstance(info, dict):
                continue
            for e in info.get("errors") or []:
                if isinstance(e, dict):
                    details = e.get("details")
                    text = f"{e.get('message', 'invalid')}" + (f" ({details})" if details else "")
                    parts.append(f"node {node_id} ({info.get('class_type', '?')}): {text}")
    return "; ".join(parts) or server_message(response)


ADVICE = Advice(
    timeout="raise DRAMALINE_IMAGE_TIMEOUT_S or check that ComfyUI is not stuck",
    unreachable=(
        "ComfyUI must be running and reachable there (`python main.py --listen`): start it or set "
        "DRAMALINE_IMAGE_BASE_URL to where it listens"
    ),
    overloaded="check the ComfyUI console",
    by_status={
        400: "fix the workflow template (DRAMALINE_COMFYUI_WORKFLOW) or install what it names on the server "
        "(DRAMALINE_IMAGE_MODEL names the checkpoint)",
        401: "check DRAMALINE_IMAGE_API_KEY",
        403: "check DRAMALINE_IMAGE_API_KEY, or the server's origin checks",
        404: "check DRAMALINE_IMAGE_BASE_URL: it is ComfyUI's address, like http://127.0.0.1:8188",
    },
    otherwise="check the DRAMALINE_IMAGE_* settings",
    message=comfy_message,
)


@dataclass(frozen=True)
class OutputFile:
    """One file a workflow run saved, as listed in its history."""

    node: str
    kind: str
    """The key it was listed under in the node's outputs: `images`, `gifs` (VideoHelperSuite), …"""
    filename: str
    subfolder: str
    type: str
    """`output` (saved) or `temp` (a preview)."""
    animated: bool = False

    @property
    def is_still(self) -> bool:
        return (
            self.kind == "images"
            and not self.animated
            and PurePosixPath(self.filename).suffix.lower() in STILL_SUFFIXES
        )


class ComfyUIImageModel:
    """Generate stills by running a workflow template on a ComfyUI server."""

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        workflow: Workflow | None = None,
        model: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 300.0,
        poll_s: float = 0.5,
        http_timeout_s: float = 60.0,
        retries: int = 4,
        backoff_s: float = 1.0,
        max_backoff_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.workflow: Workflow = workflow if workflow is not None else DEFAULT_WORKFLOW
        check_workflow(self.workflow, "the ComfyUI workflow template")
        self.model = model or None
        self.timeout_s = timeout_s
        self.poll_s = poll_s
        self.client_id = uuid.uuid4().hex
        self._sleep = sleep
        self._clock = clock
        self._endpoint = Endpoint(
            provider_id=PROVIDER_ID,
            advice=ADVICE,
            api_key=api_key,
            timeout_s=min(http_timeout_s, timeout_s),
            retries=retries,
            backoff_s=backoff_s,
            max_backoff_s=max_backoff_s,
            sleep=sleep,
            transport=transport,
        )
        # The server's address is not part of it: the same workflow and checkpoint draw the same
        # pictures on any machine, so a render farm shares one cache.
        shape = {"workflow": self.workflow, "model": self.model or DEFAULT_CHECKPOINT}
        digest = options_digest(shape)
        self.fingerprint = f"{PROVIDER_ID}:{digest}"

    def graph(self, request: ImageRequest) -> Workflow:
        """The workflow to queue for `request`."""
        return fill(self.workflow, request, model=self.model)

    def generate(self, request: ImageRequest) -> bytes:
        """Run the workflow for `request`; its first still picture, as PNG bytes."""
        files = self.run(self.graph(request))
        stills = [f for f in files if f.is_still]
        if not stills:
            listed = ", ".join(f"{f.kind}: {f.filename}" for f in files) or "none"
            raise ProviderError(
                f"the ComfyUI workflow at {self.base_url} finished without a still picture (outputs: {listed}); "
                "dramaline builds episodes from still pictures: end the template in a SaveImage node",
                provider_id=PROVIDER_ID,
            )
        chosen = next((f for f in stills if f.type == "output"), stills[0])
        return as_png(self.fetch(chosen), source=f"{self.base_url}/view", provider_id=PROVIDER_ID)

    def run(self, graph: Workflow) -> list[OutputFile]:
        """Queue `graph`, wait for it to finish and list the files it saved."""
        return self.wait(self.submit(graph))

    def submit(self, graph: Workflow) -> str:
        """Queue `graph`; returns its prompt id."""
        url = f"{self.base_url}/prompt"
        body = {"prompt": graph, "client_id": self.client_id}
        response = self._endpoint.request("POST", url, json=body, refused="the workflow")
        try:
            prompt_id = response.json()["prompt_id"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderError(
                f"{url} answered HTTP {response.status_code} without a prompt_id ({snippet(response.text)}); "
                "check that DRAMALINE_IMAGE_BASE_URL is a ComfyUI server",
                provider_id=PROVIDER_ID,
                retryable=True,
            ) from exc
        return str(prompt_id)

    def wait(self, prompt_id: str) -> list[OutputFile]:
        """Poll the history until the run of `prompt_id` is recorded; the files it saved."""
        url = f"{self.base_url}/history/{prompt_id}"
        deadline = self._clock() + self.timeout_s
        while True:
            response = self._endpoint.request("GET", url, refused="the history request")
            try:
                entry = response.json().get(prompt_id)
            except (ValueError, AttributeError) as exc:
                raise ProviderError(
                    f"{url} answered with something that is not a ComfyUI history ({snippet(response.text)})",
                    provider_id=PROVIDER_ID,
                    retryable=True,
                ) from exc
            if isinstance(entry, dict):
                status = entry.get("status") or {}
                if status.get("status_str") == "error":
                    raise ProviderError(
                        f"ComfyUI at {self.base_url} failed running prompt {prompt_id}: {_execution_error(status)}; "
                        "check the ComfyUI console and the workflow template",
                        provider_id=PROVIDER_ID,
                    )
                files = _output_files(entry.get("outputs") or {})
                if files or status.get("completed"):
                    return files
            if self._clock() >= deadline:
                raise ProviderTimeout(
                    f"ComfyUI at {self.base_url} has not finished prompt {prompt_id} within {self.timeout_s:g} s; "
                    "it may be queued behind other work: raise DRAMALINE_IMAGE_TIMEOUT_S or check the ComfyUI queue",
                    provider_id=PROVIDER_ID,
                    retryable=True,
                )
            self._sleep(self.poll_s)

    def fetch(self, file: OutputFile) -> bytes:
        """The bytes of one output file."""
        params = {"filename": file.filename, "subfolder": file.subfolder, "type": file.type}
        url = f"{self.base_url}/view"
        return self._endpoint.request("GET", url, params=params, refused=f"to send {file.filename!r}").content

    def close(self) -> None:
        """Close the HTTP connection pool, if one was opened."""
        self._endpoint.close()

    def __enter__(self) -> ComfyUIImageModel:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _output_files(outputs: Any) -> list[OutputFile]:
    """Every file listed in a history entry's outputs, in node order."""
    files: list[OutputFile] = []
    if not isinstance(outputs, dict):
        return files
    for node_id, produced in outputs.items():
        if not isinstance(produced, dict):
            continue
        animated = any(bool(a) for a in produced.get("animated") or ())
        for kind, items in produced.items():
            for item in items if isinstance(items, list) else ():
                if isinstance(item, dict) and isinstance(item.get("filename"), str):
                    files.append(
                        OutputFile(
                            node=str(node_id),
                            kind=kind,
                            filename=item["filename"],
                            subfolder=str(item.get("subfolder", "")),
                            type=str(item.get("type", "output")),
                            animated=animated,
                        )
                    )
    return files


def _execution_error(status: dict[str, Any]) -> str:
    """The node and exception of a failed run, from the history's status messages."""
    for message in status.get("messages") or []:
        if isinstance(message, list) and len(message) == 2 and message[0] == "execution_error":
            data = message[1] if isinstance(message[1], dict) else {}
            node = f"node {data.get('node_id', '?')} ({data.get('node_type', '?')})"
            return f"{node}: {data.get('exception_type', 'error')}: {data.get('exception_message', '').strip()}"
    return "the run ended in an error without details"
