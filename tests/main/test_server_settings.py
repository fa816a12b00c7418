"""Production settings: versioned static URLs cached for a year, the database pool, the gunicorn config."""
import multiprocessing
import re
import runpy
from pathlib import Path

from app.assets import asset_version
from config import BASE_DIR, engine_options


def test_static_urls_carry_a_content_version_and_are_cached_long(client, app):
    """Pages link CSS/JS as /static/...?v=<hash>; that URL is public, immutable and cached for STATIC_MAX_AGE."""
    html = client.get("/").get_data(as_text=True)
    match = re.search(r'href="(/static/css/site\.css\?v=([0-9a-f]{12}))"', html)
    assert match, "the stylesheet link has no version"
    assert re.search(r'src="/static/js/site\.js\?v=[0-9a-f]{12}"', html)
    response = client.get(match.group(1))
    assert response.status_code == 200
    cache = response.cache_control
    assert cache.max_age == app.config["STATIC_MAX_AGE"] == 365 * 86400
    assert cache.public and cache.immutable and not cache.no_cache


def test_unversioned_static_and_downloads_are_not_cached_long(client):
    """Without ?v= a static file is revalidated as before, and other routes keep their own caching."""
    plain = client.get("/static/css/site.css")
    assert plain.status_code == 200 and not plain.cache_control.max_age
    assert "immutable" not in client.get("/healthz").headers.get("Cache-Control", "")


def test_asset_version_follows_the_file_contents(tmp_path):
    """The version changes when the file's bytes change, and is None for missing or escaping paths."""
    (tmp_path / "a.css").write_text("body { color: red }")
    first = asset_version(str(tmp_path), "a.css")
    (tmp_path / "a.css").write_text("body { color: blue; }")
    assert asset_version(str(tmp_path), "a.css") not in (None, first)
    assert asset_version(str(tmp_path), "missing.css") is None
    assert asset_version(str(tmp_path), "../etc/passwd") is None


def test_engine_pool_only_for_database_servers(monkeypatch):
    """PostgreSQL gets a sized, recycled, pre-pinged pool (from DB_* variables); SQLite keeps its own pool."""
    assert "pool_size" not in engine_options("sqlite:///x.db")
    monkeypatch.setenv("DB_POOL_SIZE", "8")
    options = engine_options("postgresql://db/storyforge")
    assert options["pool_size"] == 8 and options["pool_pre_ping"] and options["pool_recycle"] > 0
    assert options["max_overflow"] >= 0


def test_gunicorn_config_reads_the_environment(monkeypatch):
    """gunicorn.conf.py uses threaded workers, sized from WEB_WORKERS/WEB_THREADS when set."""
    path = str(Path(BASE_DIR) / "gunicorn.conf.py")
    defaults = runpy.run_path(path)
    assert defaults["worker_class"] == "gthread" and defaults["workers"] == 4 * multiprocessing.cpu_count()
    assert defaults["threads"] == 2
    monkeypatch.setenv("WEB_WORKERS", "5")
    monkeypatch.setenv("WEB_THREADS", "3")
    monkeypatch.setenv("BIND", "127.0.0.1:9001")
    tuned = runpy.run_path(path)
    assert (tuned["workers"], tuned["threads"], tuned["bind"]) == (5, 3, "127.0.0.1:9001")
