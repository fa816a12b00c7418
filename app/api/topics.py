"""Topics through the API for admins: the same create and edit (rename, reorder, archive) as the console."""
from __future__ import annotations

from typing import Annotated

from flask import jsonify
from pydantic import Field, StringConstraints

from app.api import bp
from app.api.auth import api_user
from app.api.schemas import Answer, Error, Request, TopicOut
from app.api.spec import answer, operation
from app.console import ConsoleError
from app.errors import json_error
from app.topics import editing

Slug = Annotated[str, StringConstraints(max_length=64), Field(description="lowercase letters, digits and dashes")]
Reason = Annotated[str, StringConstraints(max_length=1000), Field(description="kept in the audit log")]


class NewTopic(Request):
    name: Annotated[str, StringConstraints(max_length=200)]
    slug: Slug
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    hue: Annotated[int, Field(ge=0, le=359)] = 220
    motif: Annotated[str, StringConstraints(max_length=32)] = "stars"
    reason: Reason = ""


class TopicChange(Request):
    """Only the fields given change; a new ``slug`` leaves the old one redirecting."""

    name: Annotated[str, StringConstraints(max_length=200)] | None = None
    slug: Slug | None = None
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    hue: Annotated[int, Field(ge=0, le=359)] | None = None
    motif: Annotated[str, StringConstraints(max_length=32)] | None = None
    position: Annotated[int, Field(ge=0, le=10_000, description="0 is first")] | None = None
    archived: bool | None = None
    reason: Reason = ""


class AdminTopic(TopicOut):
    id: int
    hue: int
    motif: str
    position: int
    archived: bool


class AdminTopicAnswer(Answer):
    topic: AdminTopic


ADMIN_WRITES = {401: Error, 403: Error, 422: Error}


def _shown(topic) -> dict:
    return {"topic": {"id": topic.id, "slug": topic.slug, "name": topic.name, "description": topic.description,
                      "hue": topic.hue, "motif": topic.motif, "position": topic.position, "archived": topic.archived}}


def _refused():
    if not api_user().is_admin:
        return json_error(403, "Only admins can change topics.")
    return None


def _invalid(err: ConsoleError):
    return jsonify(error={"code": "invalid_field", "message": err.message, "field": err.field}), 422


@bp.post("/topics")
@operation("Create a topic (admins)", signed_in=True, body=NewTopic, responses={201: AdminTopicAnswer, **ADMIN_WRITES},
           tags=("topics",))
def create_topic(body: NewTopic):
    if refused := _refused():
        return refused
    draft = editing.TopicDraft(name=body.name, slug=body.slug, description=body.description, hue=body.hue,
                               motif=body.motif)
    try:
        topic = editing.create_topic(api_user(), draft, body.reason)
    except ConsoleError as err:
        return _invalid(err)
    return answer(AdminTopicAnswer, _shown(topic), 201)


@bp.patch("/topics/<slug>")
@operation("Edit, rename, reorder or archive a topic (admins); an old slug keeps naming it", signed_in=True,
           body=TopicChange, responses={200: AdminTopicAnswer, **ADMIN_WRITES}, tags=("topics",))
def change_topic(slug: str, body: TopicChange):
    if refused := _refused():
        return refused
    topic, _moved = editing.resolve_slug(slug)
    if topic is None:
        return json_error(404, "There is no topic with that slug.")
    draft = editing.TopicDraft(name=body.name, slug=body.slug, description=body.description, hue=body.hue,
                               motif=body.motif)
    try:
        if draft != editing.TopicDraft():
            editing.edit_topic(api_user(), topic, draft, body.reason)
        if body.position is not None:
            editing.place_topic(api_user(), topic, body.position)
        if body.archived is not None and body.archived != topic.archived:
            editing.archive_topic(api_user(), topic, body.archived, body.reason)
    except ConsoleError as err:
        return _invalid(err)
    return answer(AdminTopicAnswer, _shown(topic))
