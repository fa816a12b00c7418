"""Media URLs as a scene shows them: signed unless the scene is public."""
from __future__ import annotations

from app.extensions import storage
from app.models import Scene, Visibility


def media_url(scene: Scene, key: str | None) -> str | None:
    """A URL for the media under ``key`` as shown on ``scene``: signed unless the scene is public."""
    if not key:
        return None
    return storage().url(key, private=signs_media(scene))


def signs_media(scene: Scene) -> bool:
    """Whether the scene's media URLs are signed: only public scenes' media is served to anyone who asks
    (``access.media_visible``)."""
    return scene.visibility != Visibility.PUBLIC
