"""Feedback moves through every status with an assignee, labels and a note thread; the inbox filters by each."""
from __future__ import annotations

from app import audit
from app.extensions import db
from app.models import Feedback, FeedbackStatus, Role
from tests.conftest import csrf_token_from
from tests.factories import make_user


def _triage(client, item_id: int, **data):
    token = csrf_token_from(client.get(f"/admin/feedback/{item_id}").get_data(as_text=True))
    return client.post(f"/admin/feedback/{item_id}", data={"csrf_token": token, "labels": "", "assignee": "", **data})


def test_feedback_moves_through_every_status(admin_client, admin):
    moderator = make_user("nell", role=Role.MODERATOR)
    item = Feedback(message="Video stutters on my phone.", page_url="/scenes/abc")
    other = Feedback(message="Please add dark mode.")
    db.session.add_all([item, other])
    db.session.commit()
    item_id = item.id
    page = admin_client.get(f"/admin/feedback/{item_id}").get_data(as_text=True)
    assert 'href="/scenes/abc"' in page  # the page it came from

    steps = ["triaged", "in_progress", "done", "wont_do", "new"]
    for number, status in enumerate(steps):
        response = _triage(admin_client, item_id, status=status, assignee=str(moderator.id), labels="mobile player",
                           note=f"step {number}: {status}")
        assert response.status_code == 302
        db.session.expire_all()
        assert db.session.get(Feedback, item_id).status == status
    item = db.session.get(Feedback, item_id)
    assert item.assignee.username == "nell" and item.label_list == ["mobile", "player"]
    assert [n.body for n in item.notes] == [f"step {i}: {s}" for i, s in enumerate(steps)]
    assert len(audit.history("feedback", item_id)) == len(steps)
    assert {s.value for s in FeedbackStatus} == set(steps)

    page = admin_client.get(f"/admin/feedback/{item_id}").get_data(as_text=True)
    assert "step 4: new" in page and "nell" in page
    listing = admin_client.get("/admin/feedback?assignee=nell&label=mobile&status=new").get_data(as_text=True)
    assert "Video stutters" in listing and "dark mode" not in listing
    assert "Video stutters" not in admin_client.get("/admin/feedback?assignee=none").get_data(as_text=True)
    assert "Video stutters" not in admin_client.get("/admin/feedback?status=done").get_data(as_text=True)


def test_assignee_must_be_on_the_team_and_labels_are_words(admin_client):
    writer = make_user("mara")
    item = Feedback(message="Hello")
    db.session.add(item)
    db.session.commit()
    response = _triage(admin_client, item.id, status="triaged", assignee=str(writer.id))
    assert "moderator or an admin" in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    response = _triage(admin_client, item.id, status="triaged", labels="<b>")
    assert "be a label" in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Feedback, item.id).status == "new"
