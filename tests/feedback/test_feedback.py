"""The feedback form at /feedback and the admin's inbox at /admin/feedback."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Feedback, Role
from tests.conftest import csrf_token_from
from tests.factories import make_user


def _send(client, **fields):
    token = csrf_token_from(client.get("/feedback").get_data(as_text=True))
    return client.post("/feedback", data={"csrf_token": token, **fields})


def test_footer_links_to_the_form_with_the_current_page(client):
    """Every page's footer links to /feedback, saying which page the visitor was on; the form fills it in."""
    page = client.get("/topics/").get_data(as_text=True)
    assert 'href="/feedback?page=/topics/"' in page
    form = client.get("/feedback?page=/topics/").get_data(as_text=True)
    assert 'value="/topics/"' in form
    assert '<label for="message">Your message</label>' in form and '<label for="email">' in form


def test_anonymous_visitor_sends_feedback_with_an_email(client):
    """An anonymous message is stored with the optional reply address and page, then the visitor goes back."""
    resp = _send(client, message="  The tree page is lovely!  ", email="Reader@Example.com", page_url="/topics/")
    assert resp.status_code == 303 and resp.headers["Location"] == "/topics/"
    (item,) = db.session.scalars(select(Feedback)).all()
    assert (item.message, item.email, item.page_url, item.user_id) == ("The tree page is lovely!", "reader@example.com",
                                                                       "/topics/", None)
    assert "Thank you!" in client.get("/topics/").get_data(as_text=True)


def test_signed_in_user_sends_feedback_as_themselves(client, auth, user):
    """A signed-in sender is recorded by account and isn't asked for an email."""
    auth.login()
    assert '<label for="email">' not in client.get("/feedback").get_data(as_text=True)
    resp = _send(client, message="Forking is confusing at first.", email="ignored@example.com")
    assert resp.status_code == 303 and resp.headers["Location"] == "/"
    (item,) = db.session.scalars(select(Feedback)).all()
    assert item.user_id == user.id and item.email is None and item.page_url is None


@pytest.mark.parametrize(("fields", "error"), [
    ({"message": "   "}, "Write a message"),
    ({"message": "x" * 2001}, "2000 characters or fewer"),
    ({"message": "Keep this text, please.", "email": "not-an-email"}, "valid email address"),
    ({"message": "Keep this text, please.", "page_url": "javascript:alert(1)"}, "page&#39;s address"),
])
def test_invalid_feedback_is_refused_and_keeps_the_text(client, fields, error):
    """Each invalid field answers 422 with a message next to it, the typed text kept, and nothing stored."""
    resp = _send(client, **fields)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and error in page
    assert 'aria-invalid="true"' in page
    if fields["message"].strip() and len(fields["message"]) <= 2000:
        assert "Keep this text, please.</textarea>" in page
    assert db.session.scalars(select(Feedback)).all() == []


def test_feedback_without_csrf_token_is_refused(client):
    """A cross-site post (no CSRF token) stores nothing."""
    assert client.post("/feedback", data={"message": "hello"}).status_code == 400
    assert db.session.scalars(select(Feedback)).all() == []


def test_anonymous_feedback_is_rate_limited_and_the_text_is_kept(app, client):
    """Past FEEDBACK_LIMIT an anonymous sender gets 429 with their text still in the form; errors don't count."""
    app.config["FEEDBACK_LIMIT"] = "2/hour"
    assert _send(client, message="").status_code == 422  # a form sent back with errors costs nothing
    assert _send(client, message="one").status_code == 303
    assert _send(client, message="two").status_code == 303
    resp = _send(client, message="three, typed with care")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 429 and "wasn&#39;t sent" in page
    assert "three, typed with care</textarea>" in page
    assert int(resp.headers["Retry-After"]) > 0
    assert [f.message for f in db.session.scalars(select(Feedback).order_by(Feedback.id))] == ["one", "two"]


def test_signed_in_senders_are_not_held_to_the_anonymous_limit(app, client, auth, user):
    """The per-address limit is for anonymous senders; accounts have their own, larger one."""
    app.config.update(FEEDBACK_LIMIT="1/hour", FEEDBACK_USER_LIMIT="3/hour")
    auth.login()
    assert [_send(client, message=f"note {i}").status_code for i in range(4)] == [303, 303, 303, 429]


def test_admin_reads_feedback_others_get_404(client, auth, user):
    """/admin/feedback lists messages for admins only; anonymous visitors and ordinary users get a 404."""
    _send(client, message="Please add <b>captions</b>.\nThanks!", email="fan@example.com", page_url="/scenes/1")
    assert client.get("/admin/feedback").status_code == 404
    auth.login()
    assert client.get("/admin/feedback").status_code == 404
    auth.logout()
    make_user("boss", role=Role.ADMIN)
    auth.login("boss")
    resp = client.get("/admin/feedback")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Please add &lt;b&gt;captions&lt;/b&gt;.\nThanks!" in page
    assert 'href="mailto:fan@example.com"' in page and 'href="/scenes/1"' in page
