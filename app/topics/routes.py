from flask import abort, render_template, request

from app.caching import cached_listing, reader_page
from app.story.listings import Cursor, recent_scenes
from app.topics import bp
from app.topics.catalog import list_topics, topic_by_slug


@bp.get("")
@reader_page
def index():
    return render_template("topics/index.html", topics=list_topics())


@bp.get("/<slug>")
@reader_page(params={"after": Cursor.parse})
def show(slug: str):
    topic = topic_by_slug(slug)
    if topic is None:
        abort(404)
    after = Cursor.parse(request.args.get("after"))
    page = cached_listing(f"topic:{topic.id}:{after}", lambda: recent_scenes(24, after, topic.id))
    return render_template("topics/show.html", topic=topic, page=page, paged=after is not None)
