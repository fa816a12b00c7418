"""The parts of a signed-in scene page that are the same for every viewer, kept as rendered HTML.

A ready segment that nobody has withheld never changes, so a scene's list items and the player's
chapter list are rendered once per scene, head and visibility (which decides whether media URLs are
signed) and kept together in Redis (``app.caching.cached_fragment``) whatever else happens in the story tree: a
segment published on another branch, a fork or a Bible correction moves the tree's version, so the page
around the list is built again, but the list is not rendered again. They are used only while every
segment they show is clear, so a takedown shows at once. What belongs to the viewer in them — the CSRF
token of the fork forms and the fork's suggested title, which names the viewer — is rendered as a marker
and put in for each viewer when the page is assembled. The markers are derived from the secret key, so no
prompt can spell one. A branch with a withheld segment (held, hidden, removed) shows different things to
different people, so its page is rendered whole.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from flask_login import AnonymousUserMixin, current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from app import cache_versions as versions
from app.caching import cached_fragment
from app.extensions import db
from app.models import Scene, Segment
from app.pages import marker
from app.story import access
from app.story.presenters import ScenePage, bible_page
from app.story.tree import label_text, start_time, story_tree


@dataclass(frozen=True)
class Fragments:
    """The kept parts of one scene page: the list items of its ready segments from ``first_shown`` on, and the
    chapter list."""

    segments: Markup
    chapters: Markup


class _MarkedForm:
    """Stands in for the page's action form while a fragment is rendered: its token is the marker."""

    def hidden_tag(self) -> Markup:
        token = marker("csrf", "fragment")
        return Markup('<input id="csrf_token" name="csrf_token" type="hidden" value="{}">').format(token)


def scene_fragments(page: ScenePage, fork_title: str) -> Fragments | None:
    """The kept parts of ``page`` for the signed-in viewer, their bits put in; None when the page must be
    rendered whole (signed out, a withheld segment, nothing ready)."""
    ready = page.ready
    if not current_user.is_authenticated or not ready:
        return None
    if any(step.moderation_state != "clear" for step in page.steps[:ready]):
        return None
    scene, first = page.scene, page.first_shown

    between = marker("chapters", "fragment")  # both parts in one entry, split here: one round trip to find, one to keep
    title = marker("fork-title", "fragment")

    def build() -> str:
        return (render_template("scenes/_segment_list.html", scene=scene, views=page.listed[:ready - first],
                                action_form=_MarkedForm(), fork_title=title)
                + between + render_template("scenes/_chapters.html", scene=scene, chapters=page.chapters))

    scopes = ()  # only a site-wide change (versions.ALL) moves them: the name says which segments they show
    name = f"scene-parts:{scene.id}:{scene.head_segment_id}:{ready}:{scene.visibility}:{first}"
    segments, _, chapters = cached_fragment(name, scopes, build).partition(between)
    segments = segments.replace(marker("csrf", "fragment"), generate_csrf()).replace(title, str(escape(fork_title)))
    return Fragments(Markup(segments), Markup(chapters))  # noqa: S704 - rendered by our templates


def public_tree(root_ref: str, came_from: Scene | None) -> Markup | None:
    """The story tree's drawing and list as readers see it, kept per tree version, when the signed-in viewer
    would see exactly that (``access.lists_only_public``); None when their tree must be built for them."""
    if not current_user.is_authenticated or (came_from is not None and not came_from.is_public):
        return None
    scopes = versions.segment_scope(db.session, root_ref)
    if scopes is None or not access.lists_only_public(current_user):
        return None

    def build() -> str:
        story = story_tree(access.lookup(Segment, root_ref), AnonymousUserMixin(), came_from)
        if story is None:
            return ""
        return render_template("scenes/_tree_body.html", tree=story, highlight=came_from.id if came_from else None,
                               start_time=start_time, label_text=label_text)

    body = cached_fragment(f"tree:{root_ref}:{came_from.id if came_from else ''}", scopes, build)
    return Markup(body) if body else None  # noqa: S704 - rendered by our templates


def readers_bible(scene: Scene) -> Markup | None:
    """The Scene Bible page's body as everyone who may not correct it sees it, kept per head and tree
    version; None for its owner and moderators (their forms and undo buttons are theirs) and readers."""
    if not current_user.is_authenticated or access.can_edit(scene, current_user):
        return None
    scopes = versions.scene_scope(db.session, scene.public_id)
    if scopes is None:
        return None
    body = cached_fragment(f"bible:{scene.id}:{scene.head_segment_id}", scopes, lambda: render_template(
        "scenes/_bible_body.html", **bible_page(scene, current_user).context(), form=None, action_form=None))
    return Markup(body)  # noqa: S704 - rendered by our templates
