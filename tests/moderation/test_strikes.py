"""Strikes suspend generating, then the account; an appeal puts the item back in the queue."""
import pytest
from sqlalchemy import select

from app.audit import history
from app.extensions import db
from app.generation.submit import GenerationRefused, check_generation_allowed
from app.models import ModerationCase, Strike, User
from app.moderation import decisions
from app.moderation.cases import open_case
from tests.conftest import csrf_token_from
from tests.factories import bare_scene, grow
from tests.moderation.helpers import person


def _strike(user, moderator, ref, reason="Nudity"):
    case = open_case("segment", ref, source="report", severity=60, summary="Reported", writer_id=person("mara").id)
    db.session.commit()
    decisions.decide(case, person("morgan"), "strike", reason)
    return case


def test_writer_at_the_strike_limit_cannot_generate_and_sees_why(app, client, auth, user, moderator):
    """Two strikes (STRIKES_SUSPEND_GENERATION) refuse a new scene with the reason and the date it ends."""
    app.config["STRIKES_SUSPEND_GENERATION"] = 2
    segments = grow(bare_scene(user), 2)
    _strike(user, moderator, segments[0].public_id)
    check_generation_allowed(db.session.get(User, user.id))  # one strike: still allowed
    _strike(user, moderator, segments[1].public_id)
    with pytest.raises(GenerationRefused, match="can't generate segments until .* 2 active strikes"):
        check_generation_allowed(db.session.get(User, user.id))
    auth.login()
    page = client.get("/scenes/new").get_data(as_text=True)
    response = client.post("/scenes/new", data={"csrf_token": csrf_token_from(page), "title": "Again",
                                                "topic": "space-opera", "prompt": "Mara sails.", "visibility": "public"})
    assert response.status_code == 429 and "active strikes" in response.get_data(as_text=True)
    assert "You can't generate segments until" in client.get("/moderation/strikes").get_data(as_text=True)


def test_account_suspension_shows_why_at_sign_in(app, client, auth, user, moderator):
    """At STRIKES_SUSPEND_ACCOUNT strikes signing in is refused with the reason and until when."""
    app.config.update(STRIKES_SUSPEND_GENERATION=1, STRIKES_SUSPEND_ACCOUNT=2)
    segments = grow(bare_scene(user), 2)
    for s in segments:
        _strike(user, moderator, s.public_id)
    response = auth.login()
    assert response.status_code == 401
    assert "suspended until" in response.get_data(as_text=True)


def test_appeal_reopens_the_item_and_an_upheld_appeal_lifts_the_strike(app, client, auth, user, moderator):
    """The writer's appeal opens a case on the same item with their words; restoring lifts the strike."""
    segment = grow(bare_scene(user), 1)[0]
    ref = segment.public_id
    _strike(user, moderator, ref)
    strike = db.session.scalar(select(Strike))
    auth.login()
    page = client.get("/moderation/strikes").get_data(as_text=True)
    response = client.post(f"/moderation/strikes/{strike.id}/appeal",
                           data={"csrf_token": csrf_token_from(page), "text": "It is a statue in a museum."})
    assert response.status_code == 303
    case = db.session.scalar(select(ModerationCase).where(ModerationCase.status == "open"))
    assert (case.target_ref, case.source) == (ref, "appeal") and "statue in a museum" in case.summary
    decisions.decide(case, person("morgan"), "restore", "Appeal upheld")
    db.session.expire_all()
    assert db.session.get(Strike, strike.id).lifted_at is not None
    assert [e.action for e in history(limit=10)][:3] == ["segment.restore", "strike.lift", "strike.appeal"]
