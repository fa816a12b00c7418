"""The roadmap's success measures over the last days, from the job, segment, scene, user and sign-in rows.

``vital_signs(now)`` answers in a fixed number of SQL statements however many rows the window holds
(six, plus none for the moderation backlog while there is no review queue), and returns plain
values, so the dashboard renders them and an exporter can publish them without knowing the models.

What each figure is based on:

- generation success rate: jobs that *finished* in the window (succeeded ÷ succeeded + failed);
  cancelled jobs were stopped by people and count for neither side;
- submit → ready: from a succeeded job's row being created (the moment of submission) to its finish;
- segments and scenes per day: rows created that day (UTC), whatever became of them;
- sign-ups: accounts created that day;
- active writers: distinct people who started a segment that day (or in the seven days up to it);
- active viewers: distinct people who signed in that day (or in the seven days up to it). Reading
  needs no account and a session stays open for weeks, so this counts signed-in visits, not views;
- continuations per scene: segments after a scene's first, over all scenes; forks per scene:
  forks over scenes that are not forks;
- feedback waiting: messages still new (not yet triaged), and the oldest of them.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Feedback, FeedbackStatus, GenerationJob, JobStatus, Scene, Segment, SignIn, User

#: the roadmap's targets, beside each figure on the dashboard
TARGETS = {
    "success_rate": 0.80,  # more than 80 % of generations succeed
    "ready_seconds": 180.0,  # submit → ready under 3 minutes (average and p95)
    "backlog_share": 0.05,  # less than 5 % of new segments wait for review
}
WINDOW_DAYS = 30
ACTIVE_WEEK_DAYS = 7


@dataclass(frozen=True)
class Daily:
    """One number per day, oldest first, ending on the day of ``now``."""

    days: tuple[date, ...]
    values: tuple[float, ...]

    @property
    def today(self) -> float:
        return self.values[-1] if self.values else 0

    @property
    def total(self) -> float:
        return sum(self.values)


@dataclass(frozen=True)
class ProviderOutcome:
    provider: str
    succeeded: int
    failed: int

    @property
    def rate(self) -> float | None:
        finished = self.succeeded + self.failed
        return self.succeeded / finished if finished else None


@dataclass(frozen=True)
class Generation:
    succeeded: int
    failed: int
    #: per provider, most used first
    by_provider: tuple[ProviderOutcome, ...]
    #: failures per error code ("unknown" when the row has none), most frequent first
    by_error_code: tuple[tuple[str, int], ...]
    #: the share of each day's finished jobs that succeeded (None on a day with none)
    daily_success: Daily
    ready_average: float | None
    ready_p95: float | None
    #: each day's average submit → ready seconds (None on a day with none)
    daily_ready: Daily

    @property
    def success_rate(self) -> float | None:
        finished = self.succeeded + self.failed
        return self.succeeded / finished if finished else None


@dataclass(frozen=True)
class Backlog:
    """Items waiting for a moderator: how many, since when, and as a share of the last week's new segments."""

    waiting: int = 0
    oldest: datetime | None = None
    share: float = 0.0


@dataclass(frozen=True)
class VitalSigns:
    now: datetime
    generation: Generation
    segments: Daily
    scenes: Daily
    sign_ups: Daily
    writers: Daily
    viewers: Daily
    weekly_writers: int
    weekly_viewers: int
    continuations_per_scene: float
    forks_per_scene: float
    moderation: Backlog
    feedback_waiting: int
    feedback_oldest: datetime | None
    targets: dict[str, float] = field(default_factory=lambda: dict(TARGETS))


def moderation_backlog(now: datetime, new_segments_last_week: int) -> Backlog:
    """The review queue's size. There is no review queue yet, so nothing waits: replace the body with a
    count of pending items (and the oldest one's time) when moderation keeps one."""
    del now, new_segments_last_week
    return Backlog()


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile: the smallest value with at least ``share`` of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


class _Days:
    """The window's days (UTC) and the moment it starts."""

    def __init__(self, now: datetime, count: int):
        today = now.astimezone(UTC).date()
        self.days = tuple(today - timedelta(days=count - 1 - i) for i in range(count))
        self.start = datetime.combine(self.days[0], time.min, tzinfo=UTC)
        self.end = now

    def count(self, moments) -> Daily:
        per_day = Counter(_utc(m).date() for m in moments)
        return Daily(self.days, tuple(per_day.get(d, 0) for d in self.days))

    def distinct(self, pairs) -> tuple[Daily, dict[date, set]]:
        people: dict[date, set] = defaultdict(set)
        for moment, who in pairs:
            people[_utc(moment).date()].add(who)
        return Daily(self.days, tuple(len(people.get(d, ())) for d in self.days)), people

    def week_of(self, people: dict[date, set]) -> int:
        week = self.days[-ACTIVE_WEEK_DAYS:]
        return len(set().union(*(people.get(d, set()) for d in week)))


def _generation(days: _Days) -> Generation:
    rows = db.session.execute(
        select(GenerationJob.status, GenerationJob.provider, GenerationJob.error_code,
               GenerationJob.created_at, GenerationJob.finished_at)
        .where(GenerationJob.finished_at >= days.start, GenerationJob.finished_at <= days.end,
               GenerationJob.status.in_((JobStatus.SUCCEEDED.value, JobStatus.FAILED.value)))
    ).all()
    outcomes: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    codes: Counter[str] = Counter()
    finished_by_day: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    ready_by_day: dict[date, list[float]] = defaultdict(list)
    ready: list[float] = []
    for status, provider, code, created, finished in rows:
        day = _utc(finished).date()
        won = status == JobStatus.SUCCEEDED
        outcomes[provider][0 if won else 1] += 1
        finished_by_day[day][0 if won else 1] += 1
        if won:
            seconds = (_utc(finished) - _utc(created)).total_seconds()
            ready.append(seconds)
            ready_by_day[day].append(seconds)
        else:
            codes[code or "unknown"] += 1
    by_provider = tuple(sorted((ProviderOutcome(p, s, f) for p, (s, f) in outcomes.items()),
                               key=lambda o: (-(o.succeeded + o.failed), o.provider)))
    daily_success = Daily(days.days, tuple(
        (finished_by_day[d][0] / sum(finished_by_day[d])) if d in finished_by_day else None for d in days.days))
    daily_ready = Daily(days.days, tuple(
        (sum(ready_by_day[d]) / len(ready_by_day[d])) if d in ready_by_day else None for d in days.days))
    return Generation(
        succeeded=sum(s for s, _ in outcomes.values()), failed=sum(f for _, f in outcomes.values()),
        by_provider=by_provider, by_error_code=tuple(sorted(codes.items(), key=lambda item: (-item[1], item[0]))),
        daily_success=daily_success, ready_average=(sum(ready) / len(ready)) if ready else None,
        ready_p95=_percentile(ready, 0.95), daily_ready=daily_ready)


def vital_signs(now: datetime, days: int = WINDOW_DAYS) -> VitalSigns:
    """The vital signs for the ``days`` days (UTC) ending with ``now``'s day, counting nothing after ``now``."""
    now = _utc(now)
    window = _Days(now, days)
    in_window = lambda column: (column >= window.start, column <= now)  # noqa: E731
    generation = _generation(window)
    segment_rows = db.session.execute(select(Segment.created_at, Segment.author_id).where(*in_window(Segment.created_at))).all()
    scene_times = db.session.scalars(select(Scene.created_at).where(*in_window(Scene.created_at))).all()
    sign_up_times = db.session.scalars(select(User.created_at).where(*in_window(User.created_at))).all()
    sign_in_rows = db.session.execute(select(SignIn.at, SignIn.user_id).where(*in_window(SignIn.at))).all()
    totals = db.session.execute(select(
        select(func.count(Scene.id)).scalar_subquery(),
        select(func.count(Scene.id)).where(Scene.forked_from_segment_id.is_not(None)).scalar_subquery(),
        select(func.count(Segment.id)).where(Segment.position > 1).scalar_subquery(),
        select(func.count(Feedback.id)).where(Feedback.status == FeedbackStatus.NEW.value).scalar_subquery(),
        select(func.min(Feedback.created_at)).where(Feedback.status == FeedbackStatus.NEW.value).scalar_subquery(),
    )).one()
    scenes_total, forks_total, continuations_total, feedback_waiting, feedback_oldest = totals
    originals = scenes_total - forks_total

    writers, writers_by_day = window.distinct(segment_rows)
    viewers, viewers_by_day = window.distinct(sign_in_rows)
    segments = window.count(m for m, _ in segment_rows)
    last_week = sum(segments.values[-ACTIVE_WEEK_DAYS:])
    return VitalSigns(
        now=now, generation=generation, segments=segments, scenes=window.count(scene_times),
        sign_ups=window.count(sign_up_times), writers=writers, viewers=viewers,
        weekly_writers=window.week_of(writers_by_day), weekly_viewers=window.week_of(viewers_by_day),
        continuations_per_scene=continuations_total / scenes_total if scenes_total else 0.0,
        forks_per_scene=forks_total / originals if originals else 0.0,
        moderation=moderation_backlog(now, last_week),
        feedback_waiting=feedback_waiting or 0, feedback_oldest=_utc(feedback_oldest))
