"""Media URLs as a scene shows them: signed unless the scene is public."""
from __future__ import annotations

from collections.abc import Callable

from app.extensions import storage
from app.models import Scene, Visibility


def media_url(scene: Scene, key: str | None) -> str | None:
    """A URL for the media under ``key`` as shown on ``scene``: signed unless the scene is public."""
    return media_urls(scene)(key) if key else None


def media_urls(scene: Scene) -> Callable[[str | None], str | None]:
    """``media_url`` for many keys of one scene, the storage and whether it signs looked up once (a 200-segment
    scene page shows 430 media URLs)."""
    url, private = storage().url, signs_media(scene)
    return lambda key: url(key, private=private) if key else None


def signs_media(scene: Scene) -> bool:
    """Whether the scene's media URLs are signed: only public scenes' media is served to anyone who asks
    (``access.media_visible``)."""
    return scene.visibility != Visibility.PUBLIC
