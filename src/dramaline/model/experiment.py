"""Experiments: variants of one episode (episode versions) shown to split audiences, and what was decided.

An `Experiment` tests two or more `Variant`s of ONE episode. Each variant is an episode version
with an integer traffic weight; one variant is the control (what viewers saw before). Viewers are
assigned by a hash of the experiment id and their viewer id (`dramaline.decide.assignment`), so a
viewer always sees the same variant. The primary metric says what "better" means; the
`DecisionThresholds` say how sure to be before shipping. Stored as `DIR/experiments/<id>.yaml`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, Field, model_validator

from dramaline.model.base import MAX_EPISODES, Frozen, ShortText, Slug, Text, require_unique

MAX_TOTAL_WEIGHT = 10_000
"""The weights of an experiment's variants add up to at most this (assignment stays exact in doubles)."""


class PrimaryMetric(StrEnum):
    """What an experiment optimises, per viewer exposed to the episode (docs/experiments.md)."""

    COMPLETION = "completion"  # the viewer watched the episode to its end
    CONTINUATION = "continuation"  # the viewer went on to the next episode from it
    UNLOCK = "unlock"  # the viewer paid to unlock it (locked episodes only)
    WATCH_TIME = "watch_time"  # how far into the episode the viewer got, in seconds

    @property
    def is_rate(self) -> bool:
        """True for the yes/no metrics (a share of viewers); False for watch time (seconds)."""
        return self is not PrimaryMetric.WATCH_TIME

    @property
    def default_caring(self) -> float:
        """The default threshold of caring: half a percentage point for rates, one second of watch time."""
        return 0.005 if self.is_rate else 1.0


class VariedElement(StrEnum):
    """What the variants differ in; descriptive, for people and reports."""

    COLD_OPEN = "cold_open"
    CLIFFHANGER = "cliffhanger"
    TITLE = "title"
    COVER = "cover"
    SCRIPT = "script"  # any other change to the script


class ExperimentStatus(StrEnum):
    RUNNING = "running"
    STOPPED = "stopped"


class ExperimentAction(StrEnum):
    """What the data says to do now."""

    SHIP = "ship"  # one challenger is better, and choosing it risks less than the threshold of caring
    KEEP_RUNNING = "keep_running"  # not enough viewers yet, or still too uncertain
    NO_DIFFERENCE = "no_difference"  # keeping the control risks less than the threshold of caring
    INVESTIGATE = "investigate"  # the assignment counts are off (sample ratio mismatch): do not trust the numbers


class Variant(Frozen):
    """One arm of an experiment: a name, the episode version it shows, and its share of traffic."""

    name: Slug
    version: int = Field(ge=1, le=2_147_483_647)
    weight: int = Field(default=1, ge=1, le=MAX_TOTAL_WEIGHT)


class DecisionThresholds(Frozen):
    """When the analysis may call an experiment (docs/experiments.md explains each)."""

    caring: float | None = Field(
        default=None,
        gt=0,
        description="threshold of caring, in the metric's unit (a share, or seconds); None: the metric's default",
    )
    min_viewers: int = Field(default=1000, ge=1, description="no call before every variant has this many viewers")
    max_viewers: int | None = Field(
        default=None, ge=1, description="every variant this large and still no winner: stop, no difference"
    )
    ship_chance: float = Field(
        default=0.95,
        ge=0.5,
        lt=1,
        description="ship a challenger only with at least this chance to beat the control",
    )
    stop_chance: float = Field(
        default=0.9,
        ge=0.5,
        lt=1,
        description="stop with no difference only this sure no challenger beats the control by the threshold",
    )
    srm_alpha: float = Field(default=0.001, gt=0, lt=1, description="flag a sample ratio mismatch below this p-value")
    credible_level: float = Field(default=0.95, gt=0, lt=1, description="level of the credible intervals shown")

    @model_validator(mode="after")
    def _ordered(self) -> DecisionThresholds:
        if self.max_viewers is not None and self.max_viewers < self.min_viewers:
            raise ValueError(f"max_viewers ({self.max_viewers}) must not be below min_viewers ({self.min_viewers})")
        return self

    def caring_for(self, metric: PrimaryMetric) -> float:
        """The threshold of caring that applies to `metric`."""
        return self.caring if self.caring is not None else metric.default_caring


class ExperimentDecision(Frozen):
    """A call on an experiment: what to do, which variant (for ship), and why, in words."""

    kind: ExperimentAction
    variant: Slug | None = None
    reason: Text

    @model_validator(mode="after")
    def _variant_for_ship(self) -> ExperimentDecision:
        if (self.kind is ExperimentAction.SHIP) != (self.variant is not None):
            raise ValueError("a ship decision names its variant, and only a ship decision does")
        return self

    def headline(self) -> str:
        """The decision in a few words: `ship cold-open`, `keep running`, `stop: no difference worth shipping`."""
        if self.kind is ExperimentAction.SHIP:
            return f"ship {self.variant}"
        return {
            ExperimentAction.KEEP_RUNNING: "keep running",
            ExperimentAction.NO_DIFFERENCE: "stop: no difference worth shipping",
            ExperimentAction.INVESTIGATE: "investigate: sample ratio mismatch",
        }[self.kind]


class ExperimentOutcome(Frozen):
    """What was done when the experiment stopped: which variant's version is to be served, and the analysis then."""

    shipped: Slug = Field(description="the variant whose version viewers get from now on (the control: no change)")
    version: int = Field(ge=1, le=2_147_483_647, description="that variant's episode version, to be served")
    recommendation: ExperimentDecision | None = Field(
        default=None, description="the analysis' call at the moment of stopping"
    )
    note: str = ""


class Experiment(Frozen):
    """Variants of one episode shown to split audiences; stored as DIR/experiments/<id>.yaml."""

    id: Slug
    episode: int = Field(ge=1, le=MAX_EPISODES)
    variants: tuple[Variant, ...] = Field(min_length=2, max_length=16)
    control: Slug
    metric: PrimaryMetric = PrimaryMetric.COMPLETION
    element: VariedElement = VariedElement.SCRIPT
    hypothesis: ShortText | None = None
    thresholds: DecisionThresholds = DecisionThresholds()
    status: ExperimentStatus = ExperimentStatus.RUNNING
    started_at: AwareDatetime
    stopped_at: AwareDatetime | None = None
    outcome: ExperimentOutcome | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Experiment:
        require_unique([v.name for v in self.variants], "variant name")
        versions = [v.version for v in self.variants]
        if len(set(versions)) != len(versions):
            raise ValueError(f"variants must show different episode versions; got versions {versions}")
        if self.control not in self.names:
            raise ValueError(f"control {self.control!r} is not one of the variants {list(self.names)}")
        total = sum(v.weight for v in self.variants)
        if total > MAX_TOTAL_WEIGHT:
            raise ValueError(f"the weights add up to {total}; keep them at most {MAX_TOTAL_WEIGHT} (use percentages)")
        stopped = self.status is ExperimentStatus.STOPPED
        if stopped != (self.stopped_at is not None) or stopped != (self.outcome is not None):
            raise ValueError("a stopped experiment has stopped_at and outcome, and a running one has neither")
        if self.stopped_at is not None and self.stopped_at < self.started_at:
            raise ValueError("stopped_at is before started_at")
        if self.outcome is not None:
            if self.outcome.shipped not in self.names:
                raise ValueError(f"outcome.shipped {self.outcome.shipped!r} is not one of the variants")
            shown = self.variant(self.outcome.shipped)
            if self.outcome.version != shown.version:
                raise ValueError(f"outcome.version must be {shown.version}, the version of variant {shown.name!r}")
        return self

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.variants)

    @property
    def total_weight(self) -> int:
        return sum(v.weight for v in self.variants)

    @property
    def running(self) -> bool:
        return self.status is ExperimentStatus.RUNNING

    @property
    def caring(self) -> float:
        """The threshold of caring in force, in the primary metric's unit."""
        return self.thresholds.caring_for(self.metric)

    def variant(self, name: str) -> Variant:
        """The variant called `name`; ValueError naming the known ones otherwise."""
        for v in self.variants:
            if v.name == name:
                return v
        raise ValueError(f"experiment {self.id} has no variant {name!r}; its variants are {', '.join(self.names)}")

    def variant_of_version(self, version: int) -> Variant | None:
        return next((v for v in self.variants if v.version == version), None)

    def stopped(
        self, at: datetime, *, ship: str | None = None, recommendation: ExperimentDecision | None = None, note: str = ""
    ) -> Experiment:
        """This experiment stopped at `at`, serving `ship`'s version from now on (None: the control's)."""
        if not self.running:
            raise ValueError(f"experiment {self.id} was already stopped at {self.stopped_at}")
        served = self.variant(ship or self.control)
        outcome = ExperimentOutcome(
            shipped=served.name, version=served.version, recommendation=recommendation, note=note
        )
        return self.model_validate(
            {**self.model_dump(), "status": ExperimentStatus.STOPPED, "stopped_at": at, "outcome": outcome}
        )
