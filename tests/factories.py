"""Small builders for test data."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Role, Scene, Segment, Topic, User

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


HARBOUR_PROMPTS = ["Mara, in a red coat, waits on the pier.", "A brass lantern flickers in the fog.",
                   "The ferry horn sounds across the harbour."]


def build_scene(user: User, run_worker, prompts=HARBOUR_PROMPTS, visibility: str = "public") -> int:
    """A scene whose segments are all generated for real (one worker pass each); returns its id."""
    from app.story.writing import continue_scene

    scene_id = make_scene(user, title="Harbour Lights", prompt=prompts[0], visibility=visibility).scene.id
    run_worker()
    for prompt in prompts[1:]:
        scene = db.session.get(Scene, scene_id)
        continue_scene(scene, scene.owner, prompt, scene.head_segment_id)
        run_worker()
    return scene_id


def grow(scene, count: int, *, author: User | None = None, prompt: str = "Waves roll in.") -> list:
    """Append ``count`` ready segment rows to ``scene`` without rendering (for trees and listings)."""
    from app.models import SegmentStatus

    parent = db.session.get(Segment, scene.head_segment_id) if scene.head_segment_id else None
    made = []
    for _ in range(count):
        position = parent.position + 1 if parent else 1
        parent = Segment(scene=scene, parent=parent, position=position, author=author or scene.owner, prompt=prompt,
                         provider="local", seed=position, width=640, height=360, fps=24, duration=5.0,
                         status=SegmentStatus.READY.value)
        db.session.add(parent)
        db.session.flush()
        made.append(parent)
    if parent is not None:
        scene.head_segment_id, scene.segment_count = parent.id, parent.position
        scene.total_duration = round((scene.total_duration or 0.0) + 5.0 * count, 3)
    db.session.commit()
    return made


def bare_scene(owner: User, *, title: str = "Open Sea", visibility: str = "public", topic: Topic | None = None):
    """A scene row with no segments and no generation queued (``grow`` it)."""
    topic = topic or db.session.query(Topic).first() or make_topic()
    scene = Scene(title=title, topic=topic, owner=owner, visibility=visibility)
    db.session.add(scene)
    db.session.commit()
    return scene


def public_id(model, row) -> str:
    """What URLs and JSON call a ``model`` row, given as the row, its numeric id or already its public id."""
    if isinstance(row, str):
        return row
    return row.public_id if isinstance(row, model) else db.session.get(model, row).public_id


def by_public_id(model, ref: str):
    """The ``model`` row that URLs and JSON call ``ref``."""
    return db.session.scalar(select(model).where(model.public_id == ref))


def scene_url(scene, rest: str = "", *, api: bool = False) -> str:
    """``/scenes/<public id><rest>`` (``/api/v1/scenes/...`` with ``api``) for a Scene, its id or public id."""
    return f"{'/api/v1' if api else ''}/scenes/{public_id(Scene, scene)}{rest}"


def segment_url(segment, rest: str = "", *, api: bool = False) -> str:
    """``/segments/<public id><rest>`` (``/api/v1/segments/...`` with ``api``) for a Segment, its id or public id."""
    return f"{'/api/v1' if api else ''}/segments/{public_id(Segment, segment)}{rest}"


def tree_url(root, *, came_from=None, api: bool = False) -> str:
    """The story tree under ``root`` (a Segment or its id), optionally as seen from the scene ``came_from``."""
    url = f"{'/api/v1' if api else ''}/stories/{public_id(Segment, root)}"
    return f"{url}?from={public_id(Scene, came_from)}" if came_from is not None else url
