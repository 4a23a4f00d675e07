"""tool_choice through toolgate on a real engine: `required` and a named tool give a valid call from any model
(a random one included: the constraint toolgate sends makes it so), `none` gives plain text.

A valid call: a listed tool's name, arguments that are a JSON object valid against that tool's schema, an
OpenAI call id, finish_reason `tool_calls`; the same whole and streamed.
"""

import json

import jsonschema
import pytest

from backend_proxy import constraint_of, decode
from support import CALL_MAX_TOKENS, OPENAI_ID, TEXT_MAX_TOKENS, TOOL_SCHEMAS, TOOLS, assemble_stream, user

pytestmark = pytest.mark.usefixtures("engine_alive")

PROMPT = [user("What is the weather in Paris? Use a tool.")]


def check_call(call, name=None):
    """A call the client can act on: a listed (or the named) tool, schema-valid arguments, an OpenAI id."""
    called = call["function"]["name"]
    assert called in TOOL_SCHEMAS, f"{called!r} is not a listed tool"
    if name is not None:
        assert called == name
    arguments = json.loads(call["function"]["arguments"])
    assert isinstance(arguments, dict), arguments
    jsonschema.validate(arguments, TOOL_SCHEMAS[called], cls=jsonschema.Draft202012Validator)
    assert OPENAI_ID.match(call["id"]), call["id"]
    return called, arguments


def whole_message(response):
    message = response.choices[0].message
    calls = [call.model_dump() for call in message.tool_calls or []]
    return {"id": response.id, "content": message.content, "tool_calls": calls,
            "finish_reason": response.choices[0].finish_reason}


def ask(client, stream, **fields):
    fields = {"model": "target", "messages": PROMPT, "tools": TOOLS, "max_tokens": CALL_MAX_TOKENS, **fields}
    if stream:
        return assemble_stream(client.chat.completions.create(stream=True, **fields))
    return whole_message(client.chat.completions.create(**fields))


def check_constrained(engine, proxy, mark):
    """The engine got a constraint with the request (the local engine: a GBNF grammar in `grammar`)."""
    request = proxy.only_since(mark).request
    constraint = constraint_of(request)
    if engine.local:
        assert constraint is not None and constraint[0] == "grammar", f"no grammar sent: {sorted(request)}"
    return request


def describe(proxy, mark, engine):
    exchange = proxy.only_since(mark)
    try:
        return f"the engine wrote {decode(engine.dialect, exchange)!r}"
    except (AssertionError, NotImplementedError, ValueError) as error:
        return f"(engine output not decoded: {error})"


@pytest.mark.parametrize("seed", [11, 12])
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_required_gives_a_valid_call_to_a_listed_tool(client, engine, proxy, stream, seed):
    mark = proxy.mark()
    message = ask(client, stream, tool_choice="required", seed=seed)
    context = describe(proxy, mark, engine)
    assert message["finish_reason"] == "tool_calls", context
    assert message["tool_calls"], context
    for call in message["tool_calls"]:
        check_call(call)
    assert len({call["id"] for call in message["tool_calls"]}) == len(message["tool_calls"])
    check_constrained(engine, proxy, mark)


@pytest.mark.parametrize("name", [tool["function"]["name"] for tool in TOOLS])
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_a_named_tool_gives_a_valid_call_to_that_tool(client, engine, proxy, stream, name):
    mark = proxy.mark()
    message = ask(client, stream, tool_choice={"type": "function", "function": {"name": name}}, seed=21)
    context = describe(proxy, mark, engine)
    assert message["finish_reason"] == "tool_calls", context
    assert len(message["tool_calls"]) >= 1, context
    for call in message["tool_calls"]:
        check_call(call, name=name)
    check_constrained(engine, proxy, mark)


@pytest.mark.local_engine
@pytest.mark.parametrize("tool_choice", ["required", {"type": "function", "function": {"name": "set_mode"}}],
                         ids=["required", "named"])
def test_streamed_calls_equal_whole_calls_for_the_same_seed(client, tool_choice):
    # llama-cpp-python samples deterministically for a seed, so both answers come from the same output.
    whole = ask(client, False, tool_choice=tool_choice, seed=31)
    streamed = ask(client, True, tool_choice=tool_choice, seed=31)
    assert [(c["function"]["name"], c["function"]["arguments"]) for c in streamed["tool_calls"]] == \
        [(c["function"]["name"], c["function"]["arguments"]) for c in whole["tool_calls"]]
    assert whole["tool_calls"], whole


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_none_gives_plain_text_from_a_prompt_without_tools(client, engine, proxy, stream):
    mark = proxy.mark()
    message = ask(client, stream, tool_choice="none", seed=41, max_tokens=TEXT_MAX_TOKENS)
    assert message["tool_calls"] == []
    assert message["finish_reason"] in ("stop", "length")
    request = proxy.only_since(mark).request
    assert constraint_of(request) is None, "tool_choice none sent a constraint"
    prompt = request.get("prompt") or request.get("inputs")
    for tool in TOOL_SCHEMAS:
        assert tool not in prompt, f"tool_choice none: {tool} is in the prompt"
    if engine.dialect in ("openai", "llamacpp", "tgi", "ollama"):
        # The text is the engine's output as it is: nothing parsed out of it, nothing added.
        output = decode(engine.dialect, proxy.only_since(mark))
        assert (message["content"] or "") == output.text
        assert message["finish_reason"] == output.finish_reason
