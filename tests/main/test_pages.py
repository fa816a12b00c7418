from tests.factories import make_topic


def test_home_explains_and_links_to_signup_and_topics(client):
    """The home page says what StoryForge is and leads to topics and sign-up."""
    html = client.get("/").get_data(as_text=True)
    assert "StoryForge turns short prompts into video segments" in html
    assert 'href="/auth/register"' in html and 'href="/topics"' in html
    assert 'class="skip-link"' in html


def test_topics_list_and_show(client):
    """Topics are listed and each has its own page; unknown slugs are 404."""
    make_topic("deep-sea", "Deep Sea")
    assert "Deep Sea" in client.get("/topics").get_data(as_text=True)
    page = client.get("/topics/deep-sea")
    assert page.status_code == 200 and "No scenes in Deep Sea yet" in page.get_data(as_text=True)
    missing = client.get("/topics/nope")
    assert missing.status_code == 404 and "couldn" in missing.get_data(as_text=True)


def test_no_external_assets(client):
    """Pages reference only local assets (the site works offline)."""
    html = client.get("/").get_data(as_text=True)
    assert "http://" not in html.replace("http://localhost", "") and "https://" not in html


def test_healthz_and_readyz(client):
    """/healthz says alive; /readyz checks database and Redis."""
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_is_503_when_redis_is_down(app, client):
    """/readyz answers 503 when Redis cannot be reached."""
    from redis import Redis

    app.extensions["sf_redis"] = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    resp = client.get("/readyz")
    assert resp.status_code == 503 and resp.json["checks"]["redis"].startswith("error")
