"""Content from the console: search, feature (leads the home page), hide, change topic, failed segments, jobs."""
from __future__ import annotations

from app import audit
from app.extensions import db
from app.models import GenerationJob, Scene, Segment, User
from tests.conftest import csrf_token_from
from tests.factories import bare_scene, grow, make_topic, make_user


def _post(client, path: str, **data):
    token = csrf_token_from(client.get("/admin/content").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def _scenes(app):
    mara, olga = make_user("mara"), make_user("olga")
    long = bare_scene(mara, title="The Long Voyage")
    grow(long, 6, prompt="The ship sails on.")
    short = bare_scene(olga, title="Quiet Harbour")
    grow(short, 2, prompt="A lighthouse blinks twice.")
    return long, short


def test_search_by_title_prompt_writer_and_state(admin_client, app):
    _scenes(app)
    page = admin_client.get("/admin/content?text=lighthouse").get_data(as_text=True)
    assert "Quiet Harbour" in page and "The Long Voyage" not in page
    page = admin_client.get("/admin/content?writer=mara").get_data(as_text=True)
    assert "The Long Voyage" in page and "Quiet Harbour" not in page
    page = admin_client.get("/admin/content?kind=segments&text=blinks&state=ready").get_data(as_text=True)
    assert page.count("A lighthouse blinks twice.") == 2


def test_featured_scene_leads_the_home_page_and_hidden_ones_leave_it(admin_client, client, app):
    long, short = _scenes(app)
    home = client.get("/").get_data(as_text=True)
    assert home.index("The Long Voyage") < home.index("Quiet Harbour")
    _post(admin_client, f"/admin/content/scenes/{short.public_id}/feature", reason="Staff pick")
    home = client.get("/").get_data(as_text=True)
    assert home.index("Quiet Harbour") < home.index("The Long Voyage")
    _post(admin_client, f"/admin/content/scenes/{long.public_id}/hide", reason="Spoils a film")
    assert "The Long Voyage" not in client.get("/").get_data(as_text=True)
    assert [e.action for e in audit.history("scene", long.public_id)] == ["scene.hide"]


def test_change_topic(admin_client, app):
    long, _ = _scenes(app)
    make_topic("deep-sea", "Deep Sea")
    _post(admin_client, f"/admin/content/scenes/{long.public_id}/topic", topic="deep-sea", reason="Mostly underwater")
    db.session.expire_all()
    assert db.session.get(Scene, long.id).topic.slug == "deep-sea"


def test_the_page_says_how_many_forks_a_scene_feeds(admin_client, app):
    long, _ = _scenes(app)
    olga = db.session.scalar(db.select(User.id).where(User.username == "olga"))
    head = db.session.get(Segment, long.head_segment_id)
    for i in range(2):
        db.session.add(Scene(title=f"Fork {i}", topic_id=long.topic_id, owner_id=olga, head_segment_id=head.id,
                             forked_from_segment_id=head.id, segment_count=head.position))
    db.session.commit()
    page = admin_client.get(f"/admin/content/scenes/{long.public_id}").get_data(as_text=True)
    assert "This scene is played by 2 forks" in page


def test_failed_segment_discarded_and_job_shown(admin_client, app):
    mara = make_user("mara")
    scene = bare_scene(mara, title="Broken")
    first = grow(scene, 1)[0]
    failed = Segment(scene=scene, parent=first, position=2, author=mara, prompt="A storm rises.", provider="runway",
                     seed=2, width=640, height=360, fps=24, status="failed")
    db.session.add(failed)
    db.session.flush()
    job = GenerationJob(segment=failed, user_id=mara.id, provider="runway", status="failed", stage="render",
                        provider_task_id="task-42", error_code="SAFETY.INPUT.TEXT", error_message="Refused by the provider")
    db.session.add(job)
    db.session.commit()
    page = admin_client.get(f"/admin/jobs/{job.public_id}").get_data(as_text=True)
    assert "task-42" in page and "SAFETY.INPUT.TEXT" in page and "Refused by the provider" in page
    segment_ref = failed.public_id
    _post(admin_client, f"/admin/content/segments/{segment_ref}/discard", reason="Provider refuses it every time")
    db.session.expire_all()
    assert db.session.scalar(db.select(Segment).where(Segment.public_id == segment_ref)) is None
    assert audit.history("segment", segment_ref)[0].action == "segment.discard"


def test_others_get_404(client, user, auth):
    auth.login()
    assert client.get("/admin/content").status_code == 404
