"""The copyright path: notice, removal with a strike, counter-notice, restore, each in the audit log."""
from sqlalchemy import select

from app.audit import history
from app.extensions import db
from app.models import CopyrightClaim, ModerationCase, Segment, Strike
from app.moderation import decisions
from tests.conftest import csrf_token_from
from tests.factories import build_scene
from tests.moderation.helpers import person

NOTICE = {"work": "My short film 'Harbour Lights' (2024)", "name": "Ada Claimant", "address": "2 Quay Road, Port Town",
          "phone": "+1 555 0100", "email": "ada@example.org", "good_faith": "y", "accurate": "y", "signature": "Ada Claimant"}
COUNTER = {"name": "Mara Writer", "address": "3 Pier Lane", "phone": "+1 555 0101", "email": "mara@example.com",
           "mistake": "y", "consent": "y", "signature": "Mara Writer"}


def _post(client, kind, fields):
    token = csrf_token_from(client.get("/legal/copyright").get_data(as_text=True))
    data = {"csrf_token": token, "kind": kind, **{f"{kind}-{k}": v for k, v in fields.items()}}
    return client.post("/legal/copyright", data=data)


def test_notice_removal_counter_notice_restore(app, client, auth, user, moderator, worker, outbox):
    """Each step works from the real forms and leaves its audit entry; the claimant hears of the counter-notice."""
    scene_id = build_scene(user, worker, prompts=["Mara waits on the pier."])
    segment = db.session.scalar(select(Segment).where(Segment.scene_id == scene_id))
    ref = segment.public_id
    url = f"http://localhost/scenes/{segment.scene.public_id}#segment-{ref}"

    incomplete = _post(client, "notice", {**NOTICE, "material_url": url, "accurate": ""})
    assert incomplete.status_code == 422 and "accuracy under penalty of perjury" in incomplete.get_data(as_text=True)
    assert _post(client, "notice", {**NOTICE, "material_url": url}).status_code == 303
    case = db.session.scalar(select(ModerationCase).where(ModerationCase.status == "open"))
    assert (case.target_ref, case.source, case.severity) == (ref, "copyright", 75)

    decisions.decide(case, person("morgan"), "remove", "Copyright notice 1: repeat-infringer policy", strike=True)
    assert db.session.get(Segment, segment.id).moderation_state == "removed"
    assert db.session.scalar(select(Strike)).user_id == person("mara").id

    auth.login()
    assert _post(client, "counter", {**COUNTER, "material_url": url}).status_code == 303
    counter = db.session.scalar(select(CopyrightClaim).where(CopyrightClaim.kind == "counter"))
    assert counter.notice_id is not None
    assert any(to == "ada@example.org" and "counter-notice" in subject for to, subject, _ in outbox())
    case = db.session.scalar(select(ModerationCase).where(ModerationCase.status == "open"))
    assert "Counter-notice" in case.summary

    decisions.decide(case, person("morgan"), "restore", "No suit filed within 10 business days")
    db.session.expire_all()
    assert db.session.get(Segment, segment.id).moderation_state == "clear"
    trail = [e.action for e in reversed(history("segment", ref))]
    assert trail == ["copyright.notice", "segment.remove", "copyright.counter", "segment.restore"]
    assert {e.action for e in history(limit=20)} >= {"user.strike", "strike.lift"}


def test_counter_notice_only_from_the_writer(app, client, auth, user, moderator, reader, worker):
    """Someone else can't answer a notice for a segment that isn't theirs."""
    scene_id = build_scene(user, worker, prompts=["Mara waits on the pier."])
    segment = db.session.scalar(select(Segment).where(Segment.scene_id == scene_id))
    url = f"/segments/{segment.public_id}/playlist.m3u8"
    _post(client, "notice", {**NOTICE, "material_url": url})
    auth.login("rowan")
    response = _post(client, "counter", {**COUNTER, "material_url": url})
    assert response.status_code == 422 and "Only the writer" in response.get_data(as_text=True)
