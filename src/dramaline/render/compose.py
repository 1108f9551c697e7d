"""Per-frame pixel work, kept to cheap numpy: copy a layer's crop, paste masked sprites, zoom.

Pixels are (h, w, 3) uint8; masked pastes view each pixel as one 3-byte item so that numpy copies
whole pixels under a 2-D mask (several times faster than broadcasting the mask over channels).
Zoom is a nearest-neighbour upscale done as column runs and whole-row copies, without a gather.
"""

from __future__ import annotations

import bisect
import math
import sys
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from dramaline.render.color import Pixels

_PIXEL = np.dtype((np.void, 3))


def _items(a: Pixels) -> NDArray[np.void]:
    """`a` seen as a 2-D array of 3-byte pixels (no copy)."""
    return a.view(_PIXEL)[..., 0]


Band = tuple[int, int, int, int, bool]
"""Rows y0..y1 of a mask whose coverage lies within columns x0..x1, and whether it fills them."""


def bands(mask: NDArray[np.bool_], rows: int = 24) -> tuple[Band, ...]:
    """Split a coverage mask into horizontal bands, so pastes touch only covered pixels.

    Solid bands are copied without the mask, which is several times faster.
    """
    out: list[Band] = []
    h = mask.shape[0]
    for y0 in range(0, h, rows):
        m = mask[y0 : y0 + rows]
        cols = np.flatnonzero(m.any(axis=0))
        if cols.size == 0:
            continue
        x0, x1 = int(cols[0]), int(cols[-1]) + 1
        band = (y0, min(y0 + rows, h), x0, x1, bool(m[:, x0:x1].all()))
        if out and out[-1][1] == band[0] and out[-1][2:] == band[2:]:
            band = (out.pop()[0], *band[1:])
        out.append(band)
    return tuple(out)


def paste(
    dst: Pixels, rgb: Pixels, mask: NDArray[np.bool_] | None, y: int, x: int, cover: tuple[Band, ...] | None = None
) -> None:
    """Copy `rgb` (where `mask`, or everywhere) into `dst` with its top-left at (y, x), clipped.

    `cover` (from `bands(mask)`) limits the copy to the covered parts of the mask.
    """
    h, w = rgb.shape[:2]
    if mask is not None and cover is not None:
        # Only the bands that land inside dst's rows; pastes into strips skip the rest quickly.
        top, bottom = -y, dst.shape[0] - y
        for i in range(bisect.bisect_right(cover, top, key=_band_end), len(cover)):
            by0, by1, bx0, bx1, solid = cover[i]
            if by0 >= bottom:
                break
            _copy(dst, rgb, None if solid else mask, y, x, (by0, by1, bx0, bx1))
        return
    _copy(dst, rgb, mask, y, x, (0, h, 0, w))


def _band_end(band: Band) -> int:
    return band[1]


def _copy(
    dst: Pixels, rgb: Pixels, mask: NDArray[np.bool_] | None, y: int, x: int, part: tuple[int, int, int, int]
) -> None:
    """Copy the rectangle `part` (y0, y1, x0, x1) of `rgb`, placed at (y, x), into `dst`, clipped."""
    dh, dw = dst.shape[:2]
    py0, py1, px0, px1 = part
    y0, x0 = max(y + py0, 0), max(x + px0, 0)
    y1, x1 = min(y + py1, dh), min(x + px1, dw)
    if y0 >= y1 or x0 >= x1:
        return
    src = rgb[y0 - y : y1 - y, x0 - x : x1 - x]
    region = dst[y0:y1, x0:x1]
    if mask is None:
        region[...] = src
    else:
        np.copyto(_items(region), _items(src), where=mask[y0 - y : y1 - y, x0 - x : x1 - x])


def clamp_crop(layer: Pixels, y: int, x: int, h: int, w: int) -> tuple[int, int]:
    """(y, x) moved just enough that an h × w crop there stays inside `layer`."""
    return min(max(y, 0), layer.shape[0] - h), min(max(x, 0), layer.shape[1] - w)


def canvas_size(width: int, height: int, zoom: float) -> tuple[int, int]:
    """(h, w) of the region that, zoomed by `zoom`, fills a `width` × `height` frame."""
    if zoom <= 1.0:
        return height, width
    return min(height, math.ceil(height / zoom)), min(width, math.ceil(width / zoom))


@lru_cache(maxsize=512)
def _index(out: int, src: int) -> NDArray[np.intp]:
    """For each of `out` items, the nearest-neighbour source item among `src`."""
    return np.minimum(np.arange(out) * src // out, src - 1).astype(np.intp)


@lru_cache(maxsize=512)
def _runs(out: int, src: int) -> tuple[tuple[int, int, int], ...]:
    """Nearest-neighbour stretch of `src` items to `out`, as runs (out_start, out_end, src_start)."""
    idx = _index(out, src)
    breaks = np.flatnonzero(np.diff(idx) != 1) + 1
    starts = [0, *breaks.tolist()]
    ends = [*breaks.tolist(), out]
    return tuple((s, e, int(idx[s])) for s, e in zip(starts, ends, strict=True))


def upscale_into(out: Pixels, src: Pixels) -> None:
    """Stretch `src` to fill `out` by repeating rows and columns (nearest neighbour).

    Columns are stretched into the top rows of `out`, then rows are spread downwards in place,
    last run first so no row is overwritten before it is copied: no scratch image, less memory
    traffic, which is what a frame costs on a busy machine.
    """
    h, w = src.shape[:2]
    height, width = out.shape[:2]
    top = out[:h]
    for s, e, a in _runs(width, w):
        top[:, s:e] = src[:, a : a + e - s]
    for s, e, a in reversed(_runs(height, h)):
        if s != a:
            out[s:e] = out[a : a + e - s]


def upscale_part(out: Pixels, src: Pixels, y0: int, y1: int, x0: int, x1: int) -> None:
    """Redo `upscale_into` for the source rectangle rows y0..y1, columns x0..x1 only (a face)."""
    rows, cols = _index(out.shape[0], src.shape[0]), _index(out.shape[1], src.shape[1])
    r0, r1 = np.searchsorted(rows, [y0, y1])
    c0, c1 = np.searchsorted(cols, [x0, x1])
    if r0 < r1 and c0 < c1:
        out[r0:r1, c0:c1] = src[rows[r0:r1]][:, cols[c0:c1]]


class Buffers:
    """Frame-sized memory recycled once nobody else holds it.

    Fresh multi-megabyte arrays cost page faults on every frame. Arrays handed out are views of
    a few fixed blocks; a block is reused only when no view of it is alive any more (its reference
    count is back to this pool's own), so a frame the caller still holds is never overwritten.
    """

    def __init__(self, capacity: int, limit: int = 8) -> None:
        self._blocks: list[NDArray[np.uint8]] = []
        self._capacity = capacity
        self._limit = limit

    def take(self, shape: tuple[int, int, int]) -> Pixels:
        """A writable, C-contiguous uint8 array of `shape` that nothing else references."""
        need = shape[0] * shape[1] * shape[2]
        blocks = self._blocks
        for i in range(len(blocks)):
            # Two references mean free: the list's, and getrefcount's own argument.
            if sys.getrefcount(blocks[i]) <= 2 and blocks[i].size >= need:
                return blocks[i][:need].reshape(shape)
        block = np.empty(max(need, self._capacity), np.uint8)
        if len(blocks) < self._limit:
            blocks.append(block)
        return block[:need].reshape(shape)
