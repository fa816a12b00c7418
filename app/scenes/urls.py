"""Scenes and segments named in page URLs: found under the access rule, and an old numeric URL moved for good
to the public-id one."""
from flask import Response, abort, redirect, request, url_for
from flask_login import current_user

from app.models import Scene, Segment
from app.story import access
from app.story.presenters import listed_in_full


def scene_from_url(ref: str) -> Scene:
    """The scene the URL names, if the reader may see it (``access.NotFound`` otherwise); an old numeric URL
    moves to the public-id one."""
    return _at_public_id(access.visible_scene(ref, current_user), ref, "scene_ref")


def segment_from_url(ref: str) -> Segment:
    """The segment the URL names, if the reader may see it (``access.NotFound`` otherwise); an old numeric URL
    moves to the public-id one."""
    return _at_public_id(access.visible_segment(ref, current_user), ref, "segment_ref")


def _at_public_id(found: Scene | Segment, ref: str, argument: str) -> Scene | Segment:
    if ref != found.public_id:
        abort(_moved_to(**{argument: found.public_id}))
    return found


def _moved_to(**refs: str) -> Response:
    """This request's URL with public ids in place of numeric ones: moved for good (308 keeps a POST a POST)."""
    url = url_for(request.endpoint, **{**request.view_args, **refs}, **request.args.to_dict(flat=False))
    return redirect(url, 301 if request.method in ("GET", "HEAD") else 308)


def segment_card_url(segment: Segment, anchor: str) -> str:
    """The address of ``segment``'s card on its scene's page (``anchor`` within it): every segment's card is
    listed when the page shows only the newest ones and this is an older one."""
    scene = segment.scene
    wider = {} if listed_in_full(segment, scene) else {"segments": "all"}
    return url_for("scenes.show", scene_ref=scene, _anchor=anchor, **wider)
