"""Centred moving minimum, maximum and mean, as scipy.ndimage's `*_filter1d` compute them, by bottleneck.

The limiter shapes its gain with these. scipy.ndimage costs a quarter of a second to import in
every build that mixes; bottleneck's moving windows cost nothing to import and run in O(n) for
any window. bottleneck's windows trail (they end at each sample); padding the signal as ndimage's
`mode` says and reading the trailing result `size - 1` samples later centres them the same way:
for an even `size` the extra sample is on the left, as ndimage places it.
"""

from __future__ import annotations

from typing import Literal

import bottleneck as bn
import numpy as np
import numpy.typing as npt

Edge = Literal["nearest", "constant"]


def minimum(x: npt.ArrayLike, size: int, *, mode: Edge = "nearest", cval: float = 0.0) -> npt.NDArray[np.float64]:
    """The minimum over `size` samples centred on each one (scipy.ndimage.minimum_filter1d)."""
    return _centred(bn.move_min, x, size, mode, cval)


def maximum(x: npt.ArrayLike, size: int, *, mode: Edge = "nearest", cval: float = 0.0) -> npt.NDArray[np.float64]:
    """The maximum over `size` samples centred on each one (scipy.ndimage.maximum_filter1d)."""
    return _centred(bn.move_max, x, size, mode, cval)


def mean(x: npt.ArrayLike, size: int, *, mode: Edge = "nearest", cval: float = 0.0) -> npt.NDArray[np.float64]:
    """The mean over `size` samples centred on each one (scipy.ndimage.uniform_filter1d)."""
    return _centred(bn.move_mean, x, size, mode, cval)


def _centred(move: object, x: npt.ArrayLike, size: int, mode: Edge, cval: float) -> npt.NDArray[np.float64]:
    values = np.asarray(x, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"a moving window runs along one axis; got an array of shape {values.shape}")
    if size < 1:
        raise ValueError(f"a moving window needs at least one sample; got size {size}")
    if len(values) == 0:
        return values.copy()
    before, after = size // 2, (size - 1) // 2
    if mode == "nearest":
        padded = np.pad(values, (before, after), mode="edge")
    else:
        padded = np.pad(values, (before, after), mode="constant", constant_values=cval)
    out: npt.NDArray[np.float64] = move(padded, size)[size - 1 :]  # type: ignore[operator]
    return out
