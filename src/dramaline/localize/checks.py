"""Automatic checks of a localised episode: leftovers, glossary, caption reading speed, loudness and sync.

Reading speed follows the working values in the delivery specs: at most 17 characters per second
for Latin-script captions (spaces count, line breaks do not) and 9 for Chinese and Japanese
(every character counts); loudness is measured on the delivered file by ffmpeg's own EBU R128
meter: −14 LUFS ±1 and a true peak at most −1 dBTP (plus what AAC encoding adds, see
AAC_PEAK_ALLOWANCE_DB).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

from dramaline.captions.script import base_language, is_cjk_language
from dramaline.localize.glossary import missing_terms, terms_in
from dramaline.localize.translate import unit_id
from dramaline.model import Glossary, QACheck, QAFinding, Series, Timeline
from dramaline.produce.encode import ffmpeg_binary, probe

LATIN_MAX_CPS = 17.0
CJK_MAX_CPS = 9.0
TARGET_LUFS, LUFS_TOLERANCE = -14.0, 1.0
MAX_TRUE_PEAK_DBTP = -1.0
AAC_PEAK_ALLOWANCE_DB = 0.5
"""The master peaks at −1 dBTP; AAC's decoder may overshoot by a few tenths, which is not the mix's fault."""
SYNC_TOLERANCE_S = 0.1

STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        {
            "the", "and", "you", "your", "is", "are", "was", "were", "of", "with", "what", "who", "this", "that",
            "my", "he", "she", "it", "we", "they", "not", "will", "have", "has", "for", "be", "been", "from", "but",
            "would", "could", "should", "don't", "can't", "i'm", "it's", "you're", "there", "their", "here", "where",
            "why", "how", "when", "about", "into", "just", "know", "want", "never", "always", "every",
        }
    ),
    "es": frozenset(
        {
            "el", "la", "los", "las", "que", "de", "y", "en", "un", "una", "es", "por", "con", "para", "su", "sus",
            "pero", "mi", "tu", "yo", "usted", "ella", "él", "nosotros", "qué", "quién", "cómo", "dónde", "está",
            "son", "fue", "era", "muy", "sin", "sobre", "también", "me", "te", "se", "lo", "le", "no", "a", "he",
            "has", "ha", "al", "del",
        }
    ),
    "ca": frozenset(
        {"el", "la", "els", "les", "que", "de", "i", "en", "un", "una", "és", "per", "amb", "al", "seu", "però",
         "jo", "tu", "ella", "ell", "no"}
    ),
    "pt": frozenset(
        {"o", "a", "os", "as", "que", "de", "e", "em", "um", "uma", "é", "por", "com", "para", "seu", "sua", "mas",
         "eu", "tu", "ela", "ele", "não"}
    ),
}  # fmt: skip
"""Function words: one of the source language's (and not the target's) in a translation was left untranslated."""
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def check_lines(
    source: Series, localized: Series, glossary: Glossary, unknown: Mapping[str, tuple[str, ...]], episode: int
) -> list[QAFinding]:
    """Leftovers and glossary terms, line by line, for one episode."""
    findings: list[QAFinding] = []
    original, translated = source.episode(episode), localized.episode(episode)
    src_stop = STOPWORDS.get(base_language(source.language), frozenset())
    stop = src_stop - STOPWORDS.get(base_language(localized.language), frozenset())
    names = {w.casefold() for e in glossary.entries for w in _WORD.findall(e.target)}
    cjk = is_cjk_language(localized.language)
    for scene, scene_t in zip(original.scenes, translated.scenes, strict=True):
        for i, (line, line_t) in enumerate(zip(scene.lines, scene_t.lines, strict=True)):

            def flag(check: QACheck, detail: str, *, text: str = line_t.text, s: str = scene.id, n: int = i) -> None:
                findings.append(QAFinding(check=check, episode=episode, scene_id=s, line=n, text=text, detail=detail))

            left = unknown.get(unit_id(episode, scene.id, i), ())
            if left:
                flag(QACheck.LEFTOVER, f"not translated (unknown to the translator): {', '.join(left)}")
            words = [w.casefold() for w in _WORD.findall(line.text)]
            own = [
                w
                for w in words
                if w not in names and not any(w in t.source.casefold() for t in terms_in(line.text, glossary))
            ]
            if len(own) >= 2 and " ".join(line.text.split()).casefold() == " ".join(line_t.text.split()).casefold():
                flag(QACheck.LEFTOVER, "the line is the same as the original")
            target_words = [w.casefold() for w in _WORD.findall(line_t.text)]
            stray = sorted({w for w in target_words if w in stop and w not in names})
            if cjk:
                stray = sorted({w for w in _LATIN_WORD.findall(line_t.text) if w.casefold() not in names})
            if stray:
                flag(QACheck.LEFTOVER, f"original-language words remain: {', '.join(stray)}")
            for entry in missing_terms(line.text, line_t.text, glossary):
                flag(QACheck.GLOSSARY, f"{entry.source!r} must be written {entry.target!r} ({entry.kind.value})")
    return findings


def check_timeline(timeline: Timeline) -> tuple[list[QAFinding], int]:
    """Reading speed of every caption and the sync of captions with speech; returns the findings and cues checked."""
    findings: list[QAFinding] = []
    cjk = is_cjk_language(timeline.language)
    limit = CJK_MAX_CPS if cjk else LATIN_MAX_CPS
    checked = 0
    cursor = 0
    for scene in timeline.scenes:
        if scene.start_frame != cursor:
            findings.append(
                QAFinding(check=QACheck.SYNC, episode=timeline.episode, scene_id=scene.scene_id,
                          detail=f"the scene starts at frame {scene.start_frame}, the previous ended at {cursor}")
            )  # fmt: skip
        cursor = scene.end_frame
        for line in scene.lines:

            def flag(
                check: QACheck, detail: str, text: str = line.text, n: int = line.index, s: str = scene.scene_id
            ) -> None:
                findings.append(
                    QAFinding(check=check, episode=timeline.episode, scene_id=s, line=n, text=text, detail=detail)
                )

            if not scene.start_frame <= line.start_frame < line.end_frame <= scene.end_frame:
                flag(QACheck.SYNC, "the speech runs outside its scene")
            if not line.cues:
                flag(QACheck.SYNC, "the line has no caption")
                continue
            if line.cues[0].start_frame != line.start_frame or line.cues[-1].end_frame != line.end_frame:
                flag(QACheck.SYNC, "the captions do not start and end with the speech")
            for cue in line.cues:
                checked += 1
                seconds = (cue.end_frame - cue.start_frame) / timeline.fps
                chars = sum(1 for ch in cue.text if not ch.isspace()) if cjk else len(cue.text.replace("\n", ""))
                cps = chars / seconds if seconds > 0 else float("inf")
                if cps > limit:
                    flag(QACheck.READING_SPEED, f"{cps:.1f} characters per second (limit {limit:g})", cue.text)
    return findings, checked


def check_media(video: Path, timeline: Timeline) -> list[QAFinding]:
    """Loudness and true peak of the delivered episode, and its audio and video lengths against the timeline."""
    findings: list[QAFinding] = []
    cmd = [ffmpeg_binary(), "-nostats", "-i", str(video), "-af", "ebur128=peak=true", "-f", "null", "-"]
    report = subprocess.run(cmd, capture_output=True, text=True, check=False).stderr
    summary = report[report.rfind("Summary:") :]
    integrated = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    episode = timeline.episode
    if integrated is None or peak is None:
        return [QAFinding(check=QACheck.LOUDNESS, episode=episode, detail=f"ffmpeg could not measure {video.name}")]
    lufs, dbtp = float(integrated[1]), float(peak[1])
    if abs(lufs - TARGET_LUFS) > LUFS_TOLERANCE:
        findings.append(
            QAFinding(check=QACheck.LOUDNESS, episode=episode,
                      detail=f"integrated loudness {lufs:.1f} LUFS; the target is {TARGET_LUFS:g} ±{LUFS_TOLERANCE:g}")
        )  # fmt: skip
    if dbtp > MAX_TRUE_PEAK_DBTP + AAC_PEAK_ALLOWANCE_DB:
        findings.append(
            QAFinding(check=QACheck.LOUDNESS, episode=episode,
                      detail=f"true peak {dbtp:.1f} dBTP; at most {MAX_TRUE_PEAK_DBTP:g}")
        )  # fmt: skip
    expected = timeline.duration_frames / timeline.fps
    for stream in probe(video)["streams"]:
        length = float(stream.get("duration", expected))
        if abs(length - expected) > SYNC_TOLERANCE_S + len(timeline.scenes) / timeline.fps:
            findings.append(
                QAFinding(check=QACheck.SYNC, episode=episode,
                          detail=f"the {stream['codec_type']} lasts {length:.2f} s; the timeline {expected:.2f} s")
            )  # fmt: skip
    return findings
