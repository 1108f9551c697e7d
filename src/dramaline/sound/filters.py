"""Biquad filters for the sound stages: designed by the Audio EQ Cookbook's formulas, run by FFmpeg.

scipy.signal would do both, but importing it takes about a second of CPU (it imports scipy.stats,
scipy.interpolate and scipy.optimize, and parses every docstring), more than all the filtering an
episode's mix needs. A rebuild after a one-line edit mixes the episode again on a 2-core machine
already busy drawing, so that second showed in its time. The filters themselves run in
libavfilter's `biquad` (through PyAV, which the build loads anyway to encode), in double
precision and transposed direct form II, as `scipy.signal.sosfilt` runs them.

A cascade is a sequence of sections `(b0, b1, b2, a0, a1, a2)`, the layout scipy calls "sos".
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from av.filter.context import FilterContext

Signal = npt.NDArray[np.float64]
Section = tuple[float, float, float, float, float, float]

BUTTERWORTH_Q = 1 / math.sqrt(2)
"""The cookbook's low- and high-pass at this Q are the 2nd-order Butterworth (bilinear transform, prewarped)."""
_FRAME = 65536
"""Samples per frame handed to libavfilter. Each frame costs about 0.4 ms of overhead, and one frame
of a whole episode runs slower than frames that fit the cache: 90 s of K-weighting took 0.13 s
whole, 0.25 s in 8192-sample frames, 0.05 s in these (scipy: 0.04 s)."""
_FLOOR = 1e-30
"""Peak level (about -600 dBFS) of a fixed noise added to everything filtered.

In silence, a biquad's state decays towards zero through subnormal numbers, which x86 CPUs compute
some hundred times slower than normal ones: K-weighting an episode's dialogue stem, silent between
lines, took 0.19 s against 0.05 s for its music. Noise this far under any signal keeps every stage's
state normal (whatever a stage before it removes, noise has some left) and changes no result: it is
thirty orders of magnitude under the quietest sound a 24-bit sample can hold."""


def lowpass(cutoff_hz: float, rate: int, q: float = BUTTERWORTH_Q) -> Section:
    """A 2nd-order low-pass (12 dB/octave) at `cutoff_hz`, -3 dB there at the default Q."""
    w0, alpha = _angle(cutoff_hz, rate, q)
    c = math.cos(w0)
    return _normalised((1 - c) / 2, 1 - c, (1 - c) / 2, 1 + alpha, -2 * c, 1 - alpha)


def highpass(cutoff_hz: float, rate: int, q: float = BUTTERWORTH_Q) -> Section:
    """A 2nd-order high-pass (12 dB/octave) at `cutoff_hz`, -3 dB there at the default Q."""
    w0, alpha = _angle(cutoff_hz, rate, q)
    c = math.cos(w0)
    return _normalised((1 + c) / 2, -(1 + c), (1 + c) / 2, 1 + alpha, -2 * c, 1 - alpha)


def high_shelf(gain_db: float, corner_hz: float, rate: int, q: float = BUTTERWORTH_Q) -> Section:
    """A 2nd-order shelf that lifts everything above `corner_hz` by `gain_db`."""
    w0, alpha = _angle(corner_hz, rate, q)
    a, c = 10 ** (gain_db / 40), math.cos(w0)
    root = 2 * math.sqrt(a) * alpha
    return _normalised(
        a * ((a + 1) + (a - 1) * c + root),
        -2 * a * ((a - 1) + (a + 1) * c),
        a * ((a + 1) + (a - 1) * c - root),
        (a + 1) - (a - 1) * c + root,
        2 * ((a - 1) - (a + 1) * c),
        (a + 1) - (a - 1) * c - root,
    )


def bandpass(low_hz: float, high_hz: float, rate: int) -> tuple[Section, Section]:
    """A 4th-order band-pass: the Butterworth high-pass at `low_hz`, then the Butterworth low-pass at `high_hz`."""
    return highpass(low_hz, rate), lowpass(high_hz, rate)


def sosfilt(sections: Sequence[Section], x: npt.ArrayLike, rate: int) -> Signal:
    """`x` through the cascade `sections`, from rest: what `scipy.signal.sosfilt` returns, to rounding."""
    import av.filter  # here, not at import time: a build that reuses its mix never filters

    samples = np.ascontiguousarray(x, dtype=np.float64)
    if samples.ndim != 1:
        raise ValueError(f"sosfilt filters one channel; got an array of shape {samples.shape}")
    if len(sections) == 0 or len(samples) == 0:
        return samples.copy()
    if not samples.any():
        return np.zeros_like(samples)  # silence stays silence, not filtered noise floor
    floor = _floor_noise()
    graph = av.filter.Graph()
    source = graph.add_abuffer(format="dbl", sample_rate=rate, layout="mono")
    last = source
    for section in sections:
        b0, b1, b2, a0, a1, a2 = (repr(float(c)) for c in section)
        stage = graph.add("biquad", f"b0={b0}:b1={b1}:b2={b2}:a0={a0}:a1={a1}:a2={a2}:precision=f64:transform=tdii")
        last.link_to(stage)
        last = stage
    sink = graph.add("abuffersink")
    last.link_to(sink)
    graph.configure()
    out = np.empty_like(samples)
    written = 0
    for start in range(0, len(samples), _FRAME):
        chunk = samples[start : start + _FRAME] + floor[: min(_FRAME, len(samples) - start)]
        frame = av.AudioFrame.from_ndarray(chunk[None], format="dbl", layout="mono")
        frame.sample_rate, frame.pts = rate, start
        source.push(frame)
        written = _drain(sink, out, written)
    source.push(None)
    written = _drain(sink, out, written)
    if written != len(samples):
        raise RuntimeError(f"the biquad filters returned {written} samples for {len(samples)}")
    return out


@functools.cache
def _floor_noise() -> Signal:
    """`_FRAME` samples of white noise at `_FLOOR`, the same every time (results stay reproducible)."""
    noise: Signal = np.random.default_rng(0).uniform(-_FLOOR, _FLOOR, _FRAME)
    return noise


def _drain(sink: FilterContext, out: Signal, written: int) -> int:
    """Copy every frame `sink` has ready into `out` from `written`; returns the new count."""
    import av

    while True:
        try:
            frame = sink.pull()
            assert isinstance(frame, av.AudioFrame)  # an abuffersink hands out audio
        except (av.error.BlockingIOError, av.error.EOFError):
            return written
        chunk = frame.to_ndarray()[0]
        out[written : written + len(chunk)] = chunk
        written += len(chunk)


def _angle(hz: float, rate: int, q: float) -> tuple[float, float]:
    if not 0 < hz < rate / 2:
        raise ValueError(f"a filter frequency of {hz} Hz is outside (0, {rate / 2}) at {rate} Hz")
    w0 = 2 * math.pi * hz / rate
    return w0, math.sin(w0) / (2 * q)


def _normalised(b0: float, b1: float, b2: float, a0: float, a1: float, a2: float) -> Section:
    return (b0 / a0, b1 / a0, b2 / a0, 1.0, a1 / a0, a2 / a0)
