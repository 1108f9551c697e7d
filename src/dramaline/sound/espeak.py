"""EspeakSpeechModel: the embedded, offline SpeechModel, built on the espeak-ng binary.

Each character gets a distinct voice: gender picks a family of espeak variants, a stable hash of
timbre and pitch picks one variant in it, and pitch and speed come from the Voice. Emotions
change delivery through the table in `dramaline.sound.delivery`.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from dramaline.errors import ConfigError, InvalidInputError, ProviderError
from dramaline.model import Emotion, Gender, Voice
from dramaline.providers.fingerprint import options_digest
from dramaline.sound.audio import Audio, decode_wav, trim_silence
from dramaline.sound.delivery import DELIVERIES, delivery_options

PROVIDER_ID = "espeak-ng"
VERSION = 1
"""Bumped when the same inputs should be spoken differently (the table and the trim are versioned too)."""
MALE_VARIANTS = ("m1", "m2", "m3", "m4", "m5", "m6", "m7")
FEMALE_VARIANTS = ("f1", "f2", "f3", "f4", "f5")
TRIM_THRESHOLD_DB = -40.0
"""Leading and trailing audio quieter than this, relative to the line's peak, is trimmed ..."""
TRIM_KEEP_S = (0.03, 0.08)
"""... except this much before the first and after the last sound, so words keep their edges."""
LANGUAGE_ALIASES = {
    "en": "en-us",
    "zh": "cmn",
    "zh-cn": "cmn",
    "zh-hans": "cmn",
    "zh-sg": "cmn",
    "zh-tw": "cmn",
    "zh-hant": "cmn",
    "zh-hk": "yue",
    "zh-mo": "yue",
    "es-mx": "es-419",
    "es-us": "es-419",
    "fr": "fr-fr",
    "pt-br": "pt-br",
}
"""BCP 47 tags whose espeak-ng language has another name (Chinese is `cmn`, Cantonese `yue`)."""
MAX_PEAK = 0.977
"""Takes peak at most here (-0.2 dBFS): louder deliveries are turned up only until they would clip."""
INSTALL_HINT = (
    "install it with `sudo apt-get install espeak-ng` (macOS: `brew install espeak-ng`), or run `make demo`, "
    "which installs it"
)


class EspeakSpeechModel:
    """Speak lines offline with espeak-ng: a distinct voice per character, delivery per emotion."""

    def __init__(self, *, binary: str = "espeak-ng", timeout_s: float = 60.0) -> None:
        path = shutil.which(binary)
        if path is None:
            raise ConfigError(f"the speech engine {binary!r} was not found on PATH; {INSTALL_HINT}")
        self._binary = path
        self.timeout_s = timeout_s
        self.version = _version(path)
        options = {
            "version": VERSION,
            "male": MALE_VARIANTS,
            "female": FEMALE_VARIANTS,
            "trim": [TRIM_THRESHOLD_DB, *TRIM_KEEP_S],
            "max_peak": MAX_PEAK,
            "deliveries": delivery_options(),
        }
        digest = options_digest(options)
        self.fingerprint = f"{PROVIDER_ID}:{self.version}:{digest}"
        self._languages: frozenset[str] | None = None

    def speak(self, text: str, voice: Voice, emotion: Emotion, *, language: str) -> Audio:
        """Speak `text` in `voice` with `emotion` as mono 48 kHz Audio; same inputs → same audio."""
        if not text.strip():
            raise InvalidInputError("there is no text to speak; give the line some words")
        args = self.arguments(voice, emotion, language=language)
        ssml = f'<speak><prosody range="{DELIVERIES[emotion].range_pct}%">{escape(text)}</prosody></speak>'
        with tempfile.TemporaryDirectory(prefix="dramaline-espeak-") as tmp:
            out = Path(tmp) / "line.wav"
            try:
                done = subprocess.run(
                    [self._binary, *args, "-w", str(out)],
                    input=ssml.encode("utf-8"),
                    capture_output=True,
                    timeout=self.timeout_s,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise ProviderError(
                    f"espeak-ng did not finish speaking a {len(text)}-character line within {self.timeout_s:g} s; "
                    "split the line or raise timeout_s",
                    provider_id=PROVIDER_ID,
                    retryable=True,
                ) from exc
            if done.returncode != 0 or not out.exists():
                message = done.stderr.decode("utf-8", "replace").strip() or f"exit status {done.returncode}"
                raise ProviderError(
                    f"espeak-ng failed to speak {text[:40]!r} with {' '.join(args)}: {message}; check that the "
                    "espeak-ng installation is complete (`espeak-ng --voices` should list languages)",
                    provider_id=PROVIDER_ID,
                )
            audio = decode_wav(out.read_bytes())
        # Loudness is applied here rather than with espeak's -a, which clips loud voices.
        take = trim_silence(audio, threshold_db=TRIM_THRESHOLD_DB, keep_s=TRIM_KEEP_S)
        return _with_amplitude(take, DELIVERIES[emotion].amplitude_pct)

    def arguments(self, voice: Voice, emotion: Emotion, *, language: str) -> list[str]:
        """The espeak-ng options for `voice`, `emotion` and `language`; SSML comes on stdin, loudness after."""
        d = DELIVERIES[emotion]
        return [
            "-m",
            "--stdin",
            "-b",
            "1",
            "-v",
            f"{self.espeak_language(language)}+{variant(voice)}",
            "-p",
            str(_clamp(round(voice.pitch * 0.99) + d.pitch, 0, 99)),
            "-s",
            str(_clamp(round(voice.rate_wpm * d.speed), 80, 450)),
        ]

    def espeak_language(self, language: str) -> str:
        """The espeak-ng language that speaks the BCP 47 tag `language`; InvalidInputError if none does."""
        available = self.languages()
        parts = language.strip().lower().replace("_", "-").split("-")
        for i in range(len(parts), 0, -1):
            tag = "-".join(parts[:i])
            tag = LANGUAGE_ALIASES.get(tag, tag)
            if tag in available:
                return tag
        raise InvalidInputError(
            f"espeak-ng cannot speak the language {language!r}; set the series language to one it has: "
            f"{', '.join(sorted(available))} (or use another speech backend)"
        )

    def languages(self) -> frozenset[str]:
        """The languages installed espeak-ng speaks (from `espeak-ng --voices`), read once."""
        if self._languages is None:
            listing = self._run_quick("--voices")
            found: set[str] = set()
            for line in listing.splitlines()[1:]:
                cols = line.split()
                if len(cols) < 5 or cols[4].startswith("mb/"):
                    continue  # mbrola voices need the separate mbrola package
                found.add(cols[1].lower())
                found.update(m.lower() for m in re.findall(r"\(([A-Za-z0-9-]+) \d+\)", line))
            self._languages = frozenset(found)
        return self._languages

    def _run_quick(self, *args: str) -> str:
        done = subprocess.run([self._binary, *args], capture_output=True, timeout=30, check=False)
        if done.returncode != 0:
            raise ProviderError(
                f"`espeak-ng {' '.join(args)}` failed: {done.stderr.decode('utf-8', 'replace').strip()}; "
                f"reinstall espeak-ng: {INSTALL_HINT}",
                provider_id=PROVIDER_ID,
            )
        return done.stdout.decode("utf-8", "replace")


def variant(voice: Voice) -> str:
    """The espeak variant of `voice`: its gender's family, one member picked by a hash of timbre and pitch."""
    family: tuple[str, ...]
    if voice.gender is Gender.MALE:
        family = MALE_VARIANTS
    elif voice.gender is Gender.FEMALE:
        family = FEMALE_VARIANTS
    else:
        family = FEMALE_VARIANTS if voice.pitch >= 50 else MALE_VARIANTS
    key = f"{voice.timbre.casefold()}|{voice.pitch}".encode()
    return family[int.from_bytes(hashlib.sha256(key).digest()[:4], "big") % len(family)]


def _version(binary: str) -> str:
    """The version number `espeak-ng --version` reports (for example 1.51)."""
    try:
        done = subprocess.run([binary, "--version"], capture_output=True, timeout=30, check=False)
    except OSError as exc:
        raise ConfigError(f"cannot run {binary} ({exc}); {INSTALL_HINT}") from exc
    text = done.stdout.decode("utf-8", "replace")
    match = re.search(r"text-to-speech:\s*([0-9][\w.\-]*)", text)
    if done.returncode != 0 or match is None:
        raise ConfigError(f"{binary} --version did not report a version ({text.strip()!r}); {INSTALL_HINT}")
    return match.group(1)


def _with_amplitude(audio: Audio, percent: int) -> Audio:
    """`audio` scaled to `percent` of its level, then down again if that would peak over -0.2 dBFS."""
    gain = percent / 100
    peak = float(np.max(np.abs(audio.samples), initial=0.0)) * gain
    if peak > MAX_PEAK:
        gain *= MAX_PEAK / peak
    return Audio(audio.samples * np.float32(gain), audio.rate)


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))
