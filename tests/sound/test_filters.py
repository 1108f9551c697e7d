"""The biquads and moving windows the sound stages use, against scipy's, which they replace at run time."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
import scipy.ndimage
import scipy.signal

from dramaline.sound import filters, moving
from dramaline.sound.audio import k_weighting


@pytest.mark.parametrize("rate", [16000, 48000])
@pytest.mark.parametrize("hz", [38.0, 220.0, 1500.0, 4500.0])
def test_low_and_high_pass_are_scipys_butterworth(rate: int, hz: float) -> None:
    assert filters.lowpass(hz, rate) == pytest.approx(scipy.signal.butter(2, hz, fs=rate, output="sos")[0], abs=1e-12)
    high = scipy.signal.butter(2, hz, btype="highpass", fs=rate, output="sos")[0]
    assert filters.highpass(hz, rate) == pytest.approx(high, abs=1e-12)


@pytest.mark.parametrize("rate", [16000, 44100, 48000])
def test_k_weighting_is_pyloudnorms(rate: int) -> None:
    stages = pyloudnorm.Meter(rate)._filters.values()
    reference = [np.concatenate([s.b * s.passband_gain, s.a]) for s in stages]
    assert np.array(k_weighting(rate)) == pytest.approx(np.array(reference), abs=1e-12)


def test_k_weighting_at_48k_is_close_to_the_standards_table() -> None:
    # ITU-R BS.1770-4, Tables 1 and 2: the pre-filter and the RLB filter's poles at 48 kHz. The design
    # (pyloudnorm's, which the meter must match) lands within 2e-4 of the table's rounded coefficients.
    shelf, high = k_weighting(48000)
    table = (1.53512485958697, -2.69169618940638, 1.19839281085285, 1.0, -1.69065929318241, 0.73248077421585)
    assert shelf == pytest.approx(table, abs=2e-4)
    assert high[3:] == pytest.approx((1.0, -1.99004745483398, 0.99007225036621), abs=2e-4)


def test_sosfilt_runs_the_cascade_as_scipy_does() -> None:
    # Longer than one of the frames handed to libavfilter, and not a whole number of them.
    x = np.random.default_rng(5).standard_normal(150_001)
    sections = [filters.high_shelf(4.0, 1500.0, 48000), filters.highpass(38.0, 48000, q=0.5)]
    got = filters.sosfilt(sections, x, 48000)
    assert got.shape == x.shape
    np.testing.assert_allclose(got, scipy.signal.sosfilt(np.array(sections), x), rtol=0, atol=1e-10)


def test_bandpass_passes_its_band_and_cuts_either_side() -> None:
    rate = 48000
    t = np.arange(rate) / rate

    def gain_db(hz: float) -> float:
        y = filters.sosfilt(filters.bandpass(700, 7000, rate), np.sin(2 * np.pi * hz * t), rate)[rate // 2 :]
        return float(20 * np.log10(np.sqrt(2 * np.mean(y * y))))

    assert gain_db(2200) == pytest.approx(0.0, abs=0.5)
    assert gain_db(700) == pytest.approx(-3.0, abs=0.5)  # each edge is its Butterworth's -3 dB point
    assert gain_db(7000) == pytest.approx(-3.0, abs=0.5)
    assert gain_db(70) < -38  # 12 dB per octave each side
    assert gain_db(20000) < -20


def test_sosfilt_of_nothing_and_bad_input() -> None:
    assert len(filters.sosfilt([filters.lowpass(100, 8000)], np.zeros(0), 8000)) == 0
    with pytest.raises(ValueError, match="shape"):
        filters.sosfilt([filters.lowpass(100, 8000)], np.zeros((2, 5)), 8000)
    with pytest.raises(ValueError, match="outside"):
        filters.lowpass(5000, 8000)


@pytest.mark.parametrize("n", [1, 4, 97, 5000])
@pytest.mark.parametrize("size", [1, 2, 5, 6, 11, 241])
@pytest.mark.parametrize("mode", ["nearest", "constant"])
def test_moving_windows_are_ndimages(n: int, size: int, mode: moving.Edge) -> None:
    x = np.random.default_rng(n * size).standard_normal(n)
    for ours, theirs in (
        (moving.minimum, scipy.ndimage.minimum_filter1d),
        (moving.maximum, scipy.ndimage.maximum_filter1d),
        (moving.mean, scipy.ndimage.uniform_filter1d),
    ):
        np.testing.assert_allclose(ours(x, size, mode=mode), theirs(x, size, mode=mode), rtol=0, atol=1e-12)


def test_moving_windows_take_booleans_and_refuse_bad_sizes() -> None:
    flags = np.array([False, False, True, False, False, False])
    assert (moving.maximum(flags, 3, mode="constant") > 0).tolist() == [False, True, True, True, False, False]
    with pytest.raises(ValueError, match="at least one"):
        moving.mean(np.ones(3), 0)


@pytest.mark.parametrize(
    "sections",
    [
        [filters.lowpass(200.0, 48000)],
        list(filters.bandpass(300.0, 3000.0, 48000)),
        [filters.high_shelf(4.0, 1500.0, 48000), filters.highpass(38.0, 48000, q=0.5)],
    ],
)
def test_silence_after_sound_never_goes_subnormal(sections: list[filters.Section]) -> None:
    # Subnormal numbers are what made a stem with pauses filter four times slower than music.
    x = np.zeros(48000 * 20)
    x[:4800] = np.random.default_rng(1).standard_normal(4800)
    y = filters.sosfilt(sections, x, 48000)
    subnormal = (y != 0) & (np.abs(y) < np.finfo(np.float64).tiny)
    assert not subnormal.any()
    assert np.abs(y[-48000:]).max() < 1e-25  # what keeps them normal is far under any sound


def test_silence_filters_to_exact_silence() -> None:
    assert not filters.sosfilt(filters.bandpass(300.0, 3000.0, 48000), np.zeros(100_000), 48000).any()
