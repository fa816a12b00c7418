"""Typed API operations and the OpenAPI 3.1 document made from them.

``@operation`` declares what a view takes and answers, in the schemas of ``app.api.schemas``: it checks
the caller is signed in when the operation says so, parses the JSON body and the query string with
those schemas (a 422 naming the field, a 404 for an id no row can have, a 400 for a body that is not a
JSON object) and hands the view typed values. ``answer`` shapes what the view returns through its
response schema. ``openapi_document`` reads the same declarations off the app's routes, so the document
served at ``/api/v1/openapi.json`` is exactly what the API does.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Flask, current_app, jsonify, request
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from app.api import schemas
from app.api.auth import api_user
from app.errors import API_CODES, json_error
from app.query import MAX_ID
from app.routing import CONVERTERS

#: statuses every operation may answer besides its own: unknown path ids, wrong method, oversized body
COMMON = {404: "Not found (or not visible to you).", 405: "Method not allowed on this path."}
DESCRIPTIONS = {
    200: "OK", 201: "Created", 202: "Accepted: generation is queued", 204: "Done, nothing to say",
    400: "The body is not a JSON object, or a session request lacks its X-CSRFToken header.",
    401: "Sign in or send a personal API token.", 403: "Visible, but not yours to change.",
    404: COMMON[404], 405: COMMON[405], 409: "Conflict: the scene moved on, or the merge is refused.",
    413: "The request body is larger than MAX_CONTENT_LENGTH.",
    422: "A field has the wrong type or value: the error names it.", 429: "Too many requests: wait and retry.",
}

#: what a write may answer besides success: not signed in, not yours, conflict, refused, too many
WRITES = {401: schemas.Error, 403: schemas.Error, 409: schemas.Error, 422: schemas.Error, 429: schemas.Error}


class Invalid(Exception):
    """A request that its schema refused; ``response`` is the JSON error to send."""

    def __init__(self, response):
        super().__init__("invalid request")
        self.response = response


@dataclass
class Operation:
    summary: str
    responses: dict[int, type[BaseModel] | None]
    body: type[schemas.Request] | None = None
    query: type[schemas.Query] | None = None
    signed_in: bool = False
    tags: list[str] = field(default_factory=list)

    def statuses(self) -> dict[int, type[BaseModel] | None]:
        implied: dict[int, type[BaseModel] | None] = {status: schemas.Error for status in COMMON}
        if self.body is not None:
            implied.update({400: schemas.Error, 413: schemas.Error, 422: schemas.Error})
        if self.query is not None:
            implied[422] = schemas.Error
        if self.signed_in:  # a session's writes need their X-CSRFToken header (400 without)
            implied.update({400: schemas.Error, 401: schemas.Error})
        return {**implied, **self.responses}


def operation(summary: str, *, responses: dict[int, type[BaseModel] | None], body=None, query=None,
              signed_in: bool = False, tags: tuple[str, ...] = ()) -> Callable:
    """Declare a view's inputs and answers; the view receives ``body=`` and ``query=`` as parsed models."""
    spec = Operation(summary, responses, body, query, signed_in, list(tags))

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if signed_in and api_user() is None:
                return json_error(401, "Sign in or send a personal API token.")
            try:
                if body is not None:
                    kwargs["body"] = _parse_body(body)
                if query is not None:
                    kwargs["query"] = _parse(query, request.args.to_dict())
            except Invalid as refused:
                return refused.response
            return view(*args, **kwargs)

        wrapper.api_operation = spec
        return wrapper

    return decorate


def answer(model: type[BaseModel], data: Any, status: int = 200):
    """``data`` shaped by ``model`` (what the document promises, nothing more) as a JSON response."""
    return jsonify(model.model_validate(data).model_dump(mode="json", by_alias=True)), status


def _parse_body(model: type[schemas.Request]):
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid(json_error(400, "Send a JSON object as the request body.", "invalid_json"))
    return _parse(model, data)


def _parse(model: type[BaseModel], data: dict):
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise Invalid(_refusal(err)) from None


#: what pydantic puts in an error's location for the member of a union that failed ("constrained-str", …)
_UNION_TAG = re.compile(r"^(constrained-)?(str|int|float|bool|list|dict|none)$|^function-|\[")


def _field(loc: tuple) -> str:
    return ".".join(str(part) for part in loc if not (isinstance(part, str) and _UNION_TAG.search(part))) or "body"


def _refusal(err: ValidationError):
    problems = [{"field": _field(e["loc"]), "message": e["msg"], "type": e["type"]} for e in err.errors(include_url=False)]
    first = problems[0]
    if any(p["type"] == "not_found" for p in problems):
        missing = next(p for p in problems if p["type"] == "not_found")
        what = missing["field"].removesuffix("_id").replace("_", " ")
        return jsonify(error={"code": "not_found", "message": f"There is no {what} with that id.",
                              "field": missing["field"]}), 404
    code = first["type"] if first["type"] in ("invalid_characters", "invalid_type") else "invalid_field"
    body = {"code": code, "message": f"{first['field']}: {first['message']}", "field": first["field"],
            "fields": [{"field": p["field"], "message": p["message"]} for p in problems]}
    return jsonify(error=body), 422


# --- the document ---------------------------------------------------------------------------------

_CONVERTED = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def _path_parameters(rule) -> list[dict]:
    params = []
    for match in _CONVERTED.finditer(rule.rule):
        converter = match["converter"]
        if converter == "int":
            schema = {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID}
        elif converter in CONVERTERS:  # scenes, segments, jobs: a public id (or an old numeric id)
            schema = {"type": "string", "pattern": schemas.PUBLIC_ID}
        else:
            schema = {"type": "string"}
        params.append({"name": match["name"], "in": "path", "required": True, "schema": schema})
    return params


def _query_parameters(model: type[schemas.Query]) -> list[dict]:
    schema = model.model_json_schema(mode="validation")
    params = []
    for name, prop in schema.get("properties", {}).items():
        description = prop.pop("description", None)
        prop.pop("default", None)
        prop.pop("title", None)
        params.append({"name": name, "in": "query", "required": name in schema.get("required", []),
                       "schema": prop, **({"description": description} if description else {})})
    return params


def openapi_document(app: Flask) -> dict:
    """The OpenAPI 3.1 document of every ``/api/v1`` route (built once per app)."""
    if "sf_openapi" in app.extensions:
        return app.extensions["sf_openapi"]
    operations = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        spec = getattr(app.view_functions[rule.endpoint], "api_operation", None)
        if spec is not None:
            operations.append((rule, spec))
    models = {(m, "validation") for _, s in operations for m in (s.body,) if m is not None}
    models |= {(m, "serialization") for _, s in operations for m in s.statuses().values() if m is not None}
    refs, definitions = models_json_schema(sorted(models, key=lambda pair: (pair[0].__name__, pair[1])),
                                           ref_template="#/components/schemas/{model}")
    paths: dict[str, dict] = {}
    for rule, spec in operations:
        path = _CONVERTED.sub(r"{\g<name>}", rule.rule.removeprefix("/api/v1"))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _describe(rule, spec, refs, method)
    document = {
        "openapi": "3.1.0",
        "info": {"title": "StoryForge API", "version": "1",
                 "description": "Scenes, segments, jobs, continuity checks and the Scene Bible over JSON. "
                                "Authenticate with `Authorization: Bearer <token>` (a personal token from the "
                                "account page) or the browser session plus an `X-CSRFToken` header. Errors are "
                                "always `{\"error\": {\"code\", \"message\"}}`."},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {"schemas": definitions.get("$defs", {}),
                       "securitySchemes": {"token": {"type": "http", "scheme": "bearer"},
                                           "session": {"type": "apiKey", "in": "cookie", "name": "session"}}},
    }
    app.extensions["sf_openapi"] = document
    return document


def _describe(rule, spec: Operation, refs: dict, method: str) -> dict:
    described: dict[str, Any] = {"operationId": rule.endpoint.removeprefix("api.") + (
        "" if len(rule.methods - {"HEAD", "OPTIONS"}) == 1 else f"_{method.lower()}"), "summary": spec.summary}
    if spec.tags:
        described["tags"] = spec.tags
    parameters = _path_parameters(rule) + (_query_parameters(spec.query) if spec.query else [])
    if parameters:
        described["parameters"] = parameters
    if spec.body is not None:
        described["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": refs[(spec.body, "validation")]}}}
    responses = {}
    for status, model in sorted(spec.statuses().items()):
        entry: dict[str, Any] = {"description": DESCRIPTIONS.get(status, API_CODES.get(status, ""))}
        if model is not None:
            entry["content"] = {"application/json": {"schema": refs[(model, "serialization")]}}
        responses[str(status)] = entry
    described["responses"] = responses
    described["security"] = [{"token": []}, {"session": []}] if spec.signed_in else [{}, {"token": []}, {"session": []}]
    return described


def document_view():
    return jsonify(openapi_document(current_app))
