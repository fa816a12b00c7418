"""Each abuse rule trips at its threshold and puts the account or segment in the queue."""
import shutil
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.generation.submit import GenerationRefused, check_generation_allowed
from app.models import GenerationJob, ModerationCase, Segment, User
from app.models.base import utcnow
from app.moderation import decisions
from app.moderation.abuse import RULES
from app.moderation.cases import open_case
from app.story.prompts import PromptError
from tests.factories import bare_scene, grow, make_scene, make_user
from tests.moderation.helpers import person, report


def _abuse_cases():
    return list(db.session.scalars(select(ModerationCase).where(ModerationCase.source.in_(["abuse"]))))


def test_every_rule_is_registered():
    """The registry names the four rules the queue can receive."""
    assert set(RULES) == {"refusal_burst", "report_burst", "new_account_at_limit", "removed_lookalike"}


def test_many_prompt_refusals_flag_the_account(app, user):
    """ABUSE_REFUSALS refused prompts within the window put the account in the queue, once."""
    app.config["ABUSE_REFUSALS"] = 3
    for attempt in range(4):
        with pytest.raises(PromptError):
            make_scene(user, prompt=f"Then they behead the captain, take {attempt}.")
        if attempt == 1:
            assert _abuse_cases() == []
    (case,) = _abuse_cases()
    assert (case.target_type, case.target_ref) == ("user", "mara") and "3 prompts refused" in case.summary


def test_a_burst_of_reports_on_one_writer_flags_them(app, client, auth, user):
    """Reports from ABUSE_REPORTS different people on one writer's content flag the writer."""
    app.config["ABUSE_REPORTS"] = 3
    segments = grow(bare_scene(user), 3)
    refs = [s.public_id for s in segments]
    for index, name in enumerate(("ann", "ben", "cat")):
        make_user(name)
        auth.login(name)
        report(client, "segment", refs[index], reasons=("harassment",))
        auth.logout()
        if index == 1:
            assert _abuse_cases() == []
    (case,) = _abuse_cases()
    assert (case.target_type, case.target_ref) == ("user", "mara") and "3 people reported" in case.summary


def test_a_new_account_at_the_hourly_limit_is_flagged_but_an_old_one_is_not(app, user):
    """Reaching GENERATION_HOURLY_LIMIT in the first hour flags the account; a years-old account is only refused."""
    app.config["GENERATION_HOURLY_LIMIT"] = 2
    grow(bare_scene(user), 2)
    with pytest.raises(GenerationRefused):
        check_generation_allowed(person("mara"))
    (case,) = _abuse_cases()
    assert case.target_ref == "mara" and "after signing up" in case.summary
    veteran = make_user("vera")
    veteran.created_at = utcnow() - timedelta(days=400)
    db.session.commit()
    grow(bare_scene(veteran, title="Old Sea"), 2)
    with pytest.raises(GenerationRefused):
        check_generation_allowed(db.session.get(User, veteran.id))
    assert [c.target_ref for c in _abuse_cases()] == ["mara"]


@pytest.fixture
def renders_clean_clip(monkeypatch, tmp_path):
    """Every render is the same clean 5 s clip (a re-upload of removed material, as far as frames go)."""
    from app.providers.video.local import LocalVideoProvider
    from tests.moderation.figures import clean_frame, clip_of

    clip = clip_of([clean_frame()] * 5, tmp_path / "clean.mp4")

    def fetch(self, result, dest, on_progress=None):
        shutil.copyfile(clip, dest)
        return dest

    monkeypatch.setattr(LocalVideoProvider, "fetch", fetch)


def test_a_segment_that_looks_like_a_removed_one_is_held(app, user, worker, renders_clean_clip):
    """A new segment whose frames hash within ABUSE_PHASH_DISTANCE of a removed segment's is held and queued."""
    first_job = make_scene(user, title="First").job.id
    worker()
    removed_ref = db.session.get(GenerationJob, first_job).segment.public_id
    case = open_case("segment", removed_ref, source="report", severity=60, summary="Reported")
    db.session.commit()
    decisions.decide(case, make_user("morgan", role="moderator"), "remove", "Pirated opening")
    second_job = make_scene(person("mara"), title="Second").job.id
    worker()
    db.session.expire_all()
    segment = db.session.get(GenerationJob, second_job).segment
    assert segment.moderation_state == "held" and segment.moderation["verdict"] == "clear"
    (flag,) = _abuse_cases()
    assert flag.target_ref == segment.public_id and removed_ref in flag.summary
    assert db.session.scalar(select(Segment).where(Segment.public_id == removed_ref)).moderation_state == "removed"
