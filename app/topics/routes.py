from flask import abort, render_template

from app.story.views import topic_scenes
from app.topics import bp
from app.topics.catalog import list_topics, topic_by_slug


@bp.get("")
def index():
    return render_template("topics/index.html", topics=list_topics())


@bp.get("/<slug>")
def show(slug: str):
    topic = topic_by_slug(slug)
    if topic is None:
        abort(404)
    return render_template("topics/show.html", topic=topic, scenes=topic_scenes(topic.id))
