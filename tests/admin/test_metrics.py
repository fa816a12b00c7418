"""Every dashboard figure equals what the known world was built to give, and the page stays cheap."""
from __future__ import annotations

import pytest

from app.metrics import TARGETS, vital_signs
from app.models import Segment
from tests.admin.conftest import NOW, at


def _by_day(daily) -> dict:
    return {day.day: value for day, value in zip(daily.days, daily.values, strict=True) if value}


def test_generation_success_by_provider_and_error_code(known_world):
    """Only jobs finished in the window count; cancelled ones count for neither side."""
    g = vital_signs(NOW).generation
    assert (g.succeeded, g.failed) == (3, 2)
    assert g.success_rate == pytest.approx(0.6)
    assert [(o.provider, o.succeeded, o.failed) for o in g.by_provider] == [
        ("local", 2, 0), ("runway", 1, 1), ("luma", 0, 1)]
    assert g.by_error_code == (("SAFETY.INPUT.TEXT", 1), ("unknown", 1))
    assert _by_day(g.daily_success) == {14: pytest.approx(0.5), 15: pytest.approx(2 / 3)}


def test_submit_to_ready_average_and_p95(known_world):
    """Succeeded jobs took 60, 120 and 300 s: average 160 s, p95 (nearest rank) 300 s."""
    g = vital_signs(NOW).generation
    assert g.ready_average == pytest.approx(160)
    assert g.ready_p95 == pytest.approx(300)
    assert _by_day(g.daily_ready) == {14: pytest.approx(300), 15: pytest.approx(90)}


def test_segments_scenes_and_sign_ups_per_day(known_world):
    vitals = vital_signs(NOW)
    assert len(vitals.segments.days) == 30 and vitals.segments.days[-1].day == 15
    assert _by_day(vitals.segments) == {14: 2, 15: 4}
    assert _by_day(vitals.scenes) == {14: 1, 15: 2}
    assert _by_day(vitals.sign_ups) == {1: 1, 14: 1, 15: 1}


def test_active_writers_and_viewers(known_world):
    """Writers start segments; viewers sign in. A person counts once a day and once a week."""
    vitals = vital_signs(NOW)
    assert _by_day(vitals.writers) == {14: 2, 15: 2}
    assert vitals.weekly_writers == 3
    assert _by_day(vitals.viewers) == {1: 1, 10: 1, 14: 1, 15: 2}
    assert vitals.weekly_viewers == 3


def test_continuations_forks_backlog_and_feedback(known_world):
    vitals = vital_signs(NOW)
    assert vitals.continuations_per_scene == pytest.approx(5 / 4)
    assert vitals.forks_per_scene == pytest.approx(1 / 3)
    assert (vitals.moderation.waiting, vitals.moderation.oldest) == (0, None)
    assert vitals.feedback_waiting == 2
    assert vitals.feedback_oldest == at(13)
    assert vitals.targets == TARGETS


def test_nothing_after_now_is_counted(known_world):
    """Seen from the morning of the 15th, that day's later work has not happened yet."""
    vitals = vital_signs(at(15, 9, 35))
    assert _by_day(vitals.segments) == {14: 2, 15: 1}
    assert vitals.generation.succeeded == 2  # Harbour's first job and Lanterns' first (done at 9:31)


def test_empty_world_has_no_rates(app):
    g = vital_signs(NOW).generation
    assert (g.success_rate, g.ready_average, g.ready_p95) == (None, None, None)


def test_dashboard_shows_the_figures_in_few_statements(known_world, admin_client, queries, monkeypatch):
    """The page renders the known figures with no more than 8 SQL statements."""
    monkeypatch.setattr("app.admin.routes.utcnow", lambda: NOW)
    with queries:
        response = admin_client.get("/admin/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert queries.count <= 8, queries.statements
    assert "60.0 %" in html and "SAFETY.INPUT.TEXT" in html
    assert "160 s" not in html and "2.7 min" in html  # 160 s reads as minutes
    assert "5.0 min" in html  # p95
    assert html.count('class="sparkline"') >= 7


def test_dashboard_is_hidden_from_everyone_else(client, user, auth):
    assert client.get("/admin/").status_code == 404
    auth.login()
    assert client.get("/admin/").status_code == 404


def test_moderation_backlog_counts_open_cases_against_the_weeks_segments(known_world):
    """Two open cases (one opened on day 12) and a decided one: 2 waiting, the oldest from day 12, 2 of 6."""
    from app.extensions import db
    from app.models.moderation import CaseStatus, ModerationCase

    for ref, day, status in (("a", 12, CaseStatus.OPEN), ("b", 14, CaseStatus.OPEN), ("c", 3, CaseStatus.CLOSED)):
        db.session.add(ModerationCase(target_type="segment", target_ref=ref, source="report", severity=10,
                                      summary="", status=status.value, created_at=at(day)))
    db.session.commit()
    backlog = vital_signs(NOW).moderation
    assert (backlog.waiting, backlog.oldest) == (2, at(12))
    assert backlog.share == pytest.approx(2 / 6)


def test_dashboard_figures_are_kept_a_minute_and_refresh_on_request(known_world, admin_client, app, monkeypatch):
    """With VITAL_SIGNS_CACHE_SECONDS set, a second view reuses the figures (a new failed job is not counted)
    until "Refresh the figures" recomputes them."""
    from app.extensions import cache, db
    from app.metrics.recent import KEY
    from tests.admin.conftest import add_job, add_segment

    app.config["VITAL_SIGNS_CACHE_SECONDS"] = 60
    cache.delete(KEY)
    monkeypatch.setattr("app.admin.routes.utcnow", lambda: NOW)
    assert "60.0 %" in admin_client.get("/admin/").get_data(as_text=True)  # 3 of 5 finished jobs succeeded
    harbour = known_world.scenes["harbour"]
    late = add_segment(harbour, 3, known_world.ben, at(15, 11), db.session.get(Segment, harbour.head_segment_id))
    add_job(late, "luma", "failed", at(15, 11), 30, "timeout")
    db.session.commit()
    kept = admin_client.get("/admin/").get_data(as_text=True)
    assert "60.0 %" in kept and "<code>timeout</code>" not in kept
    fresh = admin_client.get("/admin/?fresh=1").get_data(as_text=True)
    assert "50.0 %" in fresh and "<code>timeout</code>" in fresh  # 3 of 6
    assert 'id="refresh-vitals"' in fresh
    cache.delete(KEY)
