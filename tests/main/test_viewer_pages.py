"""Signed-in pages kept once for every viewer who sees them alike, each viewer's own bits put in (app/pages.py)."""
import pytest
from flask import Flask, g

from app.caching import SHELL_STORE, KeptViewer
from app.extensions import db
from app.models import Scene, Segment, User
from app.pages import marker, viewer_text
from tests.conftest import AuthActions, csrf_token_from
from tests.factories import bare_scene, grow, make_user, scene_url
from tests.main.test_cache_scopes import _fork, _sneak_title


def _browser(app, name: str):
    """Another browser signed in as ``name``: its own session and CSRF token, its sign-in message seen."""
    for kept in ("_login_user", "csrf_token"):  # requests share the test's app context: forget the last viewer's
        g.pop(kept, None)
    client = app.test_client()
    AuthActions(client).login(name)
    client.get("/help")
    return client


def _user(name: str) -> User:
    return db.session.scalar(db.select(User).where(User.username == name))


def _page(client, url: str) -> str:
    g.pop("_login_user", None), g.pop("csrf_token", None)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


@pytest.fixture
def lighthouse(user):
    scene = bare_scene(user, title="Lighthouse")
    path = grow(scene, 3)
    make_user("nico"), make_user("olga")
    return scene.id, path


def test_members_share_one_kept_page_each_with_their_own_name_and_a_token_that_works(app, lighthouse):
    scene_id, path = lighthouse
    url = scene_url(scene_id)
    nico, olga = _browser(app, "nico"), _browser(app, "olga")
    nico_page = _page(nico, url)
    kept = SHELL_STORE.size()
    _sneak_title(scene_id, "Sneaky")  # a change no version sees: shows which page came from the shell
    olga_page = _page(olga, url)
    assert SHELL_STORE.size() == kept and "Sneaky" not in olga_page and "Lighthouse" in olga_page
    assert "Account settings for olga" in olga_page and 'href="/users/olga"' in olga_page
    assert "nico" not in olga_page and olga_page.count("Lighthouse — olga’s fork") == 3
    assert "sv-" not in olga_page and "sf-" not in olga_page  # every marker was filled
    token = csrf_token_from(olga_page)
    assert token != csrf_token_from(nico_page) and olga_page.count(f'value="{token}"') >= 4
    g.pop("_login_user", None)
    forked = olga.post(f"/segments/{path[1].public_id}/fork?scene={db.session.get(Scene, scene_id).public_id}",
                       data={"csrf_token": token, "title": "Olga's way", "prompt": ""})
    assert forked.status_code == 302 and db.session.query(Scene).filter_by(title="Olga's way").count() == 1


def test_a_new_segment_shows_to_members_at_once(app, lighthouse):
    scene_id, _ = lighthouse
    nico = _browser(app, "nico")
    assert "3 segments" in _page(nico, scene_url(scene_id))
    grow(db.session.get(Scene, scene_id), 1)
    assert "4 segments" in _page(nico, scene_url(scene_id))


def test_the_owner_and_a_member_with_a_private_fork_get_pages_of_their_own(app, client, auth, lighthouse):
    """The owner sees the scene's settings; a member whose private fork grows from the scene finds it listed;
    members with nothing in the story share the page that shows neither."""
    scene_id, path = lighthouse
    url = scene_url(scene_id)
    nico = _browser(app, "nico")
    assert "Scene settings" not in _page(nico, url)
    mara = _browser(app, "mara")
    assert "Scene settings" in _page(mara, url)
    olga = _browser(app, "olga")
    page = _page(olga, url)
    secret = Scene(title="Olga's secret way", topic_id=db.session.get(Scene, scene_id).topic_id,
                   owner=_user("olga"), head_segment_id=path[2].id, forked_from_segment_id=path[2].id,
                   segment_count=3, visibility="unlisted")
    db.session.add(secret)
    db.session.commit()
    assert "secret way" not in page
    assert "Olga&#39;s secret way" in _page(olga, url) and "secret way" not in _page(nico, url)


def test_a_fork_made_private_is_its_owners_alone_at_once(app, lighthouse):
    scene_id, path = lighthouse
    scene = db.session.get(Scene, scene_id)
    fork_id = _fork(scene, path[1], "Mara's own way")
    nico = _browser(app, "nico")
    assert "Mara&#39;s own way" in _page(nico, scene_url(scene_id))
    db.session.get(Scene, fork_id).visibility = "private"
    db.session.commit()
    assert "own way" not in _page(nico, scene_url(scene_id))
    assert "Mara&#39;s own way" in _page(_browser(app, "mara"), scene_url(scene_id))


def test_a_failed_segment_shows_its_writer_retry_and_other_members_a_page_without_it(app, lighthouse):
    scene_id, path = lighthouse
    scene = db.session.get(Scene, scene_id)
    failed = Segment(scene=scene, position=4, author=_user("nico"), parent_id=path[-1].id, prompt="A storm breaks.",
                     provider="local", seed=1, width=640, height=360, fps=24, status="failed")
    db.session.add(failed)
    db.session.commit()
    olga, nico = _browser(app, "olga"), _browser(app, "nico")
    assert "Retry" not in _page(olga, scene_url(scene_id))
    assert "Retry" in _page(nico, scene_url(scene_id))


def test_moderators_and_messages_get_pages_built_for_them(app, lighthouse):
    scene_id, _ = lighthouse
    make_user("mod", role="moderator")
    nico = _browser(app, "nico")
    _page(nico, scene_url(scene_id))
    kept = SHELL_STORE.size()
    _page(_browser(app, "mod"), scene_url(scene_id))
    assert SHELL_STORE.size() == kept
    token = csrf_token_from(_page(nico, scene_url(scene_id)))
    g.pop("_login_user", None)
    nico.post(scene_url(scene_id, "/continue"), data={"csrf_token": token, "prompt": ""})  # refused: a message
    assert "wasn't started" in _page(nico, scene_url(scene_id))


PAGES = ["/", "/topics", "{topic}", "{scene}", "{scene}/watch", "{scene}/bible", "{api}", "{api}/bible", "{tree}"]


def test_a_kept_signed_in_page_sends_no_sql(app, lighthouse, queries):
    """Every page a member views again, or that another member viewed first, is served with no SQL at all:
    the viewer's row comes from Redis too, read with the page, and no ORM object is built for them; the API's
    reads of a public scene are the same for everyone, so nobody is loaded for them at all."""
    scene_id, path = lighthouse
    scene = db.session.get(Scene, scene_id)
    names = {"topic": f"/topics/{scene.topic.slug}", "scene": scene_url(scene), "api": scene_url(scene, api=True),
             "tree": f"/stories/{path[0].public_id}"}
    urls = [page.format(**names) for page in PAGES]
    nico, olga = _browser(app, "nico"), _browser(app, "olga")
    for url in urls:
        _page(nico, url)
    for url in urls:
        _page(olga, url)  # olga's own trees are looked up once
        db.session.expunge_all()  # requests share the test's session: its rows must not stand in for Redis
        with queries:
            _page(olga, url)
        assert queries.count == 0, url
        if url.startswith("/api/"):
            assert "_login_user" not in g, url
        else:
            assert isinstance(g._login_user, KeptViewer) and g._login_user.username == "olga", url


def test_a_kept_viewer_row_follows_their_account(app, lighthouse, queries):
    """Signing out everywhere shows on the very next request though the row was kept."""
    nico = _browser(app, "nico")
    db.session.expunge_all()
    assert "Account settings for nico" in _page(nico, "/")
    db.session.expunge_all()
    with queries:
        assert "Account settings for nico" in _page(nico, "/")
    assert queries.count == 0
    _user("nico").end_sessions()
    db.session.commit()
    db.session.expunge_all()
    g.pop("_login_user", None)
    page = nico.get("/").get_data(as_text=True)
    assert "Sign in" in page and "Account settings for nico" not in page


def test_markers_are_the_secret_keys_one_per_name_and_place(app):
    shell, fragment = marker("csrf"), marker("csrf", "fragment")
    assert shell.startswith("sv-") and fragment.startswith("sf-") and shell[3:] != fragment[3:]
    assert len(shell) == len(fragment) == 35 and marker("name") != shell
    assert marker("csrf") is shell  # worked out once per app
    other = Flask("other")
    other.config["SECRET_KEY"] = "another key"
    with other.app_context():
        assert marker("csrf") != shell and marker("csrf", "fragment") != fragment


def test_a_fork_titles_marker_is_not_kept_per_app(app):
    """Its name holds the scene's title: keeping one a title would grow with every scene a process shows."""
    with app.test_request_context("/"):
        g.rendering_shell, g.shell_slots = True, {}
        kept = dict(app.extensions.get("sf_markers", {}))
        slots = {viewer_text(f"{title} — ", "’s fork", 120) for title in ("Lighthouse", "Harbour", "Kite")}
        assert len(slots) == 3 and set(g.shell_slots) == slots and all(slot.startswith("sv-") for slot in slots)
        assert app.extensions.get("sf_markers", {}) == kept
