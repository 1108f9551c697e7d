"""`dramaline make`: a series folder -> finished episodes, building only what is not in the cache.

Per episode, in order: voice every line (cached per line) -> lay out the timeline -> with an image
backend, fetch each shot's still (cached per picture) -> render and encode every shot as a
segment (cached per shot, run by the executor), while beside them the audio is mixed, mastered and
encoded (cached) -> join the segments and mux the audio with the AIGC metadata (cached) -> write
the outputs (episode MP4, captions, cover, preview, timeline JSON) and sign with C2PA last.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dramaline.captions.cues import to_srt, to_vtt
from dramaline.heap import give_back_freed_memory
from dramaline.labels.metadata import aigc_metadata, mp4_metadata
from dramaline.model import NARRATOR, BeatType, Bible, Episode, Line, Preset, Series, Timeline, Voice
from dramaline.produce import covers, dual_mono, encode, segments, stills, timing
from dramaline.produce.cache import Cache, digest, key
from dramaline.produce.executors import Executor
from dramaline.produce.otio_export import write_series_timeline
from dramaline.produce.timing import VERSIONS_DIR
from dramaline.series_folder import load_series, write_text_atomic
from dramaline.sound import effects, mix, score
from dramaline.sound.audio import Memo, Samples, read_wav, write_wav
from dramaline.sound.speech import SpeechModel

EPISODE_VERSION = 2  # 2: joined in-process by PyAV, segments placed exactly
# 2: the score upsampled and true peaks read through libsoxr; 3: its scenes kept in float32; 4: no scipy;
# 5: measured over a noise floor (sound.filters)
MIX_VERSION = 5
VOICE_VERSION = 2  # 2: takes resampled to 48 kHz by libsoxr
AAC_VERSION = 5  # 2: the fast coder with mid/side stereo; 3: without it; 4: one channel coded for both (dual_mono);
# 5: keyed by the mix's key and encoded from its samples (the mix is no longer stored)
PREVIEW_SECONDS = 3.0
PRODUCER = "dramaline"

Progress = Callable[[str, int, int], None]
Takes = dict[tuple[str, int], Path]
"""(scene id, line index) → the line's voiced take in the cache."""


@dataclass
class BuildSummary:
    """What a build did: per stage, how many assets were built and how many came from the cache."""

    built: Counter[str] = field(default_factory=Counter)
    reused: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    episodes: list[Path] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    """Wall-clock seconds per stage (voices, stills, scenes, mix, join, outputs, signing): where a build's time went.

    The sound is made while the scenes render; `mix` is only the time the build then waited for it.
    """

    @contextmanager
    def timing(self, stage: str) -> Iterator[None]:
        """Add the time spent inside the block to `stage`."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + time.perf_counter() - start


Layout = Callable[[Series, Episode, Takes, Cache, BuildSummary], tuple[Takes, Timeline]]
"""Lays an episode out from its takes instead of `timing.lay_out`; may replace takes (an edition's re-timing)."""


@dataclass(frozen=True)
class Production:
    """The backends and settings of one build."""

    preset: Preset
    speech: SpeechModel
    executor: Executor
    signer: Callable[[Path, Path, str], None] | None = None  # (source, out, title): C2PA, last step
    images: stills.Direction | None = None  # generated stills instead of the embedded renderer


def make(
    folder: Path,
    production: Production,
    *,
    episodes: Sequence[int] | None = None,
    progress: Progress | None = None,
    series: Series | None = None,
    out_dir: Path | None = None,
    layout: Layout | None = None,
) -> BuildSummary:
    """Build the selected episodes (all by default) of the series in `folder`.

    An edition of the series builds with the folder's cache from its own `series`, into its own
    `out_dir`, with a `layout` that fits its speech into the original's timing.
    """
    started = time.perf_counter()
    series = load_series(folder) if series is None else series
    encode.ffmpeg_binary()  # check the tools before any work is spent
    encode.ffmpeg_binary("ffprobe")
    numbers = list(episodes) if episodes else [e.number for e in series.episodes]
    cache = Cache(folder / ".dramaline" / "cache")
    cache.clear_scratch()
    out_dir = out_dir or folder / "build" / production.preset.name
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = BuildSummary()
    for n in numbers:
        _make_episode(series, series.episode(n), production, cache, out_dir, summary, progress, layout)
    _write_otio(series, out_dir)
    give_back_freed_memory()  # the sound stage's arrays, kept for reuse while building (dramaline.heap)
    summary.seconds = time.perf_counter() - started
    return summary


def _make_episode(
    series: Series,
    episode: Episode,
    production: Production,
    cache: Cache,
    out_dir: Path,
    summary: BuildSummary,
    progress: Progress | None,
    layout: Layout | None = None,
) -> None:
    preset = production.preset
    stem = f"ep{episode.number:03d}"
    with summary.timing("voices"):
        takes = voice_lines(series, episode, production.speech, cache, summary)
        if layout is None:
            lengths = [
                [read_wav(takes[(s.id, i)]).frames(preset.fps) for i in range(len(s.lines))] for s in episode.scenes
            ]
            timeline = timing.lay_out(series, episode, lengths, preset)
        else:
            takes, timeline = layout(series, episode, takes, cache, summary)

    with summary.timing("stills"):
        pictures = _stills(series, timeline, production.images, cache, summary, progress)
    jobs = [_segment_job(series, timeline, i, preset, pictures[i]) for i in range(len(timeline.scenes))]
    # The sound (mix, master, AAC) and the sidecar files are made beside the pictures, in threads of
    # their own: they need none of them, and a rebuild that re-draws a shot or two leaves cores free.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="beside") as beside:
        sound: list[Future[Path]] = []
        sidecars: list[Future[None]] = []
        clips: list[Future[Path]] = []
        preview_frames = round(PREVIEW_SECONDS * preset.fps)

        def start_beside(cached: list[tuple[Path | None, int]]) -> None:
            sound.append(beside.submit(_audio, series, timeline, takes, cache, summary))
            sidecars.append(beside.submit(_write_sidecars, episode, timeline, jobs, preset, cache, out_dir, stem))
            # With the preview's pictures at hand (an edit past the opening), its clip is made as soon
            # as the sound is; otherwise they are cut from the joined episode, once it is joined.
            opening = _opening(cached, preview_frames)
            teaser = cache.get(_preview_pictures_key(opening)) if opening is not None else None
            if teaser is not None:
                clips.append(beside.submit(lambda: _preview_clip(teaser, sound[0].result(), cache)))

        with summary.timing("scenes"):
            placed = _segments(
                jobs, production, cache, summary, progress, f"episode {episode.number} shots", started=start_beside
            )
        with summary.timing("mix"):  # only the wait for the sound once the pictures are done
            audio = sound[0].result()
            sidecars[0].result()
        segment_paths = [path for path, _ in placed]
        metadata = aigc_metadata(producer=PRODUCER, produce_id=f"{_slug(series.title)}-{stem}")
        tags = mp4_metadata(metadata, title=f"{series.title} — {episode.title}", comment=series.logline)
        ep_key = key(
            "episode", EPISODE_VERSION, [*map(_object_digest, segment_paths), _object_digest(audio), digest(metadata)]
        )
        joined = cache.get(ep_key)
        if joined is None:
            with summary.timing("join"):
                scratch = cache.scratch(".mp4")
                encode.mux(segment_paths, audio, scratch, metadata=tags)
                joined = cache.put(ep_key, "episode", scratch)
            summary.built["episode"] += 1
        else:
            summary.reused["episode"] += 1
        with summary.timing("outputs"):
            if clips:
                preview = clips[0].result()
            else:
                opening = _opening(placed, preview_frames)
                assert opening is not None  # every segment is in place by now
                preview = _preview_clip(_preview_pictures(opening, joined, preset, cache), audio, cache)
            _copy_atomic(preview, out_dir / f"{stem}.preview.mp4")
    with summary.timing("signing" if production.signer else "outputs"):
        summary.episodes.append(_deliver(series, episode, joined, production, out_dir, stem))


def segment_key(job: segments.SegmentJob) -> str:
    """The cache key of one segment: the digest of its job, and what draws it."""
    return key("segment", segments.VERSION, [digest(job)], {"render": segments.renderer_id(job)})


def _segments(
    jobs: list[segments.SegmentJob],
    production: Production,
    cache: Cache,
    summary: BuildSummary,
    progress: Progress | None,
    what: str,
    started: Callable[[list[tuple[Path | None, int]]], None] = lambda cached: None,
) -> list[tuple[Path, int]]:
    """Every scene's segments in order with their lengths in frames, each from the cache or drawn by the executor.

    A scene (or shot) counts as built when any of its segments had to be drawn, as reused when none did.
    `started` is called once the executor has its jobs (and its worker processes exist), with every
    segment in order as it then stands: its cached file, or None while it is drawn, and its length.
    """
    parts = [
        ((i, s), piece)
        for i, job in enumerate(jobs)
        for s, shot in enumerate(segments.split(job))
        for piece in segments.pieces(shot)
    ]
    keys = [segment_key(part) for _, part in parts]
    found = {j: cache.get(k) for j, k in enumerate(keys)}
    missing = [j for j, p in found.items() if p is None]
    drawn = {parts[j][0] for j in missing}
    shots = {where for where, _ in parts}
    scenes_drawn = len({i for i, _ in drawn})
    summary.built["scene"] += scenes_drawn
    summary.reused["scene"] += len(jobs) - scenes_drawn
    summary.built["shot"] += len(drawn)
    summary.reused["shot"] += len(shots) - len(drawn)
    summary.reused["segment"] += len(parts) - len(missing)
    done = len(parts) - len(missing)
    if progress:
        progress(what, done, len(parts))
    # Longest first: a long shot started last would leave the other workers idle at the end.
    missing.sort(key=lambda j: -parts[j][1].frame_count)
    if missing:
        # The local pool's workers fork from this process: with the codecs loaded first (the join
        # needs them anyway), no worker loads them again, 0.09 s of CPU each.
        import av  # noqa: F401
    results = production.executor.run(segments.render_segment, [parts[j][1] for j in missing])
    started([(found[j], part.frame_count) for j, (_, part) in enumerate(parts)])
    for n, data in results:
        scratch = cache.scratch(".mp4")
        scratch.write_bytes(data)
        found[missing[n]] = cache.put(keys[missing[n]], "segment", scratch)
        summary.built["segment"] += 1
        done += 1
        if progress:
            progress(what, done, len(parts))
    return [(p, parts[j][1].frame_count) for j, p in sorted(found.items()) if p is not None]


def _opening(placed: Sequence[tuple[Path | None, int]], frames: int) -> list[Path] | None:
    """The segments that hold an episode's first `frames` frames; None if one of them is not made yet."""
    out: list[Path] = []
    at = 0
    for path, length in placed:
        if at >= frames:
            break
        if path is None:
            return None
        out.append(path)
        at += length
    return out


def voice_lines(
    series: Series,
    episode: Episode,
    speech: SpeechModel,
    cache: Cache,
    summary: BuildSummary,
    *,
    voices: Mapping[tuple[str, int], Voice] | None = None,
) -> Takes:
    """Every line's take, from the cache or freshly spoken (several at once: each is a subprocess).

    `voices` overrides the speaker's voice for some lines (scene id, line index): an edition speeds
    up a line whose translation is too long for its place.
    """
    wanted: dict[tuple[str, int], tuple[str, Line, Voice]] = {}
    for scene in episode.scenes:
        for i, line in enumerate(scene.lines):
            voice = series.narrator if line.speaker == NARRATOR else series.bible.character(line.speaker).voice
            voice = voices.get((scene.id, i), voice) if voices else voice
            k = key(
                "voice",
                VOICE_VERSION,
                [digest(line.text), line.emotion.value, series.language, digest(voice)],
                {"speech": speech.fingerprint},
            )
            wanted[(scene.id, i)] = (k, line, voice)
    takes: dict[tuple[str, int], Path] = {}
    todo = []
    for where, (k, line, voice) in wanted.items():
        hit = cache.get(k)
        if hit is None:
            todo.append((where, k, line, voice))
        else:
            takes[where] = hit
            summary.reused["line"] += 1

    def speak(item: tuple[tuple[str, int], str, Line, Voice]) -> tuple[tuple[str, int], Path]:
        where, k, line, voice = item
        scratch = cache.scratch(".wav")
        write_wav(speech.speak(line.text, voice, line.emotion, language=series.language), scratch)
        return where, cache.put(k, "voice", scratch)

    with ThreadPoolExecutor(max_workers=4) as pool:
        for where, path in pool.map(speak, todo):
            takes[where] = path
            summary.built["line"] += 1
    return takes


def _stills(
    series: Series,
    timeline: Timeline,
    direction: stills.Direction | None,
    cache: Cache,
    summary: BuildSummary,
    progress: Progress | None,
) -> list[tuple[tuple[segments.Still, ...], tuple[int, ...]]]:
    """Per scene, its generated pictures and each shot's index among them (none without an image backend)."""
    if direction is None:
        return [((), ())] * len(timeline.scenes)
    plans = [stills.scene_requests(series, scene, direction) for scene in timeline.scenes]
    what = f"episode {timeline.episode} stills"
    fetched, built, reused = stills.fetch(
        [r for plan in plans for r in plan],
        direction.model,
        cache,
        progress=(lambda done, total: progress(what, done, total)) if progress else None,
    )
    summary.built["still"] += built
    summary.reused["still"] += reused
    return [stills.job_stills(plan, fetched) for plan in plans]


def _segment_job(
    series: Series,
    timeline: Timeline,
    index: int,
    preset: Preset,
    pictures: tuple[tuple[segments.Still, ...], tuple[int, ...]] = ((), ()),
) -> segments.SegmentJob:
    scene = timeline.scenes[index]
    # Only what the scene shows goes into its job (and so its cache key): its characters' looks,
    # its location, the language of its captions. Editing another scene or a secret rebuilds nothing here.
    people = tuple(
        c.model_copy(update={"relationships": (), "want": "-", "secret": "-", "personality": ("-",)})
        for c in series.bible.characters
        if c.id in scene.characters
    )
    place = (series.bible.location(scene.location),)
    view = series.model_copy(
        update={
            "title": "-",
            "logline": "-",
            "premise": "-",
            "episodes": (),
            "seed": None,
            "bible": Bible.model_construct(characters=people, locations=place, threads=()),
        }
    )
    label = segments.label_frames_for(preset)
    return segments.SegmentJob(
        scene=segments.shifted(scene),
        series=view,
        preset=preset,
        label_frames=max(0, label - scene.start_frame),
        show_credits=index == 0 and bool(series.registration_number),
        stills=pictures[0],
        shot_stills=pictures[1],
    )


def _audio(
    series: Series, timeline: Timeline, takes: dict[tuple[str, int], Path], cache: Cache, summary: BuildSummary
) -> Path:
    """The episode's mastered sound as AAC, ready to mux, cached under what the mix depends on.

    The mix itself is not stored: only its encoding is ever used, and writing, hashing and reading
    back a 90 s WAV cost more than encoding straight from the samples.
    """
    ordered = [takes[(s.scene_id, line.index)] for s in timeline.scenes for line in s.lines]
    seed = series.seed or 0
    # The music and the effects are made by code with versions of its own, which the mix depends on.
    synths = {"score": str(score.VERSION), "effects": str(effects.VERSION)}
    mix_key = key("mix", MIX_VERSION, [digest(timeline), *map(_object_digest, ordered), str(seed)], synths)
    sound_key = key("aac", AAC_VERSION, [mix_key])
    hit = cache.get(sound_key)
    if hit is not None:
        summary.reused["mix"] += 1
        return hit
    dialogue = [
        (line.start_frame, read_wav(takes[(s.scene_id, line.index)])) for s in timeline.scenes for line in s.lines
    ]
    # Unlevelled: the mix measures the bed and sets its level, so levelling it here measured it twice.
    music = score.score(timeline, seed=seed, memo=_array_memo(cache, "score-scene"), level=False)
    placed = effects.effects_for(timeline, memo=_array_memo(cache, "effect"))
    mixed = mix.master(mix.mix(timeline, dialogue, placed, music))
    summary.built["mix"] += 1
    scratch = cache.scratch(".m4a")
    dual_mono.encode(mixed, scratch)
    return cache.put(sound_key, "sound", scratch)


def _array_memo(cache: Cache, stage: str) -> Memo:
    """A `Memo` for arrays, kept in the build cache as .npy files under `stage`."""

    def memo(name: str, make: Callable[[], Samples]) -> Samples:
        array_key = key(stage, 1, [digest(name)])
        hit = cache.get(array_key)
        if hit is not None:
            stored: Samples = np.load(hit)
            return stored
        array = make()  # returned as made, not read back from its file
        scratch = cache.scratch(".npy")
        np.save(scratch, array)
        cache.put(array_key, stage, scratch)
        return array

    return memo


def _write_sidecars(
    episode: Episode,
    timeline: Timeline,
    jobs: list[segments.SegmentJob],
    preset: Preset,
    cache: Cache,
    out_dir: Path,
    stem: str,
) -> None:
    """Timeline JSON, captions and cover beside the episode: none of them needs its pictures or sound."""
    cues = [c for s in timeline.scenes for line in s.lines for c in line.cues]
    plan = json.dumps(timeline.model_dump(mode="json"), indent=1)
    write_text_atomic(out_dir / f"{stem}.timeline.json", plan)
    # Viewers keep watching older versions for a while; the analytics map their losses onto these.
    write_text_atomic(out_dir / VERSIONS_DIR / f"{stem}.v{timeline.episode_version}.timeline.json", plan)
    write_text_atomic(out_dir / f"{stem}.srt", to_srt(cues, preset.fps))
    write_text_atomic(out_dir / f"{stem}.vtt", to_vtt(cues, preset.fps))

    strongest = _strongest_scene(timeline)
    write_cover = stills.write_cover if jobs[strongest].stills else covers.write_cover
    cover = cache.get_or_make(
        _cover_key(jobs[strongest], episode.title),
        "cover",
        ".jpg",
        lambda out: write_cover(jobs[strongest], episode.title, out),
    )
    _copy_atomic(cover, out_dir / f"{stem}.cover.jpg")


def _cover_key(job: segments.SegmentJob, title: str) -> str:
    """A cover is keyed by the shot it shows (its `segments.split` job), the frame of that shot, and the title.

    So an edit elsewhere in the strongest scene that only moves the cover's shot keeps the cover,
    as it keeps the shot's segment.
    """
    frame = covers.cover_frame(job)
    parts = segments.split(job)
    first = 0
    for part in parts if len(parts) > 1 else ():
        count = len(part.scene.shots)
        start, end = job.scene.shots[first].start_frame, job.scene.shots[first + count - 1].end_frame
        if start <= frame < end:
            return key("cover", covers.VERSION, [digest(part), str(frame - start), digest(title)])
        first += count
    return key("cover", covers.VERSION, [digest(job), str(frame), digest(title)])


def _preview_pictures_key(opening: list[Path]) -> str:
    """The preview's pictures are keyed by the segments of the episode's opening only: an edit further
    in re-encodes none of them."""
    return key("preview-video", 1, [*map(_object_digest, opening), str(PREVIEW_SECONDS)])


def _preview_pictures(opening: list[Path], joined: Path, preset: Preset, cache: Cache) -> Path:
    """The preview's pictures, cut from the joined episode and re-encoded (its cut need not fall on a key frame)."""
    return cache.get_or_make(
        _preview_pictures_key(opening),
        "preview",
        ".mp4",
        lambda out: encode.preview_video(joined, out, seconds=PREVIEW_SECONDS, preset=preset),
    )


def _preview_clip(pictures: Path, audio: Path, cache: Cache) -> Path:
    """The preview: its pictures as they are, with the episode's first seconds of sound."""
    return cache.get_or_make(
        key("preview", 4, [_object_digest(pictures), _object_digest(audio), str(PREVIEW_SECONDS)]),
        "preview",
        ".mp4",
        lambda out: encode.preview(pictures, audio, out, seconds=PREVIEW_SECONDS),
    )


def _deliver(series: Series, episode: Episode, joined: Path, production: Production, out_dir: Path, stem: str) -> Path:
    """The finished episode into the output folder, C2PA-signed when the build has a signer."""
    final = out_dir / f"{stem}.mp4"
    title = f"{series.title} — {episode.title}"
    signer = production.signer
    if signer is None:
        _copy_atomic(joined, final)
    else:
        # Signing is the very last step: any remux after it would strip the manifest.
        encode.write_atomic_via(final, lambda tmp: signer(joined, tmp, title))
    return final


def _write_otio(series: Series, out_dir: Path) -> None:
    """The editing timeline of every episode built so far with this preset."""
    timelines, media = [], []
    for episode in series.episodes:
        stem = f"ep{episode.number:03d}"
        plan, video = out_dir / f"{stem}.timeline.json", out_dir / f"{stem}.mp4"
        if plan.is_file() and video.is_file():
            timelines.append(Timeline.model_validate_json(plan.read_text(encoding="utf-8")))
            media.append(video)
    write_series_timeline(series, timelines, media, out_dir / "series.otio")


def _strongest_scene(timeline: Timeline) -> int:
    """The scene a cover should come from: the first face-slap, else a reveal, else the hook."""
    for beat in (BeatType.FACE_SLAP, BeatType.REVEAL, BeatType.BETRAYAL, BeatType.CONFRONTATION):
        for i, scene in enumerate(timeline.scenes):
            if scene.beat is beat:
                return i
    return 0


def _copy_atomic(source: Path, target: Path) -> None:
    encode.write_atomic_via(target, lambda tmp: tmp.write_bytes(source.read_bytes()))


def _object_digest(path: Path) -> str:
    """The content digest of a cached object, from its place in the store (objects/ab/cdef…)."""
    return path.parent.name + path.stem


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "series"
