"""OpenAICompatExpander against the OpenAI-compatible stub in each of its modes."""
from __future__ import annotations

import json

import pytest

from app.providers.llm.base import ExpanderError
from app.providers.llm.openai_compat import OpenAICompatExpander, extract_json_object
from tests.providers.conftest import API_KEY

CONTEXT = {
    "injected": [
        "Mara (C1): a tall woman with red hair and a blue coat.",
        "Old Mill (L1): a ruined stone mill by a river.",
    ],
    "style": "S1: hand-drawn watercolour",
    "location": "Old Mill (L1): a ruined stone mill by a river.",
    "previous_prompt": "Mara reaches the river.",
}
PROMPT = "Mara pushes open the door and Tomas follows."


def formats_sent(stub) -> list[str | None]:
    return [(c.json.get("response_format") or {}).get("type") for c in stub.calls("POST")]


def test_schema_server_gets_a_strict_json_schema_and_answers_in_one_call(expander, openai_stub):
    """A server with json_schema support is asked once, strictly, and its answer becomes the Expansion."""
    expansion = expander.expand(PROMPT, CONTEXT)

    request = openai_stub.calls("POST")[0]
    assert request.path == "/v1/chat/completions"
    assert request.headers["Authorization"] == f"Bearer {openai_stub.api_key}"
    response_format = request.json["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["strict"] is True
    schema = response_format["json_schema"]["schema"]
    assert set(schema["required"]) == {"expanded_prompt", "mentions", "proposed_changes"}
    assert "word for word" in request.json["messages"][0]["content"]
    assert json.loads(request.json["messages"][1]["content"])["injected"] == CONTEXT["injected"]
    assert expansion.expanded_prompt.startswith(CONTEXT["injected"][0])
    assert {m["name"] for m in expansion.mentions} == {"Mara", "Tomas"}
    assert expansion.proposed_changes == []


def test_proposed_changes_come_through(expander):
    """Lasting changes the model proposes reach the Expansion in the documented shape."""
    expansion = expander.expand("Mara dyes her hair blonde.", CONTEXT)

    assert expansion.proposed_changes == [{"entity": "Mara", "op": "set_attribute", "key": "hair", "value": "blonde"}]


def test_server_without_json_schema_falls_back_to_json_object_and_remembers(expander, openai_stub):
    """A 400 about json_schema makes the expander retry with json_object, and later calls start there."""
    openai_stub.configure(mode="json_object_only")

    first = expander.expand(PROMPT, CONTEXT)
    expander.expand(PROMPT, CONTEXT)

    assert formats_sent(openai_stub) == ["json_schema", "json_object", "json_object"]
    assert CONTEXT["injected"][1] in first.expanded_prompt


def test_text_only_server_falls_back_to_reading_fenced_json(expander, openai_stub):
    """A server that takes no response_format at all is asked in plain text and the fenced JSON is extracted."""
    openai_stub.configure(mode="text_only")

    expansion = expander.expand(PROMPT, CONTEXT)

    assert formats_sent(openai_stub) == ["json_schema", "json_object", None]
    assert expansion.expanded_prompt.endswith("soft light.")


def test_truncated_answer_is_an_error(expander, openai_stub):
    """finish_reason 'length' means the JSON was cut off: ExpanderError, not a half expansion."""
    openai_stub.configure(mode="length")

    with pytest.raises(ExpanderError, match="cut off"):
        expander.expand(PROMPT, CONTEXT)


def test_refusal_is_a_permanent_error(expander, openai_stub):
    """A refusal is reported with the model's words and is not marked transient."""
    openai_stub.configure(mode="refusal")

    with pytest.raises(ExpanderError) as caught:
        expander.expand(PROMPT, CONTEXT)

    assert "can't help" in caught.value.message
    assert caught.value.transient is False


@pytest.mark.parametrize("mode", ["invalid_json", "wrong_shape", "too_long"])
def test_unusable_answers_are_rejected(expander, openai_stub, mode):
    """Invalid JSON, wrong types and over-long prompts are ExpanderErrors, never a crash or a bad Expansion."""
    openai_stub.configure(mode=mode)

    with pytest.raises(ExpanderError):
        expander.expand(PROMPT, CONTEXT)


def test_dropped_descriptors_are_appended_verbatim(expander, openai_stub):
    """When the model leaves out injected descriptor lines, they are appended word for word, in order."""
    openai_stub.configure(mode="drop_descriptors")

    expansion = expander.expand(PROMPT, CONTEXT)

    first, second = CONTEXT["injected"]
    assert expansion.expanded_prompt.endswith(f"{first} {second}")


def test_busy_server_gives_a_transient_error_after_retries(expander, openai_stub, clock):
    """Repeated 503s are retried and then reported as a transient ExpanderError."""
    openai_stub.fail_next(503, 3, retry_after="")

    with pytest.raises(ExpanderError) as caught:
        expander.expand(PROMPT, CONTEXT)

    assert caught.value.transient is True
    assert len(clock.sleeps) == 2


def test_retries_stop_when_the_time_budget_is_spent(openai_stub, clock):
    """However many attempts are allowed, no retry waits past max_seconds: 6 tries over minutes become 3 within 10 s."""
    expander = OpenAICompatExpander(openai_stub.api_url, "stub-model", api_key=API_KEY, max_attempts=6,
                                    max_seconds=10.0, backoff_max=60.0, sleep=clock.sleep, clock=clock.monotonic,
                                    random=lambda: 0.5)
    openai_stub.fail_next(503, 6, retry_after="4")

    with pytest.raises(ExpanderError) as caught:
        expander.expand(PROMPT, CONTEXT)

    assert caught.value.transient is True
    assert clock.sleeps == [4.0, 4.0] and len(openai_stub.calls("POST")) == 3


def test_429_then_success(expander, openai_stub, clock):
    """A 429 with Retry-After is waited out and the expansion still arrives."""
    openai_stub.fail_next(429, retry_after="2")

    expander.expand(PROMPT, CONTEXT)

    assert clock.sleeps == [2.0]


def test_bad_key_is_not_transient(openai_stub, clock):
    """A 401 is a non-transient ExpanderError carrying the server's message."""
    expander = OpenAICompatExpander(openai_stub.api_url, "stub-model", api_key="wrong", sleep=clock.sleep)

    with pytest.raises(ExpanderError) as caught:
        expander.expand(PROMPT, CONTEXT)

    assert caught.value.transient is False
    assert "401" in caught.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ('Here you go:\n```json\n{"a": 1}\n```', {"a": 1}),
        ('Sure. {"a": 1} Hope that helps {not json}', {"a": 1}),
        ('Noise {broken} then {"a": 1, "b": "}"}', {"a": 1, "b": "}"}),
    ],
)
def test_json_is_found_in_chatty_text(text, expected):
    """The JSON object is found whether bare, fenced or embedded in prose (braces inside strings included)."""
    assert extract_json_object(text) == expected
