"""The simulator's engine: episodes planned once, then sessions drawn wave by wave and turned into events.

A wave holds every viewer's next session (first the arrivals' impressions of episode 1, then
whatever each session led to: the next episode at once, or a return days later). All of a
wave's chances are drawn at once with numpy, leave positions by inverse CDF of each episode
version's cumulative hazard; only building the events themselves is done per session. `simulate.py`
is the public face; the parameters and the truth are in `simulate_taste.py`, the plan of every
episode version in `simulate_plan.py`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from dramaline.audience.simulate_plan import EpisodePlan, SeriesPlan
from dramaline.audience.simulate_taste import AudienceModel
from dramaline.errors import InvalidInputError
from dramaline.model import Event, EventType, Series

DAY_S = 86_400.0
_IMPRESSION_TO_PLAY_S = 1.0  # from seeing the episode to pressing play
_UNLOCK_S = 2.0  # paying for a locked episode takes a moment more
_NEXT_S = 0.5  # from the end of one episode to the next_episode tap
_LOOP_S = 0.3  # a looping player restarts the episode after its end
_ENGAGEMENTS = (EventType.LIKE, EventType.SHARE, EventType.COMMENT, EventType.FOLLOW)

_Timed = tuple[float, EventType, float | None, float | None, float | None]
"""An event before it is one: (seconds from start, type, position, seek origin, amount)."""


# -------------------------------------------------------------------------------------------- run


@dataclass
class _Wave:
    """Sessions about to start, one per viewer at most: who, which episode, when shown, how."""

    viewer: NDArray[np.intp]
    episode: NDArray[np.intp]
    shown_s: NDArray[np.float64]
    first: bool  # the arrival impression, which may not be clicked


class _Session(NamedTuple):
    """Everything one session's events are made from, drawn beforehand for the whole wave."""

    viewer: int
    episode: int
    plan: int  # index of the episode version's plan in Run.plans
    number: int
    shown_s: float
    paid: bool
    plays: bool
    play_s: float
    leave_s: float  # content position where playback stops: the duration when it completes
    complete: bool
    killed: bool
    seek: int  # 0 none, 1 backward, 2 forward
    seek_at: float
    seek_to: float
    replay: bool  # a completed session loops and plays again from the start
    replay_leave_s: float
    replay_complete: bool
    goes_next: bool
    engage: tuple[float, ...]


class Run:
    """One simulation: its plan, model, random generator and the state of every viewer."""

    def __init__(
        self,
        series: Series,
        plan: SeriesPlan,
        model: AudienceModel,
        series_id: str,
        tag: str,
        prefix: str,
        rng: np.random.Generator,
        start: datetime,
        cutoff_s: float,
    ) -> None:
        self.model, self.rng, self.start, self.cutoff_s = model, rng, start, cutoff_s
        self.series_id, self.tag, self.prefix = series_id, tag, prefix
        self.languages = [s.language or series.language for s in model.segments]
        # Plans live in one list, the episodes' own first (episode n at n - 1), then every variant's.
        self.plans: list[EpisodePlan] = list(plan.base)
        self.last = len(plan.base)
        self.variant_ids: dict[int, dict[int, int]] = {}  # episode → version → index in plans
        for episode, versions in plan.variants.items():
            self.variant_ids[episode] = {}
            for version, episode_plan in versions.items():
                self.variant_ids[episode][version] = len(self.plans)
                self.plans.append(episode_plan)
        self.chooser = plan.chooser
        self.durations = np.array([p.duration_s for p in self.plans])
        self.next_p = np.array([p.next_probability for p in self.plans])
        self.chosen: dict[int, NDArray[np.intp]] = {}  # episode → per viewer, the plan of the version shown

    def viewer_id(self, viewer: int) -> str:
        return f"{self.prefix}-{viewer + 1:06d}"

    def _choose(self, viewers: int) -> None:
        """Ask the chooser, once per viewer and episode under experiment, which version they are shown."""
        for episode, ids in self.variant_ids.items():
            assert self.chooser is not None  # plan_series requires one with variants
            chosen = np.empty(viewers, dtype=np.intp)
            for i in range(viewers):
                version = self.chooser(self.viewer_id(i), episode)
                if version not in ids:
                    raise InvalidInputError(
                        f"the chooser shows {self.viewer_id(i)} version {version} of episode {episode}, but the "
                        f"variants given are versions {sorted(ids)}"
                    )
                chosen[i] = ids[version]
            self.chosen[episode] = chosen

    def _plan_of(self, v: NDArray[np.intp], ep: NDArray[np.intp]) -> NDArray[np.intp]:
        """Each session's plan: its episode's own, or the version its viewer was assigned."""
        plan = ep - 1
        for episode, chosen in self.chosen.items():
            plan = np.where(ep == episode, chosen[v], plan)
        return plan

    def events(self, viewers: int) -> Iterator[Event]:
        model, rng = self.model, self.rng
        self.segment = rng.choice(len(model.segments), size=viewers, p=model.shares())
        self.followed = np.zeros(viewers, dtype=bool)
        self.unlocked = np.zeros(viewers, dtype=np.intp)
        self.sessions = np.zeros(viewers, dtype=np.intp)
        self._choose(viewers)
        wave = _Wave(
            viewer=np.arange(viewers),
            episode=np.ones(viewers, dtype=np.intp),
            shown_s=self._arrivals(viewers),
            first=True,
        )
        while wave.viewer.size:
            sessions, wave = self._draw(wave)
            for session in sessions:
                yield from self._session_events(session)

    def _arrivals(self, n: int) -> NDArray[np.float64]:
        u = self.rng.random(n)
        half_life = self.model.arrival_half_life_days
        if half_life is None:
            arrivals: NDArray[np.float64] = u * self.cutoff_s
        else:
            # Truncated exponential over the window, by inverse CDF: most arrive early, some at the end.
            rate = math.log(2) / (half_life * DAY_S)
            arrivals = -np.log1p(-u * -np.expm1(-rate * self.cutoff_s)) / rate
        return np.sort(arrivals)

    def _draw(self, wave: _Wave) -> tuple[list[_Session], _Wave]:
        """Draw every outcome of this wave's sessions at once, and the wave that follows."""
        model, rng = self.model, self.rng
        keep = wave.shown_s < self.cutoff_s
        v, ep, shown = wave.viewer[keep], wave.episode[keep], wave.shown_s[keep]
        plan = self._plan_of(v, ep)
        n = v.size
        # Every draw has the wave's size whatever happens, so a seed replays exactly.
        u = rng.random((n, 10))
        engage = rng.random((n, len(_ENGAGEMENTS)))
        v_frail = model.frailty_variance
        frailty = rng.gamma(1 / v_frail, v_frail, n) if v_frail > 0 else np.ones(n)
        target = rng.standard_exponential((2, n)) / frailty  # the first pass, and a replay's
        gap = rng.exponential(model.return_gap_hours * 3600, n)

        clicked = (u[:, 0] < model.click_through) if wave.first else np.ones(n, dtype=bool)
        paywall = model.paywall_from
        locked = (clicked & (ep >= paywall) & (self.unlocked[v] < ep)) if paywall is not None else np.zeros(n, bool)
        paid = locked & (u[:, 1] < model.unlock)
        self.unlocked[v[paid]] = ep[paid]
        plays = clicked & (~locked | paid)

        leave, complete = self._leave(v, plan, target[0], plays)
        killed = plays & (u[:, 2] < model.killed)
        seek, seek_at, seek_to, played = self._seeks(leave, u[:, 3:7], plays)
        # A killed app loses the session's end, so it cannot loop into a replay either.
        done = complete & ~killed
        replay = done & (u[:, 7] < model.rewatch)
        replay_leave, replay_complete = self._leave(v, plan, target[1], replay)
        play_s = shown + _IMPRESSION_TO_PLAY_S + np.where(paid, _UNLOCK_S, 0.0)
        end_s = play_s + played + np.where(replay, _LOOP_S + replay_leave, 0.0)

        goes_next = done & (u[:, 8] < self.next_p[plan])
        stopped = complete & ~goes_next & (ep < self.last)
        comes_back = (stopped & (u[:, 9] < model.return_after_stop)) | (
            plays & ~complete & (u[:, 9] < model.return_after_exit)
        )
        number = self.sessions[v]
        self.sessions[v] += 1
        columns = [v, ep, plan, number, shown, paid, plays, play_s, leave, complete, killed, seek, seek_at, seek_to]
        columns += [replay, replay_leave, replay_complete, goes_next]
        # tolist() turns numpy scalars into plain Python ones in one step, which the per-event code needs.
        rows = zip(*(c.tolist() for c in columns), strict=True)
        sessions = [_Session._make((*row, tuple(e))) for row, e in zip(rows, engage.tolist(), strict=True)]
        follow = goes_next | comes_back
        step = goes_next | (comes_back & complete)
        delay = np.where(goes_next, _NEXT_S + _IMPRESSION_TO_PLAY_S, gap)
        following = _Wave(viewer=v[follow], episode=(ep + step)[follow], shown_s=(end_s + delay)[follow], first=False)
        return sessions, following

    def _leave(
        self, v: NDArray[np.intp], plan: NDArray[np.intp], target: NDArray[np.float64], active: NDArray[np.bool_]
    ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        """Where each active session stops (the duration when it completes), and whether it completes."""
        leave = np.zeros(v.size)
        for index in np.unique(plan[active]):
            pick = active & (plan == index)
            leave[pick] = self.plans[index].hazards.leave_positions(self.segment[v[pick]], target[pick])
        complete = active & np.isinf(leave)
        return np.where(complete, self.durations[plan], leave), complete

    def _seeks(
        self, leave: NDArray[np.float64], u: NDArray[np.float64], plays: NDArray[np.bool_]
    ) -> tuple[NDArray[np.intp], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """At most one seek per session (kind, from, to, seconds played), never changing where it ends."""
        model = self.model
        low, high = model.seek_span_s
        span = low + u[:, 3] * (high - low)
        seeks = plays & (u[:, 0] < model.seek) & (leave >= 4.0)
        back = seeks & (u[:, 1] < model.backward_seek_share)
        back_at = 3.0 + u[:, 2] * (leave - 3.5)
        fwd_at = 2.0 + u[:, 2] * (leave - 2.0)
        # A forward seek must land before the leave point, or it would decide where the session ends.
        fwd = seeks & ~back & (fwd_at + span < leave - 0.25)
        at = np.where(back, back_at, np.where(fwd, fwd_at, 0.0))
        to = np.where(back, back_at - np.minimum(span, back_at), np.where(fwd, fwd_at + span, 0.0))
        kind = np.where(back, 1, np.where(fwd, 2, 0)).astype(np.intp)
        played = leave + (at - to)  # replayed seconds add, skipped ones subtract
        return kind, at, to, played

    # ---------------------------------------------------------------------------------- events

    def _session_events(self, s: _Session) -> Iterator[Event]:
        model = self.model
        ep = self.plans[s.plan]
        segment = int(self.segment[s.viewer])
        viewer_id = self.viewer_id(s.viewer)
        session_id = f"{viewer_id}:{self.tag}:{s.number}"
        base: dict[str, Any] = {
            **_EVENT_DEFAULTS,
            "viewer_id": viewer_id,
            "session_id": session_id,
            "series": self.series_id,
            "episode": s.episode,
            "episode_version": ep.version,
            "platform": model.segments[segment].platform,
            "market": model.segments[segment].market,
            "language": self.languages[segment],
            "segment": model.segments[segment].name,
            "received_ts": None,
            "simulated": True,
        }
        timed: list[_Timed] = [(s.shown_s, EventType.IMPRESSION, None, None, None)]
        if s.paid:
            timed.append((s.shown_s + _IMPRESSION_TO_PLAY_S, EventType.UNLOCK, None, None, model.unlock_price))
        if s.plays:
            timed.extend(self._playback(s, ep))
        cutoff = self.cutoff_s
        for j, (at, kind, position, origin, amount) in enumerate(timed):
            if at >= cutoff:
                break  # the data ends here; the session looks unfinished, as real ones do at a cutoff
            yield _event(
                {
                    **base,
                    "event_id": f"{session_id}:{j}",
                    "type": kind,
                    "position_s": position,
                    "from_position_s": origin,
                    "amount": amount,
                    "client_ts": self.start + timedelta(seconds=at),
                }
            )

    def _playback(self, s: _Session, ep: EpisodePlan) -> list[_Timed]:
        duration, leave = ep.duration_s, s.leave_s
        shift = s.seek_at - s.seek_to  # content time replayed (backward) or skipped (forward, negative)
        wall = leave + shift if s.seek else leave

        def position(w: float) -> float:
            # Playhead after w seconds of playing: replayed or skipped stretches follow the seek.
            return w if not s.seek or w <= s.seek_at else w - shift

        def reached(x: float) -> float | None:
            # When the playhead first reaches content position x; None if a forward seek skipped it.
            if not s.seek or x <= s.seek_at:
                return x
            if s.seek == 2 and x < s.seek_to:
                return None
            return x + shift

        out: list[_Timed] = [(s.play_s, EventType.PLAY, 0.0, None, None)]
        step = self.model.heartbeat_s
        for k in range(1, int(wall / step) + 1):
            w = k * step
            if w < wall:
                out.append((s.play_s + w, EventType.PROGRESS, _pos(position(w), duration), None, None))
        if s.seek:
            origin, landing = _pos(s.seek_at, duration), _pos(s.seek_to, duration)
            out.append((s.play_s + s.seek_at, EventType.SEEK, landing, origin, None))
        out.extend(self._engagement(s, ep, reached))
        out.sort(key=lambda e: e[0])
        end = s.play_s + wall
        if not s.killed:
            out.append(_ending(end, s.complete, leave, duration))
        if s.replay:
            # The replay is a plain second pass: no seeks or reactions, the same heartbeats.
            again = end + _LOOP_S
            out.append((again, EventType.PLAY, 0.0, None, None))
            out.extend(
                (again + w, EventType.PROGRESS, _pos(w, duration), None, None)
                for w in (k * step for k in range(1, int(s.replay_leave_s / step) + 1))
                if w < s.replay_leave_s
            )
            end = again + s.replay_leave_s
            out.append(_ending(end, s.replay_complete, s.replay_leave_s, duration))
        if s.goes_next:
            out.append((end + _NEXT_S, EventType.NEXT_EPISODE, None, None, None))
        return out

    def _engagement(self, s: _Session, ep: EpisodePlan, reached: Callable[[float], float | None]) -> list[_Timed]:
        """Reactions at the end of fully watched scenes, likelier after a reversal; at most one of each per session."""
        model = self.model
        probability = {
            EventType.LIKE: model.like,
            EventType.SHARE: model.share,
            EventType.COMMENT: model.comment,
            EventType.FOLLOW: model.follow,
        }
        out: list[_Timed] = []
        watched = [
            (end, rev) for end, rev in zip(ep.scene_ends, ep.scene_reversal, strict=True) if end <= s.leave_s + 1e-9
        ]
        for kind, u in zip(_ENGAGEMENTS, s.engage, strict=True):
            if kind is EventType.FOLLOW and self.followed[s.viewer]:
                continue
            # One uniform picks the first scene that succeeds: P(scene i) = P(none before) · p_i.
            staying = 1.0
            for end, reversal in watched:
                staying *= 1 - min(1.0, probability[kind] * (model.reversal_boost if reversal else 1.0))
                if u >= staying:
                    w = reached(end)
                    if w is not None:
                        out.append((s.play_s + w, kind, _pos(end, ep.duration_s), None, None))
                        if kind is EventType.FOLLOW:
                            self.followed[s.viewer] = True
                    break
        return out


def _ending(at: float, complete: bool, leave: float, duration: float) -> _Timed:
    if complete:
        return (at, EventType.COMPLETE, duration, None, None)
    # An exit is before the end, even after rounding to the millisecond.
    return (at, EventType.EXIT, min(_pos(leave, duration), max(0.0, duration - 0.001)), None, None)


def _pos(x: float, duration: float) -> float:
    # Millisecond positions read better; round() is slow enough to show in a profile, so truncate.
    return min(int(x * 1000) / 1000, duration)


# Events are correct by construction here, and validating a million of them costs most of a run;
# set the instance state exactly as `Event.model_construct` would, at a fraction of its cost
# (it walks every field's aliases and defaults per call). The tests re-validate every event.
_FIELDS_SET = set(Event.model_fields)
_EVENT_DEFAULTS = {
    name: f.get_default(call_default_factory=True) for name, f in Event.model_fields.items() if not f.is_required()
}
"""Fields the simulator does not set (should the model gain any) keep their defaults."""


def _event(values: dict[str, Any]) -> Event:
    event = Event.__new__(Event)
    object.__setattr__(event, "__dict__", values)
    object.__setattr__(event, "__pydantic_fields_set__", _FIELDS_SET)
    object.__setattr__(event, "__pydantic_extra__", None)
    object.__setattr__(event, "__pydantic_private__", None)
    return event
