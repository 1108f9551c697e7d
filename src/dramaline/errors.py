"""The exception tree of dramaline; the CLI prints any DramalineError as one line, no traceback.

DramalineError
├── ConfigError            a setting is missing or wrong
│   └── NeedsKeyError      a backend needs an API key
├── InvalidInputError      (also ValueError) a request or argument is unusable
├── SeriesFileError        a series folder file is missing, unreadable or invalid
├── ImportFormatError      a Fountain (or other) file to import cannot be mapped
└── ProviderError          a backend failed; carries provider_id and retryable
    ├── ProviderTimeout    (also TimeoutError)
    └── WriterOutputError  a model's output stayed invalid after every retry
"""

from __future__ import annotations


class DramalineError(Exception):
    """Root of every error dramaline raises on purpose."""


class ConfigError(DramalineError):
    """A setting is missing or has an unusable value."""


class NeedsKeyError(ConfigError):
    """A backend needs an API key that is not set."""


class InvalidInputError(DramalineError, ValueError):
    """An argument or request cannot be used as given."""


class SeriesFileError(DramalineError):
    """A file of a series folder is missing, unreadable or fails validation."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


class ImportFormatError(DramalineError):
    """A file being imported cannot be mapped onto the series model."""


class MediaError(DramalineError):
    """A media tool (ffmpeg, ffprobe) failed or produced something unusable."""


class ProviderError(DramalineError):
    """A backend (model server, TTS engine, ...) failed."""

    def __init__(self, message: str, *, provider_id: str, retryable: bool = False) -> None:
        super().__init__(message)
        self.provider_id = provider_id
        self.retryable = retryable


class ProviderTimeout(ProviderError, TimeoutError):
    """A backend did not answer in time."""


class WriterOutputError(ProviderError):
    """A model's structured output stayed invalid after every retry."""
