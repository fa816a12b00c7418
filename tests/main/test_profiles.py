"""A person's scenes: public ones for everyone, everything for themselves."""
from tests.factories import bare_scene, grow, make_user


def test_others_see_only_public_finished_scenes(client, user):
    for title, visibility, segments in (("Open Sea", "public", 2), ("Quiet Cove", "unlisted", 1),
                                        ("Locked Diary", "private", 1), ("Not Yet", "public", 0)):
        grow(bare_scene(user, title=title, visibility=visibility), segments)
    html = client.get("/users/mara").get_data(as_text=True)
    assert "mara’s scenes" in html and "Open Sea" in html
    assert not any(t in html for t in ("Quiet Cove", "Locked Diary", "Not Yet"))
    assert client.get("/users/nobody").status_code == 404


def test_the_owner_sees_everything_with_badges(client, auth, user):
    from app.extensions import db

    segment = grow(bare_scene(user, title="Locked Diary", visibility="private"), 1)[0]
    segment.thumb_key = f"segments/{segment.id}/thumb.jpg"
    db.session.commit()
    bare_scene(user, title="Not Yet")
    auth.login()
    html = client.get("/users/mara").get_data(as_text=True)
    assert "Your scenes" in html and "Locked Diary" in html and "Not Yet" in html
    assert '<span class="badge">private</span>' in html and "sig=" in html  # private posters are signed


def test_profile_pages_by_keyset(client, user):
    for i in range(30):
        grow(bare_scene(user, title=f"Tale {i:02d}"), 1)
    first = client.get("/users/mara").get_data(as_text=True)
    assert first.count('class="card"') == 24
    after = first.split("after=")[1].split('"')[0].replace("%3A", ":").replace("%7E", "~").replace("%2B", "+")
    second = client.get(f"/users/mara?after={after}").get_data(as_text=True)
    assert second.count('class="card"') == 6


def test_empty_profiles_say_what_to_do(client, auth, user):
    make_user("quiet")
    assert "quiet has no public scenes yet" in client.get("/users/quiet").get_data(as_text=True)
    auth.login()
    assert "Start your first scene" in client.get("/users/mara").get_data(as_text=True)
