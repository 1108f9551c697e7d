"""The statistics of experiments: sample-ratio check, posteriors, chance to beat the control, expected loss, decision.

- **Sample ratio mismatch (SRM)**: a chi-square goodness-of-fit test of the viewers each variant
  got against the weights; p below 0.001 (as experimentation platforms use) means the split or
  the logging is broken and no result can be trusted.
- **Rates** (completion, continuation, unlock): Beta-Binomial, with a uniform Beta(1, 1) prior.
- **Watch time** (seconds, bounded by the episode's length, skewed, piled up at both ends): a
  Student-t posterior on the mean, the Jeffreys-prior posterior of a mean, which is also what the
  Bayesian bootstrap's posterior of the mean tends to; the data are padded with one imaginary
  viewer at 0 s and one at the end, the analogue of Beta(1, 1). docs/experiments.md says why.
- **Comparison**: one set of Monte Carlo draws from every posterior (fixed seed, 200,000 draws,
  so the Monte Carlo error of a chance is at most ±0.0011 and it is reported): per variant the
  chance to beat the control, the chance to be best, the lift over the control with its interval,
  and the expected loss E[max_j θ_j − θ_i] of choosing it.
- **Decision**: once every variant has the minimum sample, ship the variant whose expected loss
  is under the threshold of caring and that beats the control with 95% probability; stop with no
  difference when keeping the control costs under the threshold and no challenger has more than
  a 10% chance to beat the control by it (docs/experiments.md: why looking often is safe).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from dramaline.errors import InvalidInputError
from dramaline.model import DecisionThresholds, ExperimentAction, ExperimentDecision, PrimaryMetric

__all__ = [
    "DEFAULT_DRAWS",
    "DEFAULT_SEED",
    "ArmComparison",
    "BetaPosterior",
    "Comparison",
    "MeanPosterior",
    "Posterior",
    "SampleRatioCheck",
    "compare",
    "decide",
    "format_amount",
    "sample_ratio_check",
]

DEFAULT_DRAWS = 200_000
"""Monte Carlo draws per posterior: a chance's standard error is at most 0.5/√200,000 ≈ 0.0011."""
DEFAULT_SEED = 20_250_301
"""The draws' seed: the same data always give the same numbers."""

FloatArray = NDArray[np.float64]


# ------------------------------------------------------------------------------------------ SRM


@dataclass(frozen=True)
class SampleRatioCheck:
    """The chi-square goodness-of-fit test of assignment counts against the weights."""

    observed: tuple[int, ...]
    expected: tuple[float, ...]
    chi2: float
    df: int
    p_value: float
    alpha: float

    @property
    def flagged(self) -> bool:
        """True when the split is too far off the weights to be chance (p < alpha)."""
        return self.p_value < self.alpha

    def describe(self) -> str:
        total = sum(self.observed)
        shares = "/".join(f"{o / total:.1%}" if total else "–" for o in self.observed)
        wanted = "/".join(f"{e / total:.1%}" if total else "–" for e in self.expected)
        verdict = "sample ratio mismatch" if self.flagged else "split as intended"
        return (
            f"{verdict}: {shares} of viewers against {wanted} intended (χ² = {self.chi2:.2f}, p = {self.p_value:.2g})"
        )


def sample_ratio_check(observed: Sequence[int], weights: Sequence[float], *, alpha: float = 0.001) -> SampleRatioCheck:
    """Test whether `observed` viewers per variant fit the traffic `weights` (any positive scale)."""
    if len(observed) != len(weights) or len(observed) < 2:
        raise InvalidInputError(f"need one count per weight, at least two; got {len(observed)} and {len(weights)}")
    if any(o < 0 for o in observed) or any(not w > 0 for w in weights):
        raise InvalidInputError(f"counts must be >= 0 and weights > 0; got {list(observed)} and {list(weights)}")
    total = sum(observed)
    share = np.asarray(weights, dtype=np.float64) / float(sum(weights))
    expected = share * total
    if total == 0:
        return SampleRatioCheck(tuple(observed), tuple(expected.tolist()), 0.0, len(observed) - 1, 1.0, alpha)
    chi2 = float(np.sum((np.asarray(observed, dtype=np.float64) - expected) ** 2 / expected))
    df = len(observed) - 1
    p = float(special.chdtrc(df, chi2))
    return SampleRatioCheck(tuple(int(o) for o in observed), tuple(expected.tolist()), chi2, df, p, alpha)


# ----------------------------------------------------------------------------------- posteriors


class Posterior(Protocol):
    """A posterior of one variant's metric: its mean, a credible interval, and draws from it."""

    @property
    def mean(self) -> float: ...

    def interval(self, level: float = 0.95) -> tuple[float, float]: ...

    def draw(self, rng: np.random.Generator, size: int) -> FloatArray: ...


@dataclass(frozen=True)
class BetaPosterior:
    """Beta(alpha, beta): the posterior of a rate after `successes` of `trials` under a Beta prior."""

    alpha: float
    beta: float

    @classmethod
    def from_counts(cls, successes: int, trials: int, *, prior: tuple[float, float] = (1.0, 1.0)) -> BetaPosterior:
        if not 0 <= successes <= trials:
            raise InvalidInputError(f"need 0 <= successes <= trials; got {successes} of {trials}")
        if not (prior[0] > 0 and prior[1] > 0):
            raise InvalidInputError(f"a Beta prior's parameters must be positive; got {prior}")
        return cls(prior[0] + successes, prior[1] + trials - successes)

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        """The equal-tailed credible interval: exact Beta quantiles."""
        tail = (1 - level) / 2
        low, high = special.betaincinv(self.alpha, self.beta, [tail, 1 - tail])
        return float(low), float(high)

    def draw(self, rng: np.random.Generator, size: int) -> FloatArray:
        return rng.beta(self.alpha, self.beta, size)


@dataclass(frozen=True)
class MeanPosterior:
    """A Student-t posterior of a mean, location + scale · t(df), kept within the values' bounds [low, high]."""

    location: float
    scale: float
    df: float
    low: float = -math.inf
    high: float = math.inf

    @classmethod
    def from_values(cls, values: ArrayLike, *, low: float, high: float) -> MeanPosterior:
        """The posterior of the mean of `values`, which lie in [low, high], padded with one value at each bound.

        Under the Jeffreys prior p(μ, σ) ∝ 1/σ the mean's posterior is x̄ + s/√n · t(n − 1); the
        padding keeps it proper when every value is equal (all completed, say), as Beta(1, 1)
        does for a rate, and weighs nothing once viewers number in the hundreds. A mean of values
        in [low, high] lies there too, so draws and intervals are clipped to it (which matters only
        for a handful of viewers).
        """
        x = np.asarray(values, dtype=np.float64)
        if not high > low:
            raise InvalidInputError(f"need low < high; got {low} and {high}")
        if x.size and (x.min() < low or x.max() > high):
            raise InvalidInputError(f"values must lie in [{low}, {high}]; found {x.min()} to {x.max()}")
        padded = np.concatenate((x, [low, high]))
        n = padded.size
        return cls(float(padded.mean()), float(padded.std(ddof=1) / math.sqrt(n)), float(n - 1), low, high)

    @property
    def mean(self) -> float:
        return self.location

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        tail = (1 - level) / 2
        q = float(special.stdtrit(self.df, 1 - tail))
        return max(self.low, self.location - q * self.scale), min(self.high, self.location + q * self.scale)

    def draw(self, rng: np.random.Generator, size: int) -> FloatArray:
        return np.clip(self.location + self.scale * rng.standard_t(self.df, size), self.low, self.high)


# ----------------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class ArmComparison:
    """One variant against the others, from the joint draws."""

    chance_to_beat_control: float  # NaN for the control itself
    chance_worth_shipping: float  # P(θ_this − θ_control > caring); NaN for the control itself
    chance_to_be_best: float
    expected_loss: float  # E[max_j θ_j − θ_this]: what choosing this variant costs on average
    expected_loss_error: float  # Monte Carlo standard error of expected_loss
    lift: float  # posterior mean of θ_this − θ_control
    lift_low: float
    lift_high: float


@dataclass(frozen=True)
class Comparison:
    """Every variant compared, in the order given; `control` indexes the control."""

    arms: tuple[ArmComparison, ...]
    control: int
    draws: int
    caring: float  # the threshold of caring `chance_worth_shipping` is measured against

    @property
    def chance_error(self) -> float:
        """The largest Monte Carlo standard error of any chance here (at p = 1/2)."""
        return 0.5 / math.sqrt(self.draws)

    def best(self) -> int:
        """The variant with the smallest expected loss (the control on a tie)."""
        losses = [a.expected_loss for a in self.arms]
        lowest = min(losses)
        return self.control if losses[self.control] == lowest else losses.index(lowest)


def compare(
    posteriors: Sequence[Posterior],
    control: int,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    level: float = 0.95,
    caring: float = 0.0,
) -> Comparison:
    """Chances, lifts and expected losses of every variant from `draws` joint Monte Carlo draws.

    `caring` is the threshold of caring: `chance_worth_shipping` is the chance of a lift above it.
    """
    if len(posteriors) < 2 or not 0 <= control < len(posteriors):
        raise InvalidInputError(f"need at least two posteriors and a control among them; got {len(posteriors)}")
    if draws < 1000:
        raise InvalidInputError(f"use at least 1,000 draws; got {draws}")
    rng = np.random.default_rng(seed)
    theta = np.stack([p.draw(rng, draws) for p in posteriors])
    best = theta.max(axis=0)
    winner = theta.argmax(axis=0)
    tail = (1 - level) / 2
    arms: list[ArmComparison] = []
    for i in range(len(posteriors)):
        loss = best - theta[i]
        diff = theta[i] - theta[control]
        low, high = np.quantile(diff, [tail, 1 - tail]) if i != control else (0.0, 0.0)
        arms.append(
            ArmComparison(
                chance_to_beat_control=float(np.mean(diff > 0)) if i != control else math.nan,
                chance_worth_shipping=float(np.mean(diff > caring)) if i != control else math.nan,
                chance_to_be_best=float(np.mean(winner == i)),
                expected_loss=float(loss.mean()),
                expected_loss_error=float(loss.std() / math.sqrt(draws)),
                lift=float(diff.mean()),
                lift_low=float(low),
                lift_high=float(high),
            )
        )
    return Comparison(arms=tuple(arms), control=control, draws=draws, caring=caring)


# ------------------------------------------------------------------------------------- decision


def format_amount(value: float, metric: PrimaryMetric, *, signed: bool = False) -> str:
    """A difference in the metric's unit: percentage points for rates, seconds for watch time."""
    sign = "+" if signed else ""
    if metric.is_rate:
        return f"{value * 100:{sign}.2f} pts"
    return f"{value:{sign}.2f} s"


def decide(
    names: Sequence[str],
    viewers: Sequence[int],
    comparison: Comparison,
    srm: SampleRatioCheck,
    thresholds: DecisionThresholds,
    metric: PrimaryMetric,
) -> ExperimentDecision:
    """The call on an experiment now, with its reason; valid whenever it is asked (docs/experiments.md).

    In order: a sample ratio mismatch stops every other call; no call before every variant has
    `min_viewers`; ship the variant with the least expected loss when that is below the threshold
    of caring and its chance to beat the control is at least `ship_chance`; stop with no
    difference when keeping the control is expected to cost less than the threshold of caring and
    no challenger has more than 1 − `stop_chance` chance to beat the control by that much, or when
    every variant reached `max_viewers`; otherwise keep running.
    """
    if not len(names) == len(viewers) == len(comparison.arms):
        raise InvalidInputError("need one name and one viewer count per compared variant")
    caring = thresholds.caring_for(metric)
    if not math.isclose(comparison.caring, caring):
        raise InvalidInputError(
            f"compare with caring={caring} (the threshold of caring in force), not {comparison.caring}"
        )
    control = comparison.control
    if srm.flagged:
        return ExperimentDecision(
            kind=ExperimentAction.INVESTIGATE,
            reason=f"{srm.describe()}; the assignment or the event logging is broken, so no result can be "
            "trusted until the cause is found and the experiment restarted",
        )
    smallest = min(range(len(names)), key=lambda i: viewers[i])
    if viewers[smallest] < thresholds.min_viewers:
        return ExperimentDecision(
            kind=ExperimentAction.KEEP_RUNNING,
            reason=f"{names[smallest]} has {viewers[smallest]:,} viewers; every variant needs "
            f"{thresholds.min_viewers:,} before a call",
        )
    losses = [a.expected_loss for a in comparison.arms]
    best = comparison.best()
    arm = comparison.arms[best]
    challengers = [i for i in range(len(names)) if i != control]
    if best != control and losses[best] < caring and arm.chance_to_beat_control >= thresholds.ship_chance:
        return ExperimentDecision(
            kind=ExperimentAction.SHIP,
            variant=names[best],
            reason=f"{names[best]} beats {names[control]} with {arm.chance_to_beat_control:.1%} probability by "
            f"{_lift(arm, metric)}; choosing it is expected to cost {format_amount(losses[best], metric)}, under the "
            f"threshold of caring ({format_amount(caring, metric)})",
        )
    lead = max(challengers, key=lambda i: comparison.arms[i].chance_worth_shipping)
    worth = comparison.arms[lead].chance_worth_shipping
    if losses[control] < caring and worth < 1 - thresholds.stop_chance:
        return ExperimentDecision(
            kind=ExperimentAction.NO_DIFFERENCE,
            reason=f"keeping {names[control]} is expected to cost {format_amount(losses[control], metric)}, and no "
            f"challenger has more than a {worth:.1%} chance to beat it by the threshold of caring "
            f"({format_amount(caring, metric)}); the closest, {names[lead]}, is {_lift(comparison.arms[lead], metric)}",
        )
    if thresholds.max_viewers is not None and viewers[smallest] >= thresholds.max_viewers:
        return ExperimentDecision(
            kind=ExperimentAction.NO_DIFFERENCE,
            reason=f"every variant has {thresholds.max_viewers:,} viewers, the most this experiment may take, and no "
            f"challenger is clearly better: the best, {names[lead]}, is {_lift(comparison.arms[lead], metric)}",
        )
    if best != control and arm.chance_to_beat_control < thresholds.ship_chance:
        why = (
            f"{names[best]} leads with {arm.chance_to_beat_control:.1%} chance to beat {names[control]}, short of "
            f"{thresholds.ship_chance:.0%}"
        )
    else:
        why = (
            f"the best choice so far, {names[best]}, risks {format_amount(losses[best], metric)} in expectation "
            f"(threshold of caring {format_amount(caring, metric)})"
        )
        if best == control:
            why += f", and {names[lead]} still has a {worth:.1%} chance to beat it by that much"
    return ExperimentDecision(kind=ExperimentAction.KEEP_RUNNING, reason=why)


def _lift(arm: ArmComparison, metric: PrimaryMetric) -> str:
    low, high = format_amount(arm.lift_low, metric, signed=True), format_amount(arm.lift_high, metric, signed=True)
    return f"{format_amount(arm.lift, metric, signed=True)} ({low} to {high})"
