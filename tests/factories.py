"""Small builders for test data."""
from __future__ import annotations

from app.extensions import db
from app.models import Role, Topic, User

PASSWORD = "correct horse battery"


def make_user(username: str = "mara", *, password: str = PASSWORD, role: str = Role.USER, email: str | None = None) -> User:
    user = User(email=email or f"{username}@example.com", username=username, role=str(role))
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def make_topic(slug: str = "space-opera", name: str = "Space Opera") -> Topic:
    topic = Topic(slug=slug, name=name, description=f"All about {name}.", hue=220, motif="stars")
    db.session.add(topic)
    db.session.commit()
    return topic


def make_scene(owner: User, *, title: str = "Night Train", prompt: str = "Mara boards the night train.",
               topic: Topic | None = None, visibility: str = "public"):
    """A scene whose first segment is queued (returns writing.Started)."""
    from app.story.writing import create_scene

    topic = topic or db.session.query(Topic).first() or make_topic()
    return create_scene(owner, title=title, topic_slug=topic.slug, prompt=prompt, visibility=visibility)
