"""OpenAIChatModel against a real local chat-completions server: requests, retries, errors."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from dramaline.errors import ProviderError, ProviderTimeout
from dramaline.providers import ChatMessage
from dramaline.providers.openai_chat import OpenAIChatModel
from dramaline.settings import Settings
from tests.protocol_server import ProtocolServer, Reply, content_reply, error_reply

MESSAGES: list[ChatMessage] = [
    {"role": "system", "content": "You write JSON."},
    {"role": "user", "content": "Say hi."},
]
SCHEMA = {"type": "object", "properties": {"hi": {"type": "string"}}, "required": ["hi"]}


@pytest.fixture
def server() -> Iterator[ProtocolServer]:
    with ProtocolServer() as s:
        yield s


def make(server_url: str, sleeps: list[float], **overrides: object) -> OpenAIChatModel:
    options: dict[str, object] = {"model": "test-model", "api_key": "sk-test", "retries": 2, "timeout_s": 30.0}
    options.update(overrides)
    return OpenAIChatModel(base_url=server_url, sleep=sleeps.append, **options)  # type: ignore[arg-type]


def ask(model: OpenAIChatModel) -> str:
    return model.complete_json(MESSAGES, schema=SCHEMA, schema_name="greeting")


def test_sends_an_openai_request_and_returns_the_content(server):
    server.enqueue(content_reply('{"hi": "there"}'))
    sleeps: list[float] = []
    model = make(server.url + "/", sleeps, temperature=0.3, seed=7)

    assert ask(model) == '{"hi": "there"}'

    (request,) = server.requests
    assert request.method == "POST"
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.body == {
        "model": "test-model",
        "messages": MESSAGES,
        "temperature": 0.3,
        "seed": 7,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "greeting", "schema": SCHEMA, "strict": False},
        },
    }
    assert sleeps == []


def test_no_key_sends_no_authorization_and_no_seed(server):
    server.enqueue(content_reply("{}"))
    ask(make(server.url, [], api_key=None))
    (request,) = server.requests
    assert "authorization" not in request.headers
    assert "seed" not in request.body


def test_from_settings_uses_every_llm_setting(server):
    server.enqueue(content_reply("{}"))
    settings = Settings(
        llm_base_url=server.url,
        llm_model="qwen-test",
        llm_api_key="sk-settings",
        llm_timeout_s=9.0,
        llm_http_retries=1,
        llm_temperature=0.2,
    )
    model = OpenAIChatModel.from_settings(settings, seed=3)
    assert (model.url, model.timeout_s, model.retries) == (server.url + "/chat/completions", 9.0, 1)
    ask(model)
    (request,) = server.requests
    assert request.headers["authorization"] == "Bearer sk-settings"
    assert (request.body["model"], request.body["temperature"], request.body["seed"]) == ("qwen-test", 0.2, 3)


def test_fingerprint_names_the_model_hashes_the_options_and_hides_the_key():
    a = OpenAIChatModel(base_url="http://x/v1", model="m1", api_key="sk-secret", temperature=0.5)
    assert re.fullmatch(r"openai-chat:m1:[0-9a-f]{64}", a.fingerprint)
    assert "sk-secret" not in a.fingerprint
    same = OpenAIChatModel(base_url="http://y/v1", model="m1", api_key="other", temperature=0.5)
    assert same.fingerprint == a.fingerprint
    assert OpenAIChatModel(base_url="http://x/v1", model="m1", temperature=0.6).fingerprint != a.fingerprint
    assert OpenAIChatModel(base_url="http://x/v1", model="m1", temperature=0.5, seed=1).fingerprint != (a.fingerprint)


def test_429_honours_retry_after_then_succeeds(server):
    server.enqueue(error_reply(429, "slow down", {"Retry-After": "2"}), content_reply('{"hi": "again"}'))
    sleeps: list[float] = []
    assert ask(make(server.url, sleeps)) == '{"hi": "again"}'
    assert sleeps == [2.0]
    assert len(server.requests) == 2


def test_retry_after_as_an_http_date_is_honoured(server):
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    server.enqueue(error_reply(429, "slow down", {"Retry-After": when}), content_reply("{}"))
    sleeps: list[float] = []
    ask(make(server.url, sleeps))
    assert len(sleeps) == 1
    assert 25 <= sleeps[0] <= 30


def test_5xx_backs_off_exponentially_then_fails_with_the_server_message(server):
    server.enqueue(*[error_reply(500, "model crashed")] * 4)
    sleeps: list[float] = []
    with pytest.raises(ProviderError) as caught:
        ask(make(server.url, sleeps, retries=3, backoff_s=1.0))
    assert len(server.requests) == 4
    assert len(sleeps) == 3
    for attempt, slept in enumerate(sleeps):
        assert 2**attempt <= slept <= 1.25 * 2**attempt
    message = str(caught.value)
    assert "HTTP 500" in message and "model crashed" in message
    assert "DRAMALINE_LLM_HTTP_RETRIES" in message
    assert caught.value.retryable
    assert not isinstance(caught.value, ProviderTimeout)


def test_a_503_then_success_is_retried(server):
    server.enqueue(Reply(status=503, body="upstream busy"), content_reply('{"hi": "ok"}'))
    assert ask(make(server.url, [])) == '{"hi": "ok"}'


def test_401_fails_at_once_and_names_the_key_setting(server):
    server.enqueue(error_reply(401, "Incorrect API key provided"))
    sleeps: list[float] = []
    with pytest.raises(ProviderError) as caught:
        ask(make(server.url, sleeps))
    assert len(server.requests) == 1
    assert sleeps == []
    assert "HTTP 401" in str(caught.value)
    assert "Incorrect API key provided" in str(caught.value)
    assert "DRAMALINE_LLM_API_KEY" in str(caught.value)
    assert not caught.value.retryable


def test_404_names_the_url_and_model_settings(server):
    server.enqueue(Reply(status=404, body={"error": "model 'nope' not found"}))
    with pytest.raises(ProviderError) as caught:
        ask(make(server.url, [], model="nope"))
    message = str(caught.value)
    assert "model 'nope' not found" in message
    assert "DRAMALINE_LLM_BASE_URL" in message and "DRAMALINE_LLM_MODEL" in message
    assert len(server.requests) == 1


def test_timeout_raises_provider_timeout_after_the_retries(server):
    server.enqueue(Reply(body="{}", delay_s=10), Reply(body="{}", delay_s=10))
    sleeps: list[float] = []
    with pytest.raises(ProviderTimeout) as caught:
        ask(make(server.url, sleeps, retries=1, timeout_s=0.2))
    assert isinstance(caught.value, TimeoutError)
    assert len(server.requests) == 2
    assert len(sleeps) == 1
    assert "DRAMALINE_LLM_TIMEOUT_S" in str(caught.value)


def test_connection_refused_names_the_url_and_says_to_start_the_server():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    sleeps: list[float] = []
    with pytest.raises(ProviderError) as caught:
        ask(make(url, sleeps, retries=2))
    assert len(sleeps) == 2
    message = str(caught.value)
    assert f"{url}/chat/completions" in message
    assert "must be running" in message
    assert "DRAMALINE_LLM_BASE_URL" in message


def test_a_body_that_is_not_a_chat_completion_is_a_clear_error(server):
    server.enqueue(Reply(body="<html>welcome to nginx</html>"))
    with pytest.raises(ProviderError) as caught:
        ask(make(server.url, []))
    assert "not a chat completion" in str(caught.value)
    assert "welcome to nginx" in str(caught.value)


def test_an_empty_message_is_a_clear_error(server):
    server.enqueue(Reply(body={"choices": [{"message": {"role": "assistant", "content": None}}]}))
    with pytest.raises(ProviderError, match="no text content"):
        ask(make(server.url, []))


def test_malformed_json_content_is_returned_as_is_for_the_writer_to_judge(server):
    server.enqueue(content_reply('{"hi": '))
    assert ask(make(server.url, [])) == '{"hi": '
