"""The roadmap's success measures over the last days, from the job, segment, scene, user and sign-in rows.

``vital_signs(now)`` answers in four SQL statements however many rows the window holds (the days are
counted by the database; only the submit → ready times of the window's jobs come back, for the p95;
none for the moderation backlog while there is no review queue), and returns plain
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

from sqlalchemy import func, literal, select, union_all

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
    """The moderation queue: open cases, the oldest one's opening time, and their share of the last week's
    new segments (the roadmap's target is under 5 %)."""
    from app.moderation.cases import backlog

    del now
    waiting, oldest = backlog()
    share = waiting / max(new_segments_last_week, 1)
    return Backlog(waiting=waiting, oldest=_utc(oldest), share=share)


def writers_since(since: datetime) -> int:
    """Distinct people who started a segment since ``since``: the dashboard's notion of an active writer."""
    return db.session.scalar(select(func.count(func.distinct(Segment.author_id))).where(Segment.created_at >= since)) or 0


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class _Days:
    """The window's days (UTC) and the moment it starts."""

    def __init__(self, now: datetime, count: int):
        today = now.astimezone(UTC).date()
        self.days = tuple(today - timedelta(days=count - 1 - i) for i in range(count))
        self.start = datetime.combine(self.days[0], time.min, tzinfo=UTC)
        self.week_start = datetime.combine(self.days[-ACTIVE_WEEK_DAYS], time.min, tzinfo=UTC)
        self.end = now

    def series(self, per_day: dict[date, float], empty=0) -> Daily:
        return Daily(self.days, tuple(per_day.get(d, empty) for d in self.days))


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _day(column):
    """The UTC calendar day of a timestamp column, in SQL (text on SQLite, a date on PostgreSQL)."""
    return func.date(func.timezone("UTC", column)) if _postgresql() else func.date(column)


def _seconds(start, end):
    """Seconds from ``start`` to ``end`` (timestamp columns), in SQL."""
    if _postgresql():
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _generation(days: _Days) -> Generation:
    finished = (GenerationJob.finished_at >= days.start, GenerationJob.finished_at <= days.end)
    day = _day(GenerationJob.finished_at)
    took = _seconds(GenerationJob.created_at, GenerationJob.finished_at)
    groups = db.session.execute(
        select(day, GenerationJob.status, GenerationJob.provider, GenerationJob.error_code, func.count(),
               func.sum(took))
        .where(*finished, GenerationJob.status.in_((JobStatus.SUCCEEDED.value, JobStatus.FAILED.value)))
        .group_by(day, GenerationJob.status, GenerationJob.provider, GenerationJob.error_code)
    ).all()
    outcomes: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    codes: Counter[str] = Counter()
    finished_by_day: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    ready_by_day: dict[date, list[float]] = defaultdict(lambda: [0.0, 0])
    for day_value, status, provider, code, count, seconds in groups:
        when = _as_date(day_value)
        won = status == JobStatus.SUCCEEDED
        outcomes[provider][0 if won else 1] += count
        finished_by_day[when][0 if won else 1] += count
        if won:
            ready_by_day[when][0] += float(seconds or 0)
            ready_by_day[when][1] += count
        else:
            codes[code or "unknown"] += count
    by_provider = tuple(sorted((ProviderOutcome(p, s, f) for p, (s, f) in outcomes.items()),
                               key=lambda o: (-(o.succeeded + o.failed), o.provider)))
    succeeded = sum(s for s, _ in outcomes.values())
    ready_total = sum(total for total, _ in ready_by_day.values())
    p95 = None
    if succeeded:  # the nearest rank: the smallest time with at least 95 % of the times at or below it
        rank = math.ceil(0.95 * succeeded)
        p95 = float(db.session.scalar(select(took).where(*finished, GenerationJob.status == JobStatus.SUCCEEDED.value)
                                      .order_by(took).offset(rank - 1).limit(1)))
    return Generation(
        succeeded=succeeded, failed=sum(f for _, f in outcomes.values()),
        by_provider=by_provider, by_error_code=tuple(sorted(codes.items(), key=lambda item: (-item[1], item[0]))),
        daily_success=days.series({d: won / (won + lost) for d, (won, lost) in finished_by_day.items()}, None),
        ready_average=ready_total / succeeded if succeeded else None, ready_p95=p95,
        daily_ready=days.series({d: total / n for d, (total, n) in ready_by_day.items() if n}, None))


def _daily_counts(window: _Days) -> dict[str, tuple[dict[date, int], dict[date, int]]]:
    """Per series, the rows and the distinct people of each day, from one statement."""
    def per_day(name: str, column, who):
        day = _day(column)
        return (select(literal(name).label("series"), day.label("day"), func.count().label("rows"),
                       func.count(func.distinct(who)).label("people"))
                .where(column >= window.start, column <= window.end).group_by(day))

    union = union_all(per_day("segments", Segment.created_at, Segment.author_id),
                      per_day("scenes", Scene.created_at, Scene.owner_id),
                      per_day("sign_ups", User.created_at, User.id),
                      per_day("sign_ins", SignIn.at, SignIn.user_id))
    found: dict[str, tuple[dict[date, int], dict[date, int]]] = {}
    for series, day, rows, people in db.session.execute(union):
        counted = found.setdefault(series, ({}, {}))
        counted[0][_as_date(day)] = rows
        counted[1][_as_date(day)] = people
    return found


def vital_signs(now: datetime, days: int = WINDOW_DAYS) -> VitalSigns:
    """The vital signs for the ``days`` days (UTC) ending with ``now``'s day, counting nothing after ``now``."""
    now = _utc(now)
    window = _Days(now, days)
    generation = _generation(window)
    daily = _daily_counts(window)
    new_feedback = Feedback.status == FeedbackStatus.NEW.value
    this_week = lambda column: (column >= window.week_start, column <= now)  # noqa: E731
    totals = db.session.execute(select(
        select(func.count(Scene.id)).scalar_subquery(),
        select(func.count(Scene.forked_from_segment_id)).scalar_subquery(),
        # every segment but a story's first continues something (position > 1, as a cheap indexed count)
        select(func.count(Segment.parent_id)).scalar_subquery(),
        select(func.count(func.distinct(Segment.author_id))).where(*this_week(Segment.created_at)).scalar_subquery(),
        select(func.count(func.distinct(SignIn.user_id))).where(*this_week(SignIn.at)).scalar_subquery(),
        select(func.count(Feedback.id)).where(new_feedback).scalar_subquery(),
        select(func.min(Feedback.created_at)).where(new_feedback).scalar_subquery(),
    )).one()
    scenes_total, forks_total, continuations_total, weekly_writers, weekly_viewers, feedback_waiting, \
        feedback_oldest = totals
    originals = scenes_total - forks_total
    empty: tuple[dict, dict] = ({}, {})
    segments = window.series(daily.get("segments", empty)[0])
    return VitalSigns(
        now=now, generation=generation, segments=segments, scenes=window.series(daily.get("scenes", empty)[0]),
        sign_ups=window.series(daily.get("sign_ups", empty)[0]),
        writers=window.series(daily.get("segments", empty)[1]), viewers=window.series(daily.get("sign_ins", empty)[1]),
        weekly_writers=weekly_writers or 0, weekly_viewers=weekly_viewers or 0,
        continuations_per_scene=continuations_total / scenes_total if scenes_total else 0.0,
        forks_per_scene=forks_total / originals if originals else 0.0,
        moderation=moderation_backlog(now, sum(segments.values[-ACTIVE_WEEK_DAYS:])),
        feedback_waiting=feedback_waiting or 0, feedback_oldest=_utc(feedback_oldest))
