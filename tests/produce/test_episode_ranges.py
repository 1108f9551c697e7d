"""`--episodes` parsing for `dramaline make`."""

from __future__ import annotations

import pytest

from dramaline.cli.produce import parse_episodes
from dramaline.errors import InvalidInputError


@pytest.mark.parametrize(
    ("spec", "expected"),
    [(None, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), ("3", [3]), ("1-5", [1, 2, 3, 4, 5]), ("1,4,7-9", [1, 4, 7, 8, 9])],
)
def test_valid_ranges(spec: str | None, expected: list[int]) -> None:
    assert parse_episodes(spec, 10) == expected


@pytest.mark.parametrize("spec", ["0", "11", "5-2", "a", "1-", "3-12"])
def test_invalid_ranges_are_explained(spec: str) -> None:
    with pytest.raises(InvalidInputError, match="--episodes"):
        parse_episodes(spec, 10)
