from flask import current_app, render_template

from app.api import bp, docs_bp
from app.api import schemas as s
from app.api.auth import api_user
from app.api.spec import answer, document_view, openapi_document, operation
from app.topics.catalog import list_topics


@bp.get("/me")
@operation("Who you are", signed_in=True, responses={200: s.Me}, tags=("account",))
def me():
    return answer(s.Me, {"user": api_user().to_json()})


@bp.get("/topics")
@operation("The topics scenes are filed under", responses={200: s.Topics}, tags=("topics",))
def topics():
    return answer(s.Topics, {"topics": [t.to_json() for t in list_topics()]})


bp.add_url_rule("/openapi.json", "openapi", document_view)


def type_name(schema: dict) -> str:
    """A JSON schema as a reader would say it: "string", "integer or null", "list of Segment"."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(type_name(option) for option in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(f'"{value}"' for value in schema["enum"])
    if "const" in schema:
        return f'"{schema["const"]}"'
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {type_name(schema.get('items', {}))}"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"map of {type_name(schema['additionalProperties'])}"
    return "null" if kind == "null" else str(kind)


@docs_bp.get("/docs")
def docs():
    """The API reference, rendered on the server from the OpenAPI document."""
    return render_template("api/docs.html", doc=openapi_document(current_app), type_name=type_name)
