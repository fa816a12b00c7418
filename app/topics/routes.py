from flask import abort, redirect, render_template, request, url_for

from app import cache_versions as versions
from app.caching import cached_listing
from app.pages import reader_page
from app.story.listings import Cursor, recent_scenes
from app.story.viewers import everyone
from app.topics import bp
from app.topics.catalog import list_topics
from app.topics.editing import resolve_slug


@bp.get("")
@reader_page(viewers=everyone)
def index():
    return render_template("topics/index.html", topics=list_topics())


@bp.get("/<slug>")
@reader_page(params={"after": Cursor.parse}, scope=versions.topic_scope, viewers=everyone)
def show(slug: str):
    topic, moved = resolve_slug(slug)
    if topic is None:
        abort(404)
    if moved:
        return redirect(url_for("topics.show", slug=topic.slug, **request.args), 301)
    after = Cursor.parse(request.args.get("after"))
    page = cached_listing(f"topic:{topic.id}:{after}", lambda: recent_scenes(24, after, topic.id),
                          (versions.topic(topic.slug),))
    return render_template("topics/show.html", topic=topic, page=page, paged=after is not None)
