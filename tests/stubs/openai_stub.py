"""A stand-in for an OpenAI-compatible chat server: ``POST /v1/chat/completions``.

The "model" is deterministic: it reads the user message (JSON with ``prompt`` and
``injected``, as ``OpenAICompatExpander`` sends it, or plain text), answers with the
injected lines followed by the prompt, names capitalised words as character mentions,
and proposes ``hair`` changes for "X dyes her hair Y". ``mode`` picks the server's
behaviour:

- ``schema``           supports ``json_schema`` and ``json_object`` (like OpenAI)
- ``json_object_only`` rejects ``json_schema`` with 400, supports ``json_object``
- ``text_only``        rejects any ``response_format`` with 400; answers prose with a ```json fence
- ``length``           stops early: ``finish_reason: "length"``, half a JSON object
- ``refusal``          ``message.refusal`` set, no content
- ``invalid_json``     says it stopped normally but the content is not JSON
- ``wrong_shape``      valid JSON with the wrong types
- ``drop_descriptors`` forgets the injected lines
- ``too_long``         an expanded prompt of 2500 characters
- ``html``             a proxy's HTML page with HTTP 200 instead of JSON
- ``outage``           HTTP 500 with an HTML error page, every time

    python -m tests.stubs.openai_stub --port 8103 [--mode schema] [--api-key KEY]
"""
from __future__ import annotations

import argparse
import json
import re
import time
from dataclasses import dataclass
from typing import Any

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from tests.stubs.common import StubServer, StubSettings, command_line, json_response

MODES = (
    "schema", "json_object_only", "text_only", "length", "refusal",
    "invalid_json", "wrong_shape", "drop_descriptors", "too_long", "html", "outage",
)
_NAME = re.compile(r"\b[A-Z][a-z]+(?:'s)?")
_NOT_NAMES = {"The", "A", "An", "Then", "She", "He", "They", "It", "In", "At", "On"}
_HAIR_CHANGE = re.compile(r"\b([A-Z][a-z]+) dyes (?:her|his|their) hair (\w+)")


@dataclass
class OpenAISettings(StubSettings):
    mode: str = "schema"


def _error(message: str, status: int = 400, param: str | None = None) -> Response:
    return json_response(
        {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": None}}, status
    )


class OpenAIStub(StubServer):
    """An OpenAI-compatible chat completions server with scriptable quirks (``configure(mode=...)``)."""

    settings: OpenAISettings
    settings_class = OpenAISettings
    url_map = Map([Rule("/v1/chat/completions", endpoint="chat_completions", methods=["POST"])])

    def __init__(self, *, api_key: str | None = None, host: str = "127.0.0.1", port: int = 0):
        super().__init__(api_key=api_key, host=host, port=port)

    @property
    def api_url(self) -> str:
        """The base URL to give ``OpenAICompatExpander``."""
        return self.url + "/v1"

    def transient_failure(self, status: int, retry_after: str | None) -> Response:
        headers = {"Retry-After": retry_after} if retry_after and status in (429, 503) else None
        message = "Rate limit reached" if status == 429 else "The server is overloaded"
        return json_response({"error": {"message": message, "type": "server_error"}}, status, headers)

    def chat_completions(self, request: Request) -> Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list) or not body.get("model"):
            return _error("'model' and 'messages' are required.")
        mode = self.settings.mode
        if mode in ("html", "outage"):
            page = "<html><head><title>Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
            return Response(page, status=200 if mode == "html" else 500, mimetype="text/html")
        response_format = body.get("response_format")
        kind = response_format.get("type") if isinstance(response_format, dict) else None
        if kind == "json_schema":
            if mode in ("json_object_only", "text_only"):
                return _error(
                    "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.",
                    param="response_format",
                )
            schema = response_format.get("json_schema")
            if not isinstance(schema, dict) or not schema.get("name") or not isinstance(schema.get("schema"), dict):
                return _error("response_format.json_schema needs a name and a schema.", param="response_format")
        elif kind == "json_object" and mode == "text_only":
            return _error("response_format is not supported by this server.", param="response_format")
        elif response_format is not None and kind not in ("json_object", "text"):
            return _error(f"Unknown response_format type {kind!r}.", param="response_format")

        answer = self._think(body["messages"])
        content: str | None = json.dumps(answer)
        refusal, finish_reason = None, "stop"
        if mode == "text_only" or kind is None:
            content = f"Sure! Here is the expansion:\n```json\n{json.dumps(answer, indent=2)}\n```\nEnjoy."
        if mode == "length":
            content, finish_reason = content[: len(content) // 2], "length"
        elif mode == "refusal":
            content, refusal = None, "I'm sorry, but I can't help with that request."
        elif mode == "invalid_json":
            content = '{"expanded_prompt": "A scene, "mentions": [}'
        elif mode == "wrong_shape":
            content = json.dumps({"expanded_prompt": 42, "mentions": "Mara", "proposed_changes": {}})
        return json_response(
            {
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content, "refusal": refusal},
                        "finish_reason": finish_reason,
                    }
                ],
                "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150},
            }
        )

    def _think(self, messages: list[Any]) -> dict[str, Any]:
        """The deterministic "model": injected lines, then the prompt."""
        users = [m.get("content") for m in messages if isinstance(m, dict) and m.get("role") == "user"]
        user = users[-1] if users else ""
        try:
            facts = json.loads(user)
        except (TypeError, ValueError):
            facts = {"prompt": str(user), "injected": []}
        if not isinstance(facts, dict):
            facts = {"prompt": str(user), "injected": []}
        prompt = str(facts.get("prompt", ""))
        injected = [line for line in facts.get("injected") or [] if isinstance(line, str)]
        if self.settings.mode == "drop_descriptors":
            injected = []
        expanded = " ".join([*injected, f"{prompt.rstrip('.')}, filmed in a slow dolly shot with soft light."])
        if self.settings.mode == "too_long":
            expanded = (expanded + " ") * (2500 // max(1, len(expanded)) + 1)
            expanded = expanded[:2500]
        names = []
        for match in _NAME.finditer(prompt):
            if match.group(0) not in _NOT_NAMES and match.group(0) not in [n["text"] for n in names]:
                names.append({"text": match.group(0), "name": match.group(0).removesuffix("'s"), "kind": "character"})
        changes = [
            {"entity": m.group(1), "op": "set_attribute", "key": "hair", "value": m.group(2)}
            for m in _HAIR_CHANGE.finditer(prompt)
        ]
        return {"expanded_prompt": expanded, "mentions": names, "proposed_changes": changes}

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--mode", choices=MODES, default="schema", help="how the server behaves")

    def apply_arguments(self, args: argparse.Namespace) -> None:
        self.configure(mode=args.mode)


def main(argv: list[str] | None = None) -> None:
    command_line(OpenAIStub, "OpenAI-compatible chat stub", argv)


if __name__ == "__main__":
    main()
