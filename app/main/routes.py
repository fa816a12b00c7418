from flask import jsonify, render_template, request
from sqlalchemy import text

from app import cache_versions as versions
from app.caching import cached_listing
from app.extensions import db, redis_client
from app.main import bp
from app.pages import reader_page
from app.story.listings import Cursor, featured_scenes, recent_scenes
from app.story.viewers import everyone
from app.topics.catalog import list_topics


@bp.get("/")
@reader_page(params={"after": Cursor.parse}, scope=versions.home_scope, viewers=everyone)
def home():
    after = Cursor.parse(request.args.get("after"))
    return render_template("main/home.html", topics=list_topics(limit=8),
                           featured=cached_listing("featured", lambda: featured_scenes(4), (versions.HOME,)),
                           recent=cached_listing(f"recent:{after}", lambda: recent_scenes(8, after), (versions.HOME,)))


@bp.get("/help")
def help_page():
    return render_template("main/help.html")


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        redis_client().ping()
        checks["redis"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["redis"] = f"error: {exc.__class__.__name__}"
    ready = all(v == "ok" for v in checks.values())
    return jsonify(status="ready" if ready else "unavailable", checks=checks), (200 if ready else 503)
