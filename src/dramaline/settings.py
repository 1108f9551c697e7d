"""Settings: one typed class read from the environment (DRAMALINE_*), `.env` and `dramaline.toml`.

Built once by the CLI and passed down; nothing reads the environment anywhere else.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


class Settings(BaseSettings):
    """Every setting of dramaline, with its default and what it is for."""

    model_config = SettingsConfigDict(
        env_prefix="DRAMALINE_",
        env_file=".env",
        extra="ignore",
        toml_file="dramaline.toml",
        frozen=True,
    )

    llm_base_url: str = Field(
        default="http://localhost:11434/v1",
        description="Base URL of the OpenAI-compatible server the LLM writer calls (Ollama's by default).",
    )
    llm_model: str = Field(default="qwen2.5:7b-instruct", description="Model name sent to the LLM server.")
    llm_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("DRAMALINE_LLM_API_KEY", "OPENAI_API_KEY", "llm_api_key"),
        description="API key for the LLM server; also read from OPENAI_API_KEY. Local servers need none.",
    )
    llm_timeout_s: float = Field(default=120.0, gt=0, description="Seconds to wait for one LLM reply.")
    llm_http_retries: int = Field(
        default=4,
        ge=0,
        le=10,
        description="Retries, with exponential backoff, on HTTP 429/5xx and network errors.",
    )
    llm_output_attempts: int = Field(
        default=3, ge=1, le=10, description="Attempts per step when the model's JSON fails validation."
    )
    llm_temperature: float = Field(default=0.8, ge=0, le=2, description="Sampling temperature for writing.")
    speech_backend: Literal["espeak", "openai"] = Field(
        default="espeak",
        description="Text-to-speech: espeak (embedded, offline) or openai (any /v1/audio/speech server).",
    )
    speech_base_url: str = Field(
        default="http://localhost:8880/v1", description="Base URL of the OpenAI-compatible speech server."
    )
    speech_model: str = Field(default="tts-1", description="Model name sent to the speech server.")
    speech_api_key: SecretStr | None = Field(
        default=None, description="API key for the speech server, if it needs one."
    )
    image_backend: Literal["embedded", "openai", "comfyui"] = Field(
        default="embedded",
        description="Pictures: embedded (the procedural renderer), openai (any /v1/images/generations server) "
        "or comfyui (a ComfyUI server running a workflow template).",
    )
    image_base_url: str = Field(
        default="",
        description="Base URL of the image server; empty: https://api.openai.com/v1 (openai) or "
        "http://127.0.0.1:8188 (comfyui).",
    )
    image_model: str = Field(
        default="",
        description="Image model (openai; empty: gpt-image-1) or checkpoint file put into the workflow's {{model}} "
        "(comfyui; empty: sd_xl_base_1.0.safetensors).",
    )
    image_api_key: SecretStr | None = Field(default=None, description="API key for the image server, if it needs one.")
    image_size: str = Field(
        default="768x1344",
        pattern=r"^\d{2,4}x\d{2,4}$",
        description="Size of the pictures asked for, WIDTHxHEIGHT (multiples of 8); they are cropped to the frame.",
    )
    image_style: str = Field(
        default="", max_length=500, description="House style added to every picture prompt; empty: a cinematic one."
    )
    image_timeout_s: float = Field(default=300.0, gt=0, description="Seconds to wait for one picture.")
    comfyui_workflow: str = Field(
        default="",
        description="Path of a ComfyUI workflow template in API format; empty: the built-in SDXL text-to-image one.",
    )
    c2pa_cert: str = Field(
        default="",
        description="PEM certificate chain for C2PA signing; empty: a studio key made in the series folder.",
    )
    c2pa_key: str = Field(default="", description="PEM private key matching DRAMALINE_C2PA_CERT.")
    words_per_minute: int = Field(
        default=150, ge=60, le=300, description="Reading speed used to estimate spoken duration."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, dotenv_settings, TomlConfigSettingsSource(settings_cls))
