"""A revision plan: typed script edits for one episode version, each with the audience evidence behind it.

The diagnosis (`dramaline.revise.diagnose`) proposes operations only where the analytics show a
significant problem; the embedded rules (`dramaline.revise.apply`) or a language model
(`dramaline.revise.llm_apply`) carry them out into the episode's next version. Scenes are named by
id and lines by their 1-based position in the scene of the version the plan was made for, as the
audience report numbers them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from dramaline.model.base import Frozen, Slug, Text
from dramaline.model.story import BeatType

LinePosition = Annotated[int, Field(ge=1, description="1-based position of a line in its scene")]


class Evidence(Frozen):
    """Why an operation is proposed: a sentence a writer can read, and the measurements behind it."""

    summary: Text
    numbers: dict[str, float] = Field(default_factory=dict, description="named measurements, shares as 0–1")


class ShortenedLine(Frozen):
    """One line said in fewer words."""

    line: LinePosition
    text: Text


class TightenScene(Frozen):
    """Cut lines from a scene and shorten others; the scene keeps its id, beat, place and people."""

    kind: Literal["tighten_scene"] = "tighten_scene"
    scene: Slug
    cut: tuple[LinePosition, ...] = ()
    shorten: tuple[ShortenedLine, ...] = ()
    evidence: Evidence

    @model_validator(mode="after")
    def _something_to_do(self) -> TightenScene:
        if not self.cut and not self.shorten:
            raise ValueError("a tighten_scene operation needs lines to cut or to shorten")
        if len(set(self.cut)) != len(self.cut):
            raise ValueError(f"cut names a line twice: {list(self.cut)}")
        shortened = [s.line for s in self.shorten]
        if len(set(shortened)) != len(shortened) or set(shortened) & set(self.cut):
            raise ValueError("each line may be cut or shortened once, not both")
        return self

    def describe(self) -> str:
        parts = []
        if self.cut:
            parts.append(f"cut line{'s' if len(self.cut) > 1 else ''} {_positions(self.cut)}")
        if self.shorten:
            parts.append(
                f"shorten line{'s' if len(self.shorten) > 1 else ''} {_positions(s.line for s in self.shorten)}"
            )
        return f"Tighten scene {self.scene}: {' and '.join(parts)}"


class MoveRevealEarlier(Frozen):
    """Move the episode's first payoff scene up to `to_position` (1-based; 2 is right after the hook)."""

    kind: Literal["move_reveal_earlier"] = "move_reveal_earlier"
    scene: Slug
    to_position: int = Field(ge=2, description="the hook stays first")
    evidence: Evidence

    def describe(self) -> str:
        return f"Move the payoff scene {self.scene} earlier, to position {self.to_position}"


class ReorderScenes(Frozen):
    """Play the episode's scenes in this order: every scene id once, the hook first, the cliffhanger last."""

    kind: Literal["reorder_scenes"] = "reorder_scenes"
    order: tuple[Slug, ...] = Field(min_length=2)
    evidence: Evidence

    @field_validator("order")
    @classmethod
    def _unique(cls, order: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(order)) != len(order):
            raise ValueError(f"order names a scene twice: {list(order)}")
        return order

    def describe(self) -> str:
        return f"Reorder the scenes: {' › '.join(self.order)}"


class ColdOpen(Frozen):
    """Open on a flash-forward: move one line of the episode's strongest scene into a new opening scene."""

    kind: Literal["cold_open"] = "cold_open"
    source: Slug = Field(description="the scene the opening line is taken from")
    line: LinePosition
    evidence: Evidence

    def describe(self) -> str:
        return f"Open cold on line {self.line} of scene {self.source}, moved into a new opening scene"


class SharpenCliffhanger(Frozen):
    """Cut the closing scene down to its question: drop the lines that delay the cut to black."""

    kind: Literal["sharpen_cliffhanger"] = "sharpen_cliffhanger"
    scene: Slug
    cut: tuple[LinePosition, ...] = Field(min_length=1)
    evidence: Evidence

    def describe(self) -> str:
        return (
            f"Sharpen the cliffhanger {self.scene}: cut line{'s' if len(self.cut) > 1 else ''} {_positions(self.cut)}"
        )


class ReplaceCliffhanger(Frozen):
    """Replace the closing scene with a new cliffhanger (a new question to end on)."""

    kind: Literal["replace_cliffhanger"] = "replace_cliffhanger"
    scene: Slug
    evidence: Evidence

    def describe(self) -> str:
        return f"Replace the cliffhanger {self.scene} with a new one"


class ReplaceBeat(Frozen):
    """Replace a scene whose beat type loses viewers across the series with a new scene of another beat."""

    kind: Literal["replace_beat"] = "replace_beat"
    scene: Slug
    beat: BeatType = Field(description="the new scene's beat")
    evidence: Evidence

    @field_validator("beat")
    @classmethod
    def _middle_beat(cls, beat: BeatType) -> BeatType:
        if beat in (BeatType.HOOK, BeatType.CLIFFHANGER):
            raise ValueError(f"a replacement scene cannot be a {beat.value!r}: only one opens and one closes")
        return beat

    def describe(self) -> str:
        return f"Replace scene {self.scene} with a {self.beat.value.replace('_', ' ')} scene"


RevisionOperation = Annotated[
    TightenScene | MoveRevealEarlier | ReorderScenes | ColdOpen | SharpenCliffhanger | ReplaceCliffhanger | ReplaceBeat,
    Field(discriminator="kind"),
]
"""One script edit; `kind` says which."""


class RevisionPlan(Frozen):
    """The edits proposed for one episode version, in the order they are to be applied; empty: leave it be."""

    episode: int = Field(ge=1)
    version: int = Field(default=1, ge=1, description="the version the plan was made for")
    summary: Text = Field(description="one sentence: what the data says about this version")
    operations: tuple[RevisionOperation, ...] = ()

    def describe(self) -> str:
        """The plan as text: the summary, then each operation with its evidence."""
        out = [f"Episode {self.episode} v{self.version}: {self.summary}"]
        for i, op in enumerate(self.operations, 1):
            out.append(f"{i}. {op.describe()}")
            out.append(f"   {op.evidence.summary}")
        return "\n".join(out)


def _positions(numbers: Iterable[int]) -> str:
    values = [str(n) for n in numbers]
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " and " + values[-1]
