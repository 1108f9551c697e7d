"""OpenAISpeechModel against a real local HTTP server that speaks `POST /v1/audio/speech`."""

from __future__ import annotations

import json
import struct
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import pytest

from dramaline.errors import InvalidInputError, ProviderError
from dramaline.model import Emotion
from dramaline.sound.audio import RATE
from dramaline.sound.speech import OpenAISpeechModel, OpenAIVoices, SpeechModel
from tests.sound.timelines import CLAIRE, ETHAN


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: Any


class SpeechServer:
    """Answers each request with the next queued Reply; records what it was sent."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.seen: list[Seen] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", "0")))
                server.seen.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, json.loads(raw)))
                reply = server.replies.popleft() if server.replies else Reply(500, b'{"error": "no reply queued"}')
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.send_header("content-length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"


@pytest.fixture
def server() -> Iterator[SpeechServer]:
    s = SpeechServer()
    s.thread.start()
    try:
        yield s
    finally:
        s.httpd.shutdown()
        s.httpd.server_close()
        s.thread.join(timeout=5)


def wav_bytes(seconds: float = 0.5, rate: int = 24000, *, streamed: bool = False) -> bytes:
    """A 220 Hz tone as 16-bit WAV; `streamed` writes 0xFFFFFFFF sizes, as streaming TTS servers do."""
    t = np.arange(round(seconds * rate)) / rate
    pcm = np.round(16000 * np.sin(2 * np.pi * 220 * t)).astype("<i2").tobytes()
    riff_size, data_size = (0xFFFFFFFF, 0xFFFFFFFF) if streamed else (36 + len(pcm), len(pcm))
    header = b"RIFF" + struct.pack("<I", riff_size) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    return header + b"data" + struct.pack("<I", data_size) + pcm


def model(server: SpeechServer, waits: list[float] | None = None, **kwargs: Any) -> OpenAISpeechModel:
    sleep = (waits if waits is not None else []).append
    return OpenAISpeechModel(base_url=server.url, model="tts-test", api_key="sk-test", sleep=sleep, **kwargs)


def test_speaks_through_the_server_with_model_voice_format_and_key(server: SpeechServer) -> None:
    server.replies.append(Reply(body=wav_bytes(), headers={"content-type": "audio/wav"}))
    with model(server) as tts:
        speech: SpeechModel = tts
        take = speech.speak("You will regret this.", CLAIRE, Emotion.ANGRY, language="en")
    assert take.rate == RATE
    assert 0.3 < take.duration_s <= 0.5
    (request,) = server.seen
    assert request.path == "/v1/audio/speech"
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.body["model"] == "tts-test"
    assert request.body["input"] == "You will regret this."
    assert request.body["voice"] == OpenAIVoices().pick(CLAIRE)
    assert request.body["response_format"] == "wav"
    assert request.body["speed"] > 1.0
    assert "angry" in request.body["instructions"]


def test_streamed_wav_sizes_are_read_to_the_end(server: SpeechServer) -> None:
    server.replies.append(Reply(body=wav_bytes(streamed=True)))
    take = model(server).speak("Hello.", ETHAN, Emotion.NEUTRAL, language="en")
    assert 0.3 < take.duration_s <= 0.5


def test_voices_table_maps_gender_and_pitch_bands(server: SpeechServer) -> None:
    voices = {"female": ["af_low", "af_high"], "male": ["am_low", "am_high"], "nonbinary": ["x"]}
    tts = model(server, voices=voices, send_instructions=False)
    assert tts.request_body("Hi.", CLAIRE, Emotion.NEUTRAL, language="en")["voice"] == "af_high"
    body = tts.request_body("Hi.", ETHAN, Emotion.NEUTRAL, language="en")
    assert body["voice"] == "am_low"
    assert "instructions" not in body
    assert tts.fingerprint != model(server).fingerprint
    assert tts.fingerprint.startswith("openai-speech:tts-test:")
    with pytest.raises(ValueError, match="extra"):
        OpenAIVoices.model_validate({"child": ["y"]})


def test_429_then_success_is_retried_after_retry_after(server: SpeechServer) -> None:
    server.replies.extend(
        [Reply(429, b'{"error": {"message": "slow down"}}', {"retry-after": "2"}), Reply(body=wav_bytes())]
    )
    waits: list[float] = []
    assert model(server, waits).speak("Hello.", CLAIRE, Emotion.NEUTRAL, language="en").duration_s > 0.3
    assert len(server.seen) == 2
    assert waits == [2.0]


def test_5xx_on_every_attempt_says_it_is_overloaded(server: SpeechServer) -> None:
    server.replies.extend([Reply(503, b"busy")] * 3)
    with pytest.raises(ProviderError, match=r"HTTP 503 \(busy\) on all 3 attempts") as caught:
        model(server, retries=2).speak("Hello.", CLAIRE, Emotion.NEUTRAL, language="en")
    assert caught.value.retryable
    assert caught.value.provider_id == "openai-speech"


def test_400_is_a_clear_error_without_retry(server: SpeechServer) -> None:
    server.replies.append(Reply(400, b'{"error": {"message": "voice \'zzz\' not found"}}'))
    with pytest.raises(ProviderError, match=r"HTTP 400: voice 'zzz' not found; check that the model") as caught:
        model(server).speak("Hello.", CLAIRE, Emotion.NEUTRAL, language="en")
    assert not caught.value.retryable
    assert len(server.seen) == 1


def test_a_reply_that_is_not_wav_is_a_provider_error(server: SpeechServer) -> None:
    server.replies.append(Reply(body=b"ID3\x03mp3 data", headers={"content-type": "audio/mpeg"}))
    with pytest.raises(ProviderError, match=r"not a WAV file \(content-type 'audio/mpeg'"):
        model(server).speak("Hello.", CLAIRE, Emotion.NEUTRAL, language="en")


def test_unreachable_server_names_the_url() -> None:
    tts = OpenAISpeechModel(base_url="http://127.0.0.1:9/v1", model="m", retries=1, sleep=lambda s: None)
    with pytest.raises(ProviderError, match=r"cannot reach http://127.0.0.1:9/v1/audio/speech"):
        tts.speak("Hello.", CLAIRE, Emotion.NEUTRAL, language="en")
    with pytest.raises(InvalidInputError, match="no text"):
        tts.speak(" ", CLAIRE, Emotion.NEUTRAL, language="en")
