"""The portfolio allocator: each period, which series get episodes and promotion, which are sunset, and why.

`PortfolioAllocator.allocate(snapshots, budget, period=…)` decides in five steps:

1. posteriors of every active series' completed views per episode and completion rate, over
   evidence corrected for views still to come and discounted for drift (`allocators`);
2. the sunset rule: a series whose completion rate is below the floor (or whose completed views
   per episode are below a share of the median series'), with posterior probability above the
   confidence, is sunset, but only once it has the minimum of released episodes and views;
3. the budget, slot by slot, by batched Thompson sampling within each series' limits (production
   per week, maximum share, episodes left to plan); the exploration quota's slots go only to
   series that are under-explored (little recent matured evidence) or whose archetype is getting
   less than half its share of the catalog;
4. the diversity floor: while the budget's archetype evenness is below it, a slot moves from the
   most-funded archetype's weakest funded series to the least-funded archetype's best series;
5. reasons in words, citing the numbers, for every decision.

`apply_allocation` records an allocation in the `PortfolioState`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from dramaline.decide.allocators import (
    FloatArray,
    IntArray,
    SeriesEvidence,
    budget_shares,
    build_allocation,
    episode_capacity,
    p_top,
    posteriors,
    promotion_slots,
    series_evidence,
    share_cap,
    thompson_counts,
)
from dramaline.decide.diversity import keep_floor
from dramaline.errors import InvalidInputError
from dramaline.model import (
    Allocation,
    CredibleInterval,
    PeriodBudget,
    PeriodRecord,
    PortfolioAction,
    PortfolioPolicy,
    PortfolioState,
    SeriesDecision,
    SeriesSnapshot,
    SeriesState,
    SeriesStatus,
)

__all__ = ["PortfolioAllocator", "apply_allocation"]


@dataclass
class _Plan:
    """The grants being built: episode slots and promotion slots per series, and where they came from."""

    episodes: IntArray
    promotion: IntArray  # in promotion slots
    quota_episodes: IntArray
    quota_promotion: IntArray
    moved: IntArray  # slots given by the diversity floor
    explore_why: dict[int, str]


class PortfolioAllocator:
    """The portfolio's allocator: delay-corrected, discounted, pooled Thompson sampling with the producer's rules."""

    def __init__(self, policy: PortfolioPolicy | None = None, seed: int = 0) -> None:
        self.policy = policy or PortfolioPolicy()
        self.seed = seed

    def allocate(self, snapshots: Sequence[SeriesSnapshot], budget: PeriodBudget, *, period: int) -> Allocation:
        """Decide the period: one decision per active series, in snapshot order."""
        ids = [s.series_id for s in snapshots]
        if len(set(ids)) != len(ids):
            raise InvalidInputError(f"series ids must be unique in a portfolio; got {sorted(ids)}")
        policy = self.policy
        active = [s for s in snapshots if s.status is SeriesStatus.ACTIVE]
        if not active:
            return build_allocation(period, budget, policy, [], [], ["no active series: nothing to decide"])
        rng = np.random.default_rng([self.seed, period])
        evidence = [series_evidence(s, policy) for s in active]
        post = posteriors(evidence, [s.archetype.value for s in active], policy)
        draws = post.draw(rng, policy.samples)
        # Among k or fewer series everyone is in the top k; then the reasons cite the chance to be the best.
        k = policy.top_k if len(active) > policy.top_k else 1
        top = p_top(draws, k)
        completed = _intervals(draws)
        completion = post.completion()
        p_below = post.p_completion_below(policy.sunset_completion_floor)
        p_relative = np.zeros(len(active))
        if policy.sunset_relative_floor is not None:
            median = np.median(draws, axis=1, keepdims=True)
            p_relative = (draws < policy.sunset_relative_floor * median).mean(axis=0)
        sunset, sunset_why = self._sunsets(active, p_below, p_relative, completion)
        plan = self._plan(active, evidence, budget, lambda rows: post.draw(rng, rows), ~sunset, draws.mean(axis=0))
        _, unit = promotion_slots(budget)
        shares = budget_shares(active, plan.episodes.tolist(), (plan.promotion * unit).tolist(), budget)
        decisions = []
        for i, s in enumerate(active):
            numbers = _Numbers(top[i], k, completion[i], completed[i], p_below[i], evidence[i])
            if sunset[i]:
                decisions.append(self._decision(s, PortfolioAction.SUNSET, 0, 0.0, 0.0, numbers, sunset_why[i], False))
                continue
            reasons = self._reasons(i, s, plan, unit, numbers, budget) + sunset_why.get(i, [])
            episodes, promo = int(plan.episodes[i]), float(plan.promotion[i] * unit)
            action = (
                PortfolioAction.GREENLIGHT if episodes else PortfolioAction.PROMOTE if promo else PortfolioAction.HOLD
            )
            explored = bool(plan.quota_episodes[i] or plan.quota_promotion[i] or plan.moved[i])
            decisions.append(
                self._decision(s, action, episodes, promo, shares[s.series_id], numbers, reasons, explored)
            )
        return build_allocation(period, budget, policy, active, decisions, self._notes(plan, budget, post.dispersion))

    # ------------------------------------------------------------------------------------- sunset

    def _sunsets(
        self,
        active: Sequence[SeriesSnapshot],
        p_below: FloatArray,
        p_relative: FloatArray,
        completion: Sequence[CredibleInterval],
    ) -> tuple[np.ndarray, dict[int, list[str]]]:
        policy = self.policy
        sunset = np.zeros(len(active), dtype=bool)
        why: dict[int, list[str]] = {}
        for i, s in enumerate(active):
            c = completion[i]
            if p_below[i] > policy.sunset_confidence:
                case = (
                    f"{p_below[i]:.0%} chance that completion is below the {policy.sunset_completion_floor:.0%} floor "
                    f"(completion {_pct(c)} over {s.total_views:,} views, {s.released} episodes released)"
                )
            elif p_relative[i] > policy.sunset_confidence and policy.sunset_relative_floor is not None:
                case = (
                    f"{p_relative[i]:.0%} chance that its completed views per episode are below "
                    f"{policy.sunset_relative_floor:.0%} of the median series' ({s.total_views:,} views, "
                    f"{s.released} episodes released)"
                )
            else:
                continue
            if s.released < policy.min_episodes_before_sunset:
                why[i] = [f"not sunset: {case}, but only {s.released} episodes are released (minimum "
                          f"{policy.min_episodes_before_sunset})"]  # fmt: skip
            elif s.total_views < policy.sunset_min_views:
                why[i] = [f"not sunset yet: {case}, but {s.total_views:,} views are fewer than the "
                          f"{policy.sunset_min_views:,} needed"]  # fmt: skip
            else:
                sunset[i] = True
                why[i] = [f"sunset: {case}"]
        return sunset, why

    # --------------------------------------------------------------------------------------- plan

    def _plan(
        self,
        active: Sequence[SeriesSnapshot],
        evidence: Sequence[SeriesEvidence],
        budget: PeriodBudget,
        draw: Callable[[int], FloatArray],
        alive: np.ndarray,
        value: FloatArray,
    ) -> _Plan:
        policy, n = self.policy, len(active)
        cap_e = np.array([episode_capacity(s, policy, budget) for s in active], dtype=np.int64) * alive
        slots, _ = promotion_slots(budget)
        cap_p = np.array([share_cap(policy.max_share, slots) if s.released else 0 for s in active]) * alive
        zeros = [np.zeros(n, dtype=np.int64) for _ in range(5)]
        plan = _Plan(zeros[0], zeros[1], zeros[2], zeros[3], zeros[4], explore_why={})
        quota_e = round(policy.exploration_share * budget.episodes)
        quota_p = round(policy.exploration_share * slots)

        def take(count: int, cap: IntArray, allowed: np.ndarray) -> IntArray:
            return thompson_counts(draw(count), cap, allowed)

        plan.episodes += take(budget.episodes - quota_e, cap_e, alive)
        plan.promotion += take(slots - quota_p, cap_p, alive)
        eligible = self._under_explored(active, evidence, plan, alive, budget)
        plan.quota_episodes = take(quota_e, cap_e - plan.episodes, eligible)
        plan.quota_promotion = take(quota_p, cap_p - plan.promotion, eligible)
        plan.episodes += plan.quota_episodes
        plan.promotion += plan.quota_promotion
        # Quota slots that no under-explored series could take go back to the whole catalog.
        plan.episodes += take(quota_e - int(plan.quota_episodes.sum()), cap_e - plan.episodes, alive)
        plan.promotion += take(quota_p - int(plan.quota_promotion.sum()), cap_p - plan.promotion, alive)
        _, unit = promotion_slots(budget)
        parts = (budget.episodes > 0) + (budget.promotion > 0)
        plan.moved = keep_floor(
            [plan.episodes, plan.promotion],
            [cap_e, cap_p],
            [
                1 / (budget.episodes * parts) if budget.episodes else 0.0,
                unit / (budget.promotion * parts) if slots else 0.0,
            ],
            [value, value * unit * policy.promotion_reach],
            [s.archetype for s in active],
            alive,
            policy.diversity_floor,
        )
        return plan

    def _under_explored(
        self,
        active: Sequence[SeriesSnapshot],
        evidence: Sequence[SeriesEvidence],
        plan: _Plan,
        alive: np.ndarray,
        budget: PeriodBudget,
    ) -> np.ndarray:
        """Series the quota may fund: little recent evidence, or an archetype under half its catalog share."""
        _, unit = promotion_slots(budget)
        shares = budget_shares(active, plan.episodes.tolist(), (plan.promotion * unit).tolist(), budget)
        kinds = [s.archetype for s in active]
        catalog = {a: sum(1 for i, k in enumerate(kinds) if k is a and alive[i]) / max(1, alive.sum()) for a in kinds}
        funded = {a: sum(shares[s.series_id] for s in active if s.archetype is a) for a in kinds}
        spent = sum(funded.values()) or 1.0
        eligible = np.zeros(len(active), dtype=bool)
        for i, e in enumerate(evidence):
            if not alive[i]:
                continue
            a = kinds[i]
            if e.exposure < self.policy.explore_below_episodes:
                eligible[i] = True
                plan.explore_why[i] = f"only {e.exposure:.1f} episodes' worth of recent matured views to judge it by"
            elif funded[a] / spent < 0.5 * catalog[a]:
                eligible[i] = True
                plan.explore_why[i] = (
                    f"{a.value} gets {funded[a] / spent:.0%} of the budget before the quota against "
                    f"{catalog[a]:.0%} of the catalog"
                )
        return eligible

    # ------------------------------------------------------------------------------------ reasons

    def _reasons(
        self, i: int, s: SeriesSnapshot, plan: _Plan, unit: float, n: _Numbers, budget: PeriodBudget
    ) -> list[str]:
        policy = self.policy
        out: list[str] = []
        episodes, promo = int(plan.episodes[i]), float(plan.promotion[i] * unit)
        rank = f"among the top {n.k}" if n.k > 1 else "the best"
        standing = (
            f"{n.top:.0%} chance to be {rank} by completed views per episode "
            f"({_count(n.completed)} per episode); completion {_pct(n.completion)}"
        )
        if episodes:
            out.append(f"greenlit {episodes} episode{'s' if episodes > 1 else ''}: {standing}")
        elif promo:
            out.append(f"promotion only: {standing}")
        else:
            out.append(f"nothing this period: {standing}")
        if promo:
            plural = "" if promo == 1 else "s"
            out.append(f"promotion {promo:g} unit{plural} ({promo / budget.promotion:.0%} of the promotion budget)")
        quota = int(plan.quota_episodes[i]) + int(plan.quota_promotion[i])
        if quota and i in plan.explore_why:
            out.append(f"{quota} slot{'s' if quota > 1 else ''} from the exploration quota: {plan.explore_why[i]}")
        if plan.moved[i]:
            out.append(
                f"{plan.moved[i]} slot{'s' if plan.moved[i] > 1 else ''} moved here to keep the budget's archetype "
                f"evenness at the {policy.diversity_floor:.2f} floor"
            )
        capacity = episode_capacity(s, policy, budget)
        left = s.episodes_planned - s.released - s.greenlit_pending
        if left <= 0:
            out.append(f"all {s.episodes_planned} planned episodes are released or greenlit")
        elif episodes and episodes == capacity:
            limit = "episodes left to plan" if capacity == left else "the production limit or maximum budget share"
            out.append(f"at the most this series may get this period ({capacity}: {limit})")
        if s.released and n.evidence.matured < 0.8 * s.released:
            out.append(
                f"views of recent releases are still arriving: {n.evidence.matured:.1f} of {s.released} episodes' "
                "views have had time to arrive, and only that much is credited"
            )
        return out

    def _notes(self, plan: _Plan, budget: PeriodBudget, disp: tuple[float, float]) -> list[str]:
        notes = []
        unspent = budget.episodes - int(plan.episodes.sum())
        if unspent > 0:
            notes.append(f"{unspent} episodes unspent: no active series has room for them (limits or plans)")
        slots, unit = promotion_slots(budget)
        if slots and (left := budget.promotion - float(plan.promotion.sum()) * unit) > 1e-9:
            notes.append(f"{left:g} promotion units unspent: no active series with released episodes has room")
        if disp[0] > 1.5:
            notes.append(
                f"weekly views scatter {disp[0]:.1f}× more than chance alone would make them (drift, bursts, or an "
                "arrival curve that does not fit): the estimates are widened to match"
            )
        return notes

    def _decision(
        self,
        s: SeriesSnapshot,
        action: PortfolioAction,
        episodes: int,
        promotion: float,
        share: float,
        n: _Numbers,
        reasons: Sequence[str],
        exploration: bool,
    ) -> SeriesDecision:
        return SeriesDecision(
            series_id=s.series_id,
            title=s.title,
            archetype=s.archetype,
            action=action,
            episodes=episodes,
            promotion=promotion,
            budget_share=min(1.0, share),
            exploration=exploration,
            p_top=float(n.top),
            completion=n.completion,
            completed_per_episode=n.completed,
            p_below_floor=float(n.p_below),
            released=s.released,
            matured_episodes=n.evidence.matured,
            views=s.total_views,
            reasons=tuple(reasons),
        )


@dataclass(frozen=True)
class _Numbers:
    top: float
    k: int
    completion: CredibleInterval
    completed: CredibleInterval
    p_below: float
    evidence: SeriesEvidence


def _intervals(draws: FloatArray, level: float = 0.9) -> list[CredibleInterval]:
    """Per column of `draws`: the mean and the central credible interval."""
    low, high = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return [
        CredibleInterval(value=float(m), low=float(lo), high=float(hi))
        for m, lo, hi in zip(draws.mean(axis=0), low, high, strict=True)
    ]


def _pct(c: CredibleInterval) -> str:
    return f"{c.value:.0%} [{c.low:.0%}–{c.high:.0%}]"


def _count(c: CredibleInterval) -> str:
    return f"{c.value:,.0f} [{c.low:,.0f}–{c.high:,.0f}]"


def apply_allocation(state: PortfolioState, allocation: Allocation, decided_at: datetime) -> PortfolioState:
    """The state with `allocation` recorded: greenlit episodes counted, sunsets marked, the period in history."""
    if allocation.period != state.period + 1:
        raise InvalidInputError(
            f"allocation is for period {allocation.period} but the portfolio is at period {state.period}; "
            "decide again for the next period"
        )
    series = dict(state.series)
    for d in allocation.decisions:
        old = series.get(d.series_id, SeriesState())
        if d.action is PortfolioAction.SUNSET:
            series[d.series_id] = old.model_copy(
                update={"status": SeriesStatus.SUNSET, "sunset_in": allocation.period, "sunset_reason": d.reasons[0]}
            )
        else:
            through = max(old.greenlit_through, d.released) + d.episodes
            series[d.series_id] = old.model_copy(update={"greenlit_through": through})
    record = PeriodRecord(decided_at=decided_at, allocation=allocation)
    return PortfolioState(policy=state.policy, budget=state.budget, series=series, history=(*state.history, record))
