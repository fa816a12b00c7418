"""The API's request and response shapes. They validate every body and query string, shape every answer,
and are the OpenAPI document (``app.api.spec``), so the document cannot drift from what the API does.

Requests are strict: a prompt sent as a number, a visibility sent as a list or an id sent as 1.5, true or
"a-b" is a 422 naming the field, never coerced and never stored. Scenes, segments and jobs are named by
their public ids (an old numeric id still names what anyone could list); a number no row can have (0,
negative, past 2^63) is simply not found (404). Text goes through ``app.text.clean_text`` like the forms'
text does.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from app.continuity.bible import KINDS, OPS
from app.query import MAX_ID
from app.text import TextRefused, clean_text


def _within_database_range(value: int) -> int:
    if not 0 < value <= MAX_ID:
        raise PydanticCustomError("not_found", "There is no such {what}.", {"what": "id"})
    return value


def _clean(what: str):
    def clean(value: str) -> str:
        try:
            return clean_text(value, what)
        except TextRefused as err:
            raise PydanticCustomError(err.code, err.message) from None

    return AfterValidator(clean)


PUBLIC_ID = r"^[A-Za-z0-9]{1,32}$"
#: a scene, segment or job named in a query string: its public id (or an old numeric id)
RefText = Annotated[str, StringConstraints(pattern=PUBLIC_ID)]
#: the same in a JSON body, where an old numeric id may also come as a number (one no row can have is a 404)
Ref = RefText | Annotated[int, AfterValidator(_within_database_range), Field(json_schema_extra={"minimum": 1})]
Visibility = Literal["public", "unlisted", "private"]
Title = Annotated[str, StringConstraints(max_length=1000), _clean("title"),
                  Field(description="1–120 characters once spaces are collapsed; NFC; no control or direction characters")]
Prompt = Annotated[str, StringConstraints(max_length=20_000),
                   Field(description="What happens, in up to PROMPT_MAX_CHARS (1000) characters once spaces are collapsed")]
Kind = Literal[KINDS]  # type: ignore[valid-type]


class Request(BaseModel):
    """A request body or query string: exact types, no unknown fields."""

    model_config = ConfigDict(strict=True, extra="forbid")


class Query(BaseModel):
    """A query string: values arrive as text and are read as their declared type; unknown ones are ignored."""

    model_config = ConfigDict(extra="ignore")


class DeclaredEntity(Request):
    kind: Kind
    name: Annotated[str, StringConstraints(max_length=120), _clean("name")]
    attributes: dict[Annotated[str, StringConstraints(max_length=64), _clean("attribute")],
                     Annotated[str, StringConstraints(max_length=255), _clean("attribute value")]] = {}


class NewScene(Request):
    title: Title
    topic: Annotated[str, StringConstraints(max_length=64)]
    prompt: Prompt
    visibility: Visibility = "public"
    declare: Annotated[list[DeclaredEntity], Field(max_length=50)] | None = None


class Continuation(Request):
    prompt: Prompt
    after_segment_id: Ref | None = Field(None, description="the head segment you saw; null for an empty scene")


class PromptCheck(Request):
    prompt: Prompt
    after_segment_id: Ref | None = Field(None, description="check as a continuation of this segment (default: head)")


class FirstPromptCheck(Request):
    prompt: Prompt


class BibleChangeRequest(Request):
    op: Literal[OPS]  # type: ignore[valid-type]
    entity_id: Annotated[str, StringConstraints(max_length=12), _clean("entity id")] | None = None
    key: Annotated[str, StringConstraints(max_length=64), _clean("key")] | None = None
    value: Annotated[str, StringConstraints(max_length=255), _clean("value")] | None = None


class SceneChange(Request):
    title: Title | None = None
    visibility: Visibility | None = None


class ForkRequest(Request):
    segment_id: Ref
    title: Title | None = None


class MergeRequest(Request):
    fork_scene_id: Ref


class BibleQuery(Query):
    segment: RefText | None = Field(None, description="read the Bible at this segment of the scene (default: its head)")


class TreeQuery(Query):
    from_: RefText | None = Field(None, alias="from",
                                  description="the scene the reader came from: its branch shows even when unlisted")


# --- answers ----------------------------------------------------------------------------------------

class Answer(BaseModel):
    """A response body: built from the view's values, serialised exactly as documented."""

    model_config = ConfigDict(from_attributes=True)


class FieldError(Answer):
    field: str
    message: str


class ErrorDetail(Answer):
    code: str
    message: str
    field: str | None = None
    fields: list[FieldError] | None = None


class Error(Answer):
    """Every error: ``{"error": {"code", "message", "field"?}}`` plus, for some codes, context beside it."""

    model_config = ConfigDict(extra="allow")
    error: ErrorDetail


class UserOut(Answer):
    id: int
    username: str
    email: str
    role: str
    created_at: str | None


class Me(Answer):
    user: UserOut


class TopicOut(Answer):
    slug: str
    name: str
    description: str


class Topics(Answer):
    topics: list[TopicOut]


class Person(Answer):
    id: int
    username: str


class JobError(Answer):
    code: str | None
    message: str | None


class JobOut(Answer):
    id: str
    segment_id: str
    status: str
    stage: str | None
    progress: int
    message: str | None
    attempts: int
    provider: str | None
    error: JobError | None


class Media(Answer):
    video: str | None
    poster: str | None


class SegmentOut(Answer):
    id: str
    position: int
    parent_id: str | None
    status: str
    prompt: str | None = Field(description="null when moderators took the segment out of view, except for its writer "
                                            "and moderators")
    expanded_prompt: str | None = Field(description="null until expanded, and whenever ``prompt`` is")
    author: Person
    duration: float | None
    width: int
    height: int
    provider: str
    media: Media
    continuity_score: float | None
    continuity: dict[str, Any] | None
    job: JobOut | None
    created_at: str


class SceneOut(Answer):
    id: str
    title: str
    topic: str
    owner: Person
    visibility: Visibility
    head_segment_id: str | None
    forked_from_segment_id: str | None
    segment_count: int
    duration: float
    created_at: str
    updated_at: str
    segments: list[SegmentOut] | None = None


class SceneAnswer(Answer):
    scene: SceneOut


class Started(Answer):
    scene: SceneOut
    segment: SegmentOut
    job: JobOut


class Continued(Answer):
    segment: SegmentOut
    job: JobOut


class JobAnswer(Answer):
    job: JobOut


class CutOut(Answer):
    scene_id: str
    head_segment_id: str
    status: str
    progress: int
    message: str | None
    duration: float | None
    error: str | None


class CheckOut(Answer):
    """The continuity check (its items are described by the continuity engine and may gain fields)."""

    model_config = ConfigDict(extra="allow")
    ok: bool
    errors: list[dict[str, Any]]
    warnings: list[dict[str, Any]]
    entities: list[dict[str, Any]]
    new_entities: list[dict[str, Any]]
    proposed_changes: list[dict[str, Any]]
    injected: list[dict[str, Any]]
    notes: list[str]
    expanded_prompt: str


class AttributeOut(Answer):
    value: str
    since_segment: str | None


class FactOut(Answer):
    name: str
    since_segment: str | None
    ended_segment: str | None


class EntityOut(Answer):
    id: str
    kind: str
    name: str
    aliases: list[str]
    attributes: dict[str, AttributeOut]
    facts: list[FactOut]
    first_seen: str | None
    last_seen: str | None


class BibleOut(Answer):
    segment_id: str | None
    entities: list[EntityOut]


class ChangeOut(Answer):
    segment_id: str
    entity_id: str
    op: str
    key: str | None
    value: str | None
    author: str


class ChangeAnswer(Answer):
    change: ChangeOut


class TreeSegment(Answer):
    id: str
    parent_id: str | None
    position: int
    author: str
    duration: float | None


class TreeBranch(Answer):
    scene_id: str
    title: str
    owner: str
    original: bool
    segment_count: int
    segment_ids: list[str]
    forked_from_segment_id: str | None
    last_activity: str


class TreeOut(Answer):
    root_segment_id: str
    segments: list[TreeSegment]
    branches: list[TreeBranch]
