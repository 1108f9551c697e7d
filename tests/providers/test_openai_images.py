"""OpenAIImageModel against a local server speaking the OpenAI images API: request, answers, errors."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image

from dramaline.errors import ProviderError
from dramaline.providers.images import ImageModel, ImageRequest
from dramaline.providers.openai_images import OpenAIImageModel
from tests.image_servers import COLOR, OpenAIImages
from tests.protocol_server import ProtocolServer, Reply, error_reply

REQUEST = ImageRequest(prompt="wide shot of a ballroom at night", negative_prompt="text", width=512, height=896, seed=7)


@pytest.fixture
def images() -> OpenAIImages:
    return OpenAIImages()


@pytest.fixture
def server(images: OpenAIImages) -> Iterator[ProtocolServer]:
    with ProtocolServer(images) as s:
        yield s


def client(server: ProtocolServer, sleeps: list[float] | None = None, **options: object) -> OpenAIImageModel:
    settings: dict[str, object] = {"model": "sdxl-turbo", "api_key": "sk-img", "retries": 2}
    settings.update(options)
    sleep = (sleeps if sleeps is not None else []).append
    return OpenAIImageModel(base_url=server.url, sleep=sleep, **settings)  # type: ignore[arg-type]


def color_and_size(png: bytes) -> tuple[tuple[int, int, int], tuple[int, int], str | None]:
    with Image.open(io.BytesIO(png)) as image:
        pixel = image.getpixel((5, 5))
        assert isinstance(pixel, tuple) and len(pixel) == 3  # newer Pillow types it as a union
        return (int(pixel[0]), int(pixel[1]), int(pixel[2])), image.size, image.format


def test_asks_for_one_picture_with_size_seed_and_key(server: ProtocolServer) -> None:
    model: ImageModel = client(server)
    assert color_and_size(model.generate(REQUEST)) == (COLOR, (512, 896), "PNG")
    (request,) = server.requests
    assert (request.method, request.path) == ("POST", "/v1/images/generations")
    assert request.headers["authorization"] == "Bearer sk-img"
    assert request.body == {
        "model": "sdxl-turbo",
        "prompt": REQUEST.prompt,
        "n": 1,
        "size": "512x896",
        "response_format": "b64_json",
        "seed": 7,
        "negative_prompt": "text",
    }


def test_openai_itself_gets_only_the_fields_it_knows() -> None:
    model = OpenAIImageModel(base_url="https://api.openai.com/v1", model="gpt-image-1")
    assert model.request_body(REQUEST) == {"model": "gpt-image-1", "prompt": REQUEST.prompt, "n": 1, "size": "512x896"}
    dalle = OpenAIImageModel(base_url="https://api.openai.com/v1", model="dall-e-3")
    assert dalle.request_body(REQUEST)["response_format"] == "b64_json"
    assert "seed" not in dalle.request_body(REQUEST)
    assert model.fingerprint != OpenAIImageModel(base_url="http://localhost:8080/v1").fingerprint
    assert model.fingerprint.startswith("openai-images:gpt-image-1:")


def test_a_url_answer_is_fetched_and_the_key_stays_with_its_host(server: ProtocolServer, images: OpenAIImages) -> None:
    images.answer = "url"
    model = client(server)
    assert color_and_size(model.generate(REQUEST))[0] == COLOR
    assert server.requests[1].path == "/files/img0.png"
    assert server.requests[1].headers["authorization"] == "Bearer sk-img"  # same host: same server
    port = server.origin.rsplit(":", 1)[1]
    images.link_host = f"localhost:{port}"  # the same server under another name: a CDN, to the client
    model.generate(REQUEST)
    assert server.requests[3].path == "/files/img1.png"
    assert "authorization" not in server.requests[3].headers


def test_jpeg_pictures_come_back_as_png(server: ProtocolServer, images: OpenAIImages) -> None:
    images.fmt = "JPEG"
    color, size, fmt = color_and_size(client(server).generate(REQUEST))
    assert (size, fmt) == ((512, 896), "PNG")
    assert all(abs(a - b) <= 8 for a, b in zip(color, COLOR, strict=True))


def test_a_500_then_success_is_retried(server: ProtocolServer) -> None:
    server.enqueue(error_reply(500, "GPU fell over"))
    sleeps: list[float] = []
    assert client(server, sleeps).generate(REQUEST).startswith(b"\x89PNG")
    assert len(server.requests) == 2 and len(sleeps) == 1


def test_a_400_is_a_clear_error_without_retry(server: ProtocolServer) -> None:
    server.enqueue(error_reply(400, "Invalid size '512x896'. Supported sizes are 1024x1024, 1024x1536"))
    with pytest.raises(ProviderError) as caught:
        client(server).generate(REQUEST)
    message = str(caught.value)
    assert f"{server.url}/images/generations refused to draw a 512x896 picture with model 'sdxl-turbo'" in message
    assert "HTTP 400: Invalid size" in message and "DRAMALINE_IMAGE_SIZE" in message
    assert not caught.value.retryable and len(server.requests) == 1


def test_answers_without_a_picture_are_provider_errors(server: ProtocolServer) -> None:
    server.enqueue(
        Reply(body={"data": [{"revised_prompt": "a ballroom"}]}),
        Reply(body="<html>nginx</html>"),
        Reply(body={"data": [{"b64_json": "aGVsbG8gd29ybGQ="}]}),
    )
    model = client(server)
    with pytest.raises(ProviderError, match="neither b64_json nor url"):
        model.generate(REQUEST)
    with pytest.raises(ProviderError, match=r"not an images response.*nginx"):
        model.generate(REQUEST)
    with pytest.raises(ProviderError, match="11 bytes that are not an image"):
        model.generate(REQUEST)
