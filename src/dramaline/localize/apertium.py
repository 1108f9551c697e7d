"""ApertiumTranslator: the embedded, offline Translator, over the `apertium` command of Debian's packages.

Apertium is a rule-based engine: no model weights, no network, deterministic. Every wanted line
of a job goes through one `apertium MODE` process, lines separated by blank lines (Apertium
keeps blank lines, and never moves words across them); starting the engine costs seconds, a
line milliseconds. Glossary terms are swapped for placeholder words Apertium passes through,
and put back after. Words Apertium does not know come back marked `*word`: they are reported as
unknown (the QA flags them as leftovers) and the mark is dropped from the text.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess

from dramaline.captions.script import base_language
from dramaline.errors import ConfigError, InvalidInputError, ProviderError
from dramaline.localize.glossary import protect
from dramaline.localize.protocol import Translation, TranslationJob
from dramaline.providers.fingerprint import options_digest

PROVIDER_ID = "apertium"
VERSION = 1
BATCH_UNITS = 1500
"""Lines per apertium process: enough to amortise its start-up, small enough to report progress."""
INSTALL_HINT = (
    "install it and a language pair with `sudo apt-get install apertium apertium-eng-spa` "
    "(scripts/apt-packages.txt lists the pairs dramaline is tested with)"
)
ISO_639_1 = {
    "eng": "en", "spa": "es", "cat": "ca", "por": "pt", "glg": "gl", "fra": "fr", "ita": "it",
    "deu": "de", "nld": "nl", "afr": "af", "arg": "an", "eus": "eu", "oci": "oc", "ron": "ro",
    "epo": "eo", "rus": "ru", "ukr": "uk", "bel": "be", "nob": "nb", "nno": "nn", "dan": "da",
    "swe": "sv", "isl": "is", "mkd": "mk", "bul": "bg", "slv": "sl", "srd": "sc", "ind": "id",
    "zlm": "ms", "hin": "hi", "urd": "ur", "pol": "pl", "bre": "br",
}  # fmt: skip
"""Apertium names languages by ISO 639-3 (eng) or 639-1 (en); editions by BCP 47, which prefers 639-1."""
_UNKNOWN = re.compile(r"(?<![\w*#@])[*#@](\w[\w'’-]*)")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def tag(code: str) -> str:
    """An Apertium language code as a BCP 47 tag: "eng" → "en", "pt_BR" → "pt-BR"."""
    lang, _, variant = code.partition("_")
    base = ISO_639_1.get(lang, lang)
    return f"{base}-{variant}" if variant else base


@functools.cache
def installed_modes(binary: str = "apertium") -> tuple[str, ...]:
    """The translation modes installed (`apertium -l`), such as "eng-spa" and "es-pt_BR"."""
    path = shutil.which(binary)
    if path is None:
        return ()
    done = subprocess.run([path, "-l"], capture_output=True, timeout=60, check=False)
    if done.returncode != 0:
        return ()
    return tuple(sorted(m.strip() for m in done.stdout.decode("utf-8", "replace").split() if "-" in m.strip()))


def supported_pairs(binary: str = "apertium") -> dict[tuple[str, str], str]:
    """(source tag, target tag) → mode, for every installed pair; regional and orthographic variants are
    listed only when their variant is a region (pt-BR), not a spelling standard."""
    pairs: dict[tuple[str, str], str] = {}
    for mode in installed_modes(binary):
        source, _, target = mode.partition("-")
        variant = target.partition("_")[2]
        if variant and not re.fullmatch(r"[A-Z]{2}", variant):
            continue
        pairs.setdefault((tag(source), tag(target)), mode)
    return pairs


def describe_pairs(pairs: dict[tuple[str, str], str]) -> str:
    return ", ".join(f"{s}→{t}" for s, t in sorted(pairs)) or "none (no Apertium language pair is installed)"


class ApertiumTranslator:
    """Translate with an installed Apertium pair; InvalidInputError listing the installed pairs if there is none."""

    batches = True
    """One request for a whole job: Apertium's start-up costs seconds, a line milliseconds."""

    def __init__(self, source_language: str, target_language: str, *, binary: str = "apertium") -> None:
        path = shutil.which(binary)
        if path is None:
            raise ConfigError(f"the translation engine {binary!r} was not found on PATH; {INSTALL_HINT}")
        self._binary = path
        pairs = supported_pairs(binary)
        self.mode = _pick(pairs, source_language, target_language)
        self.fingerprint = (
            f"{PROVIDER_ID}:{self.mode}:{options_digest({'version': VERSION, 'modes': installed_modes(binary)})}"
        )

    def translate(self, job: TranslationJob) -> dict[str, Translation]:
        """Every wanted unit of the job, translated in as few apertium runs as possible."""
        units = [(u, protect(" ".join(u.text.split()), job.glossary)) for scene in job.scenes for u in scene.wanted]
        spanish = base_language(job.target_language) == "es"
        out: dict[str, Translation] = {}
        for start in range(0, len(units), BATCH_UNITS):
            chunk = units[start : start + BATCH_UNITS]
            raw = self._run_batch([p.text for _, p in chunk])
            for (unit, protected), text in zip(chunk, raw, strict=True):
                unknown = tuple(w for w in _UNKNOWN.findall(text) if not w.startswith("Zqx"))
                clean = " ".join(_UNKNOWN.sub(lambda m: m.group(1), protected.restore(text)).split())
                if clean and unit.text[:1].isupper():
                    clean = clean[0].upper() + clean[1:]
                out[unit.id] = Translation(text=_inverted_marks(clean) if spanish else clean, unknown=unknown)
        return out

    def _run_batch(self, texts: list[str]) -> list[str]:
        translated = _BLANK_LINE.split(self._run("\n\n".join(texts) + "\n\n").strip("\n"))
        translated = [t.strip() for t in translated]
        if len(translated) == len(texts):
            return translated
        # A line Apertium turned into a blank line would shift every later one; translate one by one instead.
        return [self._run(text).strip() for text in texts]

    def _run(self, text: str) -> str:
        try:
            done = subprocess.run(
                [self._binary, self.mode], input=text.encode("utf-8"), capture_output=True, timeout=600, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise ProviderError(
                f"apertium {self.mode} did not finish within 600 s; translate fewer episodes at a time",
                provider_id=PROVIDER_ID,
                retryable=True,
            ) from exc
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip() or f"exit status {done.returncode}"
            raise ProviderError(
                f"apertium {self.mode} failed: {message}; check the installation: {INSTALL_HINT}",
                provider_id=PROVIDER_ID,
            )
        return done.stdout.decode("utf-8", "replace")


def _pick(pairs: dict[tuple[str, str], str], source: str, target: str) -> str:
    """The mode for source → target: the exact regional variant first, then the language's plain pair."""
    exact = pairs.get((source, target))
    if exact:
        return exact
    for (s, t), mode in sorted(pairs.items()):
        if base_language(s) == base_language(source) and t == base_language(target):
            return mode
    raise InvalidInputError(
        f"Apertium has no installed pair {source}→{target}. Installed pairs: {describe_pairs(pairs)}. "
        f"Install another pair (apt-cache search apertium-), or translate with the LLM backend "
        f"(--backend llm: any OpenAI-compatible chat server, every language pair)"
    )


_SENTENCE = re.compile(r"[^.?!…]*[?!]+")


def _inverted_marks(text: str) -> str:
    """Spanish opens questions and exclamations with ¿ and ¡, which Apertium does not add."""

    def mark(m: re.Match[str]) -> str:
        sentence = m.group(0)
        body = sentence.lstrip()
        opener = "¿" if sentence.rstrip().endswith("?") else "¡"
        if not body or body[0] in "¿¡":
            return sentence
        return sentence[: len(sentence) - len(body)] + opener + body

    return _SENTENCE.sub(mark, text)
