"""Reports reach the queue; moderators decide with a reason, in the audit log; reporters hear the outcome."""
from sqlalchemy import select

from app.audit import history
from app.extensions import db
from app.models import ModerationCase, Report, Segment
from tests.factories import bare_scene, grow
from tests.moderation.helpers import decide, report


def _segments(user, count=2):
    scene = bare_scene(user)
    return scene, grow(scene, count)


def test_report_opens_one_case_and_one_open_report_per_person(app, client, auth, user, reader):
    """A report puts the segment in the queue; the same person can't report it again while it is open."""
    _, (first, _) = _segments(user)
    ref = first.public_id
    auth.login("rowan")
    response = report(client, "segment", ref, reasons=("sexual", "hate"), details="at 2 seconds")
    assert response.status_code == 303
    case = db.session.scalar(select(ModerationCase))
    assert (case.target_type, case.target_ref, case.source, case.status) == ("segment", ref, "report", "open")
    assert case.writer.username == "mara" and case.severity >= 60
    again = report(client, "segment", ref, reasons=("spam",))
    assert again.status_code == 422 and "already reported" in again.get_data(as_text=True)
    assert db.session.query(Report).count() == 1


def test_every_kind_of_item_can_be_reported(app, client, auth, user, reader):
    """Segments, scenes, profiles and Scene Bible entries each take a report; unknown ones answer 404."""
    scene, (segment, _) = _segments(user)
    auth.login("rowan")
    for kind, ref in (("segment", segment.public_id), ("scene", scene.public_id), ("profile", "mara"),
                      ("bible", f"{scene.public_id}:C1")):
        assert report(client, kind, ref, reasons=("other",)).status_code == 303, kind
    assert client.get("/report/profile/nobody").status_code == 404
    assert client.get("/report/segment/AAAAAAAAAAAA").status_code == 404
    assert db.session.query(ModerationCase).count() == 4


def test_reports_are_rate_limited(app, client, auth, user, reader):
    """Past REPORT_LIMIT a report is refused with a message (429)."""
    app.config["REPORT_LIMIT"] = "2/hour"
    _, segments = _segments(user, 3)
    auth.login("rowan")
    assert [report(client, "segment", s.public_id).status_code for s in segments] == [303, 303, 429]


def test_queue_is_for_moderators_and_shows_backlog(app, client, auth, user, reader, moderator):
    """Readers get 404; moderators see the backlog, the oldest item's age and the items, most severe first."""
    _, (low, high) = _segments(user)
    auth.login("rowan")
    report(client, "segment", low.public_id, reasons=("spam",))
    report(client, "segment", high.public_id, reasons=("self_harm",))
    assert client.get("/admin/moderation").status_code == 404
    auth.logout()
    auth.login("morgan")
    page = client.get("/admin/moderation").get_data(as_text=True)
    assert "<strong>2</strong> open items" in page and "oldest waiting" in page
    assert page.index(high.public_id) < page.index(low.public_id)
    assert "Self-harm" in page and "Writer <strong>mara</strong>" in page


def test_dismiss_needs_a_reason_and_tells_the_reporter(app, client, auth, user, reader, moderator, outbox):
    """A decision without a reason is refused; with one it closes the case, logs it and mails the reporter."""
    _, (segment, _) = _segments(user)
    auth.login("rowan")
    report(client, "segment", segment.public_id)
    auth.logout()
    auth.login("morgan")
    case_id = db.session.scalar(select(ModerationCase.id))
    decide(client, [case_id], "dismiss", "")
    db.session.expire_all()
    assert db.session.get(ModerationCase, case_id).status == "open"
    decide(client, [case_id], "dismiss", "A ship's figurehead, not nudity.")
    db.session.expire_all()
    case = db.session.get(ModerationCase, case_id)
    assert (case.status, case.decision, case.decided_by.username) == ("closed", "dismiss", "morgan")
    report_row = db.session.scalar(select(Report))
    assert report_row.status == "closed" and "does not break" in report_row.outcome
    entry = history("segment", segment.public_id)[0]
    assert (entry.action, entry.actor.username, entry.reason) == ("segment.dismiss", "morgan", "A ship's figurehead, not nudity.")
    assert entry.before["case_status"] == "open" and entry.after["case_status"] == "closed"
    assert any(to == "rowan@example.com" and "does not break" in body for to, _, body in outbox())


def test_bulk_hide_takes_segments_out_of_view_reversibly(app, client, auth, user, reader, moderator):
    """One decision hides several segments; others stop seeing them, a dismissal of a later case shows them again."""
    scene, segments = _segments(user)
    auth.login("rowan")
    for s in segments:
        report(client, "segment", s.public_id)
    auth.logout()
    auth.login("morgan")
    ids = list(db.session.scalars(select(ModerationCase.id)))
    assert decide(client, ids, "hide", "Spam run").status_code == 303
    db.session.expire_all()
    assert [db.session.get(Segment, s.id).moderation_state for s in segments] == ["hidden", "hidden"]
    auth.logout()
    auth.login("rowan")
    page = client.get(f"/scenes/{scene.public_id}").get_data(as_text=True)
    assert "Not shown: taken out of view by moderators." in page and "Waves roll in." not in page
    from app.moderation import decisions
    from app.moderation.cases import open_case

    case = open_case("segment", segments[0].public_id, source="appeal", severity=50, summary="Appeal")
    db.session.commit()
    decisions.decide(case, db.session.get(type(moderator), moderator.id), "restore", "Not spam after all")
    assert db.session.get(Segment, segments[0].id).moderation_state == "clear"


def test_hide_and_remove_refuse_non_segment_items(app, client, auth, user, reader, moderator):
    """Hiding a scene case is refused with a message; nothing changes."""
    scene, _ = _segments(user)
    auth.login("rowan")
    report(client, "scene", scene.public_id)
    auth.logout()
    auth.login("morgan")
    case_id = db.session.scalar(select(ModerationCase.id))
    response = decide(client, [case_id], "hide", "Bad title")
    assert response.status_code == 303
    assert "acts on a segment" in client.get("/admin/moderation").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ModerationCase, case_id).status == "open"
