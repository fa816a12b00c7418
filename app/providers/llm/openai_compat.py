"""Prompt expansion through any OpenAI-compatible chat endpoint (OpenAI, Ollama, vLLM, llama.cpp).

Servers differ in structured-output support, so the answer format falls back step by
step: ``json_schema`` (strict) → ``json_object`` → plain text with the JSON fished out
of it. A server's 400 that names ``response_format``/``json_schema``/``json_object``
moves to the next step, and the step that worked is remembered for later calls. The
answer is validated here whatever the server promised, and every injected descriptor
line is guaranteed to appear word for word in the expanded prompt: lines the model
dropped are appended.
"""
from __future__ import annotations

import json
import random as _random
import re
import time
from collections.abc import Callable
from typing import Any

import requests

from app.providers.errors import ProviderError
from app.providers.http import HttpClient, error_message
from app.providers.llm.base import ExpanderError, Expansion, PromptExpander

MAX_EXPANDED_CHARS = 2000
MENTION_KINDS = ("character", "location", "prop", "style")

SYSTEM_PROMPT = """You expand short story prompts into one detailed shot description for a text-to-video model.
You receive JSON with the user's "prompt", the "injected" descriptor lines of the story's established
characters, places, props and style, and optionally "style", "location" and "previous_prompt".
Rules:
- Copy every line of "injected" into expanded_prompt word for word; do not reword, merge or shorten them.
- Then describe the action of "prompt" concretely (camera, motion, light), in at most 120 words.
- Never contradict the injected descriptors.
- mentions: every character, location, prop or style the prompt refers to, as written ("text"),
  its base name ("name") and its kind: character, location, prop or style.
- proposed_changes: only lasting changes the prompt states (e.g. hair dyed blonde):
  {"entity": name, "op": "set_attribute" | "add_state" | "remove_state", "key": attribute or state, "value": text}.
Answer with a single JSON object with the keys expanded_prompt, mentions and proposed_changes, and nothing else."""

EXPANSION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["expanded_prompt", "mentions", "proposed_changes"],
    "properties": {
        "expanded_prompt": {"type": "string"},
        "mentions": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["text", "name", "kind"],
                "properties": {
                    "text": {"type": "string"},
                    "name": {"type": "string"},
                    "kind": {"type": "string", "enum": list(MENTION_KINDS)},
                },
            },
        },
        "proposed_changes": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["entity", "op", "key", "value"],
                "properties": {
                    "entity": {"type": "string"},
                    "op": {"type": "string"},
                    "key": {"type": "string"},
                    "value": {"type": "string"},
                },
            },
        },
    },
}

#: the answer formats tried in order; None means "no response_format, read JSON from the text"
RESPONSE_FORMATS: tuple[dict[str, Any] | None, ...] = (
    {"type": "json_schema", "json_schema": {"name": "expansion", "strict": True, "schema": EXPANSION_SCHEMA}},
    {"type": "json_object"},
    None,
)
_FORMAT_COMPLAINT = re.compile(r"response_format|json_schema|json_object|structured output", re.IGNORECASE)
_FENCE = re.compile(r"```(?:json)?\s*(\{.*?\})\s*```", re.DOTALL | re.IGNORECASE)


def extract_json_object(text: str) -> Any:
    """The first JSON object in ``text``: the whole text, a fenced block, or a balanced ``{...}``."""
    text = text.strip()
    candidates = [text, *(m.group(1) for m in _FENCE.finditer(text))]
    start = text.find("{")
    while start != -1:
        end = _balanced_end(text, start)
        if end is None:
            break
        candidates.append(text[start : end + 1])
        start = text.find("{", end + 1)
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    raise ExpanderError("The language model did not answer with readable JSON.")


def _balanced_end(text: str, start: int) -> int | None:
    depth, in_string, escaped = 0, False, False
    for index in range(start, len(text)):
        char = text[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
    return None


def validate_expansion(data: Any) -> Expansion:
    """An ``Expansion`` from the model's JSON, or ``ExpanderError`` naming what is wrong.

    ``mentions``/``proposed_changes`` may be missing (read as empty) but must have the
    right shape when present; mentions of an unknown kind are dropped, since they are
    only hints for the continuity engine's own linking.
    """
    if not isinstance(data, dict):
        raise ExpanderError("The language model's JSON is not an object.")
    expanded = data.get("expanded_prompt")
    if not isinstance(expanded, str) or not expanded.strip():
        raise ExpanderError("The language model's answer has no expanded_prompt text.")
    if len(expanded) > MAX_EXPANDED_CHARS:
        raise ExpanderError(f"The language model's expanded prompt is longer than {MAX_EXPANDED_CHARS} characters.")
    mentions = [
        {key: item[key].strip() for key in ("text", "name", "kind")}
        for item in _records(data.get("mentions"), ("text", "name", "kind"), "mentions")
    ]
    for mention in mentions:
        mention["kind"] = mention["kind"].lower()
    changes = _records(data.get("proposed_changes"), ("entity", "op", "key", "value"), "proposed_changes")
    return Expansion(
        expanded_prompt=expanded.strip(),
        mentions=[m for m in mentions if m["kind"] in MENTION_KINDS and m["name"]],
        proposed_changes=[dict(change) for change in changes],
    )


def _records(value: Any, keys: tuple[str, ...], field: str) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(
        isinstance(item, dict) and all(isinstance(item.get(key), str) for key in keys) for item in value
    ):
        raise ExpanderError(f"The language model's {field} are not a list of {{{', '.join(keys)}}} objects.")
    return value


def keep_descriptors(expansion: Expansion, injected: list[str]) -> Expansion:
    """``expansion`` with every injected line present verbatim (missing ones appended in order)."""
    text = expansion.expanded_prompt
    missing = [line.strip() for line in injected if line.strip() and line.strip() not in text]
    if not missing:
        return expansion
    text = " ".join([text if text[-1] in ".!?" else text + ".", *missing])
    return Expansion(text, expansion.mentions, expansion.proposed_changes)


class OpenAICompatExpander(PromptExpander):
    """Expands prompts with a chat model behind ``{base_url}/chat/completions``."""

    name = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout: float = 60.0,
        temperature: float = 0.2,
        max_tokens: int = 1200,
        max_attempts: int = 3,
        max_seconds: float | None = 10.0,
        backoff_base: float = 1.0,
        backoff_max: float = 20.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = _random.random,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.url = base_url.rstrip("/") + "/chat/completions"
        #: the most one ``expand`` may take, every try and wait included (None: only the attempts bound it)
        self.max_seconds = max_seconds
        self.clock = clock
        self.model = model
        self.api_key = api_key
        self.temperature = temperature
        self.max_tokens = max_tokens
        #: index into RESPONSE_FORMATS of the first format this server is still believed to take
        self.format_level = 0
        self.http = HttpClient(
            "The language model",
            max_attempts=max_attempts,
            backoff_base=backoff_base,
            backoff_max=backoff_max,
            timeout=(min(10.0, timeout), timeout),
            session=session,
            sleep=sleep,
            random=random,
            clock=clock,
        )

    def expand(self, prompt: str, context: dict[str, Any]) -> Expansion:
        injected = [line for line in context.get("injected") or [] if isinstance(line, str)]
        messages = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": json.dumps(self._request_facts(prompt, context, injected), ensure_ascii=False)},
        ]
        deadline = self.clock() + self.max_seconds if self.max_seconds else None
        while True:
            response_format = RESPONSE_FORMATS[self.format_level]
            answer = self._ask(messages, response_format, deadline)
            if answer is not None:
                return keep_descriptors(validate_expansion(self._read_json(answer, response_format)), injected)
            self.format_level += 1

    @staticmethod
    def _request_facts(prompt: str, context: dict[str, Any], injected: list[str]) -> dict[str, Any]:
        facts: dict[str, Any] = {"prompt": prompt, "injected": injected}
        for key in ("style", "location", "previous_prompt"):
            if context.get(key):
                facts[key] = context[key]
        return facts

    def _ask(
        self, messages: list[dict[str, str]], response_format: dict[str, Any] | None, deadline: float | None = None
    ) -> dict[str, Any] | None:
        """The first choice of the answer, or None when the server refused ``response_format``."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
        }
        if response_format is not None:
            body["response_format"] = response_format
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            response = self.http.call("POST", self.url, json=body, headers=headers, accept=(400, 422), deadline=deadline)
            if response.status_code in (400, 422):
                message = error_message(response)
                if response_format is not None and _FORMAT_COMPLAINT.search(message):
                    return None
                raise ExpanderError(f"The language model rejected the request: {message}")
            data = self.http.json(response, "the chat completion")
        except ProviderError as exc:
            raise ExpanderError(exc.message, transient=exc.transient) from exc
        choices = data.get("choices") if isinstance(data, dict) else None
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise ExpanderError("The language model's answer has no choices.")
        return choices[0]

    @staticmethod
    def _read_json(choice: dict[str, Any], response_format: dict[str, Any] | None) -> Any:
        message = choice.get("message")
        if not isinstance(message, dict):
            raise ExpanderError("The language model's answer has no message.")
        if message.get("refusal"):
            raise ExpanderError(f"The language model refused to expand this prompt: {message['refusal']}")
        if choice.get("finish_reason") == "length":
            raise ExpanderError("The language model's answer was cut off (finish_reason 'length').")
        content = message.get("content")
        if not isinstance(content, str) or not content.strip():
            raise ExpanderError("The language model's answer is empty.")
        if response_format is not None:
            try:
                return json.loads(content)
            except ValueError:
                pass  # some servers still wrap "JSON mode" answers in prose or fences
        return extract_json_object(content)
