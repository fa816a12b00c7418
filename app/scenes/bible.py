"""Correcting the Scene Bible from its page: an entity's card edited as a whole, and undo."""
from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from app.continuity.bible import BibleError
from app.scenes import bp
from app.scenes.forms import SegmentActionForm
from app.scenes.urls import scene_from_url
from app.story import access, bible_edits


def _editable_scene(scene_ref: str):
    scene = scene_from_url(scene_ref)
    access.require_edit(scene, current_user)
    if not SegmentActionForm().validate_on_submit():
        abort(400)
    return scene


@bp.post("/scenes/<scene:scene_ref>/bible/<entity_id>/edit")
@login_required
def edit_bible_entity(scene_ref: str, entity_id: str):
    scene = _editable_scene(scene_ref)
    details = dict(zip(request.form.getlist("attribute_key"), request.form.getlist("attribute_value"), strict=False))
    try:
        edits = bible_edits.edit_entity(scene, current_user, entity_id, name=request.form.get("name", ""),
                                        attributes=details)
    except BibleError as err:
        flash(f"Nothing was changed: {err}", "error")
        return redirect(url_for("scenes.bible", scene_ref=scene, _anchor=f"entity-{entity_id}"))
    flash(f"Saved {len(edits)} change{'' if len(edits) == 1 else 's'}." if edits else "Nothing to change.", "success")
    return redirect(url_for("scenes.bible", scene_ref=scene, _anchor=f"entity-{entity_id}"))


@bp.post("/scenes/<scene:scene_ref>/bible/changes/<int:change_id>/undo")
@login_required
def undo_bible_change(scene_ref: str, change_id: int):
    scene = _editable_scene(scene_ref)
    try:
        bible_edits.undo_change(scene, current_user, change_id)
    except BibleError as err:
        flash(f"Couldn't undo that: {err}", "error")
    else:
        flash("Undone. The undo is in the history below, and can itself be undone.", "success")
    return redirect(url_for("scenes.bible", scene_ref=scene, _anchor="history-heading"))
