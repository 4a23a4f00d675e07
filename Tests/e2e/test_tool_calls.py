"""Tool calls through the official OpenAI SDK, whole and streamed, for every parser family and backend dialect."""

import collections
import json
from typing import Literal

import openai
import pydantic
import pytest

from support import (EAGER_TARGETS, FAMILIES, SCENARIOS, TARGETS, TOOL_SCENARIOS, assemble_stream, calls_of,
                     captures, expected_calls, id_pattern, parser_definition, request, same_content)

STREAM_TARGETS = {**TARGETS, **EAGER_TARGETS}


def check_message(message, finish_reason, family, record):
    """A returned message is what the capture says the raw output means, with well-formed calls."""
    assert message.role == "assistant"
    assert calls_of(message) == expected_calls(record)
    assert same_content(message.content, record["expected"]["content"]), repr(message.content)
    assert finish_reason == ("tool_calls" if record["expected"]["tool_calls"] else "stop")
    calls = message.tool_calls or []
    for call in calls:
        assert call.type == "function"
        assert id_pattern(family).match(call.id), call.id
    assert len({call.id for call in calls}) == len(calls), "tool-call ids repeat"


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("target", TARGETS)
def test_whole_response_carries_the_parsed_calls(client, gateway, target, scenario):
    family = TARGETS[target]
    record = captures(family)[scenario]
    response = client.chat.completions.create(model=target, **request(family, scenario))
    assert response.object == "chat.completion"
    assert response.model == target
    assert response.id.startswith("chatcmpl-")
    assert len(response.choices) == 1 and response.choices[0].index == 0
    check_message(response.choices[0].message, response.choices[0].finish_reason, family, record)
    # The backend produced the scenario's own capture (not another one picked by a looser match).
    assert gateway.capture_line(response.id)["text"] == record["text"]


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("target", STREAM_TARGETS)
def test_streamed_deltas_assemble_to_the_whole_response(client, target, scenario):
    family = STREAM_TARGETS[target]
    fields = request(family, scenario)
    whole = client.chat.completions.create(model=target, **fields)
    streamed = assemble_stream(client.chat.completions.create(model=target, stream=True, **fields))
    message = whole.choices[0].message
    assert streamed["content"] == message.content
    assert [(call["function"]["name"], call["function"]["arguments"]) for call in streamed["tool_calls"]] == \
        [(call.function.name, call.function.arguments) for call in message.tool_calls or []]
    for call in streamed["tool_calls"]:
        assert call["type"] == "function"
        assert id_pattern(family).match(call["id"]), call["id"]
    assert streamed["finish_reason"] == whole.choices[0].finish_reason
    assert streamed["usage"] is None, "usage sent without stream_options.include_usage"


@pytest.mark.parametrize("scenario", TOOL_SCENARIOS + ["text"])
@pytest.mark.parametrize("target", STREAM_TARGETS)
def test_sdk_stream_helper_builds_the_same_message(client, target, scenario):
    family = STREAM_TARGETS[target]
    record = captures(family)[scenario]
    fields = request(family, scenario)
    argument_deltas = collections.defaultdict(str)
    with client.chat.completions.stream(model=target, **fields) as stream:
        for event in stream:
            if event.type == "tool_calls.function.arguments.delta":
                argument_deltas[event.index] += event.arguments_delta
        final = stream.get_final_completion()
    check_message(final.choices[0].message, final.choices[0].finish_reason, family, record)
    arguments = [call.function.arguments for call in final.choices[0].message.tool_calls or []]
    assert [argument_deltas[i] for i in range(len(arguments))] == arguments


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("target", TARGETS)
def test_parallel_tool_calls_false_returns_the_first_call_only(client, target, stream):
    family = TARGETS[target]
    record = captures(family)["parallel"]
    fields = request(family, "parallel", parallel_tool_calls=False)
    if stream:
        message = assemble_stream(client.chat.completions.create(model=target, stream=True, **fields))
        finish_reason = message["finish_reason"]
    else:
        response = client.chat.completions.create(model=target, **fields)
        message, finish_reason = response.choices[0].message, response.choices[0].finish_reason
    assert calls_of(message) == expected_calls(record)[:1]
    assert finish_reason == "tool_calls"


@pytest.mark.parametrize("target", TARGETS)
def test_include_usage_adds_one_final_usage_chunk(client, target):
    family = TARGETS[target]
    fields = request(family, "single")
    whole = client.chat.completions.create(model=target, **fields)
    chunks = list(client.chat.completions.create(model=target, stream=True,
                                                 stream_options={"include_usage": True}, **fields))
    assert chunks[-1].choices == [] and chunks[-1].usage is not None, chunks[-1]
    assert all(chunk.usage is None for chunk in chunks[:-1])
    usage = chunks[-1].usage
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert usage == whole.usage
    if target in FAMILIES:  # the replay backend reports the capture's counts
        counts = captures(family)["single"]["usage"]
        assert (usage.prompt_tokens, usage.completion_tokens) == (counts["prompt_tokens"], counts["completion_tokens"])


@pytest.mark.parametrize("family", FAMILIES)
def test_tool_choice_shapes_the_prompt_the_backend_gets(client, gateway, family):
    prefill = parser_definition(family)["prefill"]

    def backend_prompt(scenario):
        response = client.chat.completions.create(model=family, **request(family, scenario))
        return gateway.capture_line(response.id)["prompt"]

    for tool in ("get_weather", "get_time"):
        assert tool in backend_prompt("single"), "tool_choice auto: the tools are in the prompt"
        assert tool not in backend_prompt("none"), "tool_choice none: no tool is in the prompt"
    assert backend_prompt("required").endswith(prefill["any"])
    assert backend_prompt("named").endswith(prefill["named"].replace("{name}", "get_weather"))


def test_models_are_listed_in_configuration_order(client):
    names = [model.id for model in client.models.list()]
    assert names[:len(FAMILIES)] == FAMILIES
    assert set(TARGETS) | set(EAGER_TARGETS) <= set(names)
    assert client.models.retrieve("mistral").id == "mistral"


@pytest.mark.parametrize("target", ["hermes", "hermes-llamacpp"])
def test_text_completions_pass_the_prompt_through(client, target):
    record = captures("hermes")["text"]
    prompt = f"<|im_start|>user\n{record['last_user_message']}<|im_end|>\n<|im_start|>assistant\n"
    whole = client.completions.create(model=target, prompt=prompt, max_tokens=32)
    assert whole.choices[0].text == record["text"]
    streamed = "".join(chunk.choices[0].text for chunk in
                       client.completions.create(model=target, prompt=prompt, max_tokens=32, stream=True)
                       if chunk.choices)
    assert streamed == record["text"]


def test_arguments_are_json_objects_in_every_family(client):
    # Schema typing: qwen3_coder's XML values and pythonic literals come out as JSON of the schema's types.
    for family in FAMILIES:
        response = client.chat.completions.create(model=family, **request(family, "single"))
        arguments = json.loads(response.choices[0].message.tool_calls[0].function.arguments)
        assert arguments == {"city": "Paris", "unit": "celsius", "days": 3}, family
        assert isinstance(arguments["days"], int), family


class GetWeather(pydantic.BaseModel):
    city: str
    unit: Literal["celsius", "fahrenheit"]
    days: int


@pytest.mark.parametrize("family", FAMILIES)
def test_sdk_parse_fills_pydantic_arguments_for_strict_tools(client, family):
    # Agents built on the SDK's structured helpers: strict function tools from a pydantic model, and
    # `parse()` validating the arguments into it.
    tool = openai.pydantic_function_tool(GetWeather, name="get_weather")
    completion = client.chat.completions.parse(model=family, messages=request(family, "single")["messages"],
                                               tools=[tool])
    call = completion.choices[0].message.tool_calls[0]
    assert call.function.parsed_arguments == GetWeather(city="Paris", unit="celsius", days=3)
