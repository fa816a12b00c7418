"""A continuation the site refused comes back where the writer was: the scene page at ``#continue``,
with the reason at the top and beside the prompt they wrote, which is kept for them.

The refused prompt rides in the session for one page view (post/redirect/get), so the address bar
only ever shows the scene's own URL, which can be reloaded, bookmarked or shared.
"""
from __future__ import annotations

from flask import Response, flash, redirect, session, url_for

from app.models import Scene
from app.scenes.forms import ContinueForm

KEY = "refused_continuation"


def refuse(scene: Scene, prompt: str | None, reason: str) -> Response:
    """Keep the prompt and the reason for the next view of ``scene`` and send the writer back to its form."""
    session[KEY] = {"scene": scene.public_id, "prompt": (prompt or "")[:1000], "reason": reason}
    flash(f"Your segment wasn't started: {reason} Your prompt is kept below.", "error")
    return redirect(url_for("scenes.show", scene_ref=scene, _anchor="continue"), 303)


def refused_form(scene: Scene) -> ContinueForm | None:
    """The continue form as the writer left it, with the reason beside the prompt (once; None if nothing waits)."""
    kept = session.get(KEY)
    if not kept or kept.get("scene") != scene.public_id:
        return None
    session.pop(KEY)
    form = ContinueForm(prompt=kept["prompt"], after_segment_id=scene.head.public_id if scene.head else "")
    form.prompt.errors = [kept["reason"]]
    return form
