"""Benchmark: the portfolio allocator against plain Thompson sampling and a uniform split, on a simulated market.

The market (`dramaline.decide.portfolio_env`, docs/portfolio.md): 24 series over the 8 archetypes,
hidden completed views per episode that drift week by week, views that arrive over seven weeks
after a release, weekly ups and downs, promotion that converts per series. Every strategy gets
the same budget each week (12 episodes, 12 promotion units) on the same markets (one per seed):
26 weeks of decisions after the launch week, then 8 weeks in which the last releases are watched.

Strategies: ours (`PortfolioAllocator`, default policy: delay correction, discounting, pooling by
archetype, the exploration quota and the 0.5 diversity floor); ours without the quota and the
floor (what diversity costs); plain Thompson sampling (`PlainThompson`: completed views per
released episode so far, no discount, no quota; the same limits per series); uniform; and the
oracle, which knows the hidden values (the ceiling). The same strategies run again on a calm
market, without the weekly ups and downs, where plain Thompson sampling's overconfidence costs
little.

Targets: ours ≥ plain Thompson sampling and ≥ 1.5× uniform in completed views; ours keeps the
budget's archetype evenness at or above the floor every week, while plain Thompson sampling does not.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

from dramaline.decide.allocators import Allocator, PlainThompson, UniformAllocator
from dramaline.decide.portfolio import PortfolioAllocator
from dramaline.decide.portfolio_env import MarketConfig, MarketRun, Oracle, run_market
from dramaline.model import PeriodBudget, PortfolioPolicy

SEEDS = 10
BUDGET = PeriodBudget(episodes=12, promotion=12)
POLICY = PortfolioPolicy()
FREE = POLICY.model_copy(update={"exploration_share": 0.0, "diversity_floor": 0.0})
TARGET_VS_UNIFORM = 1.5
STRATEGIES: dict[str, Callable[[MarketConfig, int], Allocator]] = {
    "ours": lambda config, seed: PortfolioAllocator(POLICY, seed),
    "ours_free": lambda config, seed: PortfolioAllocator(FREE, seed),
    "plain": lambda config, seed: PlainThompson(POLICY, seed),
    "uniform": lambda config, seed: UniformAllocator(POLICY),
    "oracle": lambda config, seed: Oracle(config, seed, POLICY),
}
SHOWN_WEEKS = (1, 4, 8, 13, 17, 21, 26)


def _runs(config: MarketConfig, seeds: int) -> tuple[dict[str, list[MarketRun]], float]:
    runs: dict[str, list[MarketRun]] = {name: [] for name in STRATEGIES}
    ours_s = 0.0
    for seed in range(seeds):
        for name, make in STRATEGIES.items():
            start = time.process_time()
            runs[name].append(run_market(make(config, seed), config, BUDGET, seed))
            if name == "ours":
                ours_s += time.process_time() - start
    return runs, ours_s


def _summarise(runs: dict[str, list[MarketRun]], prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    views = {name: np.array([r.completed_views for r in rs]) for name, rs in runs.items()}
    for name, v in views.items():
        out[f"{prefix}{name}_views_mean"] = float(v.mean())
        out[f"{prefix}{name}_views_sd"] = float(v.std(ddof=1)) if v.size > 1 else 0.0
        out[f"{prefix}{name}_of_oracle"] = float((v / views["oracle"]).mean())
    for other in ("plain", "uniform", "ours_free"):
        ratio = views["ours"] / views[other]
        out[f"{prefix}ours_vs_{other}_mean"] = float(ratio.mean())
        out[f"{prefix}ours_vs_{other}_min"] = float(ratio.min())
        out[f"{prefix}ours_vs_{other}_max"] = float(ratio.max())
    floor = POLICY.diversity_floor
    for name, rs in runs.items():
        even = np.array([r.slate_evenness for r in rs])  # (seeds, weeks)
        out[f"{prefix}evenness_{name}_mean"] = float(even.mean())
        out[f"{prefix}evenness_{name}_min"] = float(even.min())
        out[f"{prefix}below_floor_{name}"] = float((even < floor - 1e-9).mean())
        if not prefix:
            for week in SHOWN_WEEKS:
                out[f"evenness_{name}_week{week:02d}"] = float(even[:, week - 1].mean())
        out[f"{prefix}sunset_{name}"] = float(statistics.mean(r.sunset for r in rs))
    return out


def run(seeds: int = SEEDS) -> dict[str, float]:
    """Every strategy on `seeds` markets, default and calm; completed views, ratios and evenness."""
    start = time.perf_counter()
    config = MarketConfig()
    runs, ours_s = _runs(config, seeds)
    result = _summarise(runs)
    calm, _ = _runs(MarketConfig(weekly_shock_sd=0.0), seeds)
    result |= _summarise(calm, prefix="calm_")
    result |= {
        "seeds": float(seeds),
        "weeks": float(config.weeks),
        "series": float(config.series),
        "floor": POLICY.diversity_floor,
        "ms_per_decision": 1000 * ours_s / (seeds * config.weeks),
        "seconds": time.perf_counter() - start,
        "target_vs_uniform": TARGET_VS_UNIFORM,
    }
    return result


def _verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def report(result: dict[str, float]) -> str:
    r = result
    lines = [
        f"portfolio allocation, {r['series']:.0f} series × {r['weeks']:.0f} weeks × {r['seeds']:.0f} markets, "
        f"{BUDGET.episodes} episodes + {BUDGET.promotion:g} promotion units a week "
        f"({r['ms_per_decision']:.0f} ms CPU per decision, {r['seconds']:.0f} s in all):"
    ]
    for prefix, label in (("", "market"), ("calm_", "calm market (no weekly ups and downs)")):
        views = ", ".join(
            f"{name} {r[f'{prefix}{name}_views_mean'] / 1e6:.2f}M ± {r[f'{prefix}{name}_views_sd'] / 1e6:.2f}M "
            f"({r[f'{prefix}{name}_of_oracle']:.1%} of the oracle)"
            for name in ("ours", "ours_free", "plain", "uniform", "oracle")
        )
        lines.append(f"  {label}, completed views (mean ± sd over markets): {views}")
        vs_plain = r[f"{prefix}ours_vs_plain_mean"]
        vs_uniform = r[f"{prefix}ours_vs_uniform_mean"]
        lines.append(
            f"  {label}: ours/plain TS {vs_plain:.3f} (per market {r[f'{prefix}ours_vs_plain_min']:.3f}–"
            f"{r[f'{prefix}ours_vs_plain_max']:.3f}), {_verdict(vs_plain >= 1.0)} ≥ 1; ours/uniform "
            f"{vs_uniform:.2f} (min {r[f'{prefix}ours_vs_uniform_min']:.2f}), "
            f"{_verdict(vs_uniform >= TARGET_VS_UNIFORM)} ≥ {TARGET_VS_UNIFORM}; the diversity floor costs "
            f"{1 - r[f'{prefix}ours_vs_ours_free_mean']:.1%} of ours' views"
        )
    floor = r["floor"]
    for name in ("ours", "ours_free", "plain", "uniform", "oracle"):
        weeks = " ".join(f"w{w}:{r[f'evenness_{name}_week{w:02d}']:.2f}" for w in SHOWN_WEEKS)
        lines.append(
            f"  budget archetype evenness, {name}: mean {r[f'evenness_{name}_mean']:.2f}, lowest "
            f"{r[f'evenness_{name}_min']:.2f}, {r[f'below_floor_{name}']:.0%} of weeks below the {floor:.2f} floor "
            f"({weeks}; calm market {r[f'calm_below_floor_{name}']:.0%} below)"
        )
    kept = r["below_floor_ours"] == 0 and r["calm_below_floor_ours"] == 0
    lines.append(
        f"  diversity: ours {_verdict(kept)} the floor every week; plain TS "
        f"{'does not keep one' if r['below_floor_plain'] > 0 else 'happens to stay above it'}"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(run()))
