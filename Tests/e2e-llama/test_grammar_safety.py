"""An invalid GBNF grammar kills llama-cpp-python's server (llama.cpp's own server answers 400), so toolgate
must only ever send grammars it generated and checked.

Every test of this suite runs behind a proxy that parses each grammar toolgate sends with llama.cpp's own
parser (grammar_check.py) and fails the test that sent one it rejects (conftest.engine_alive); the tests here
push on the ways a bad grammar could get through: a client's own grammar fields, and tool schemas full of
what a grammar writer must escape or cannot express.
"""

import json
import os

import httpx
import jsonschema
import pytest

import support
from backend_proxy import constraint_of
from support import CALL_MAX_TOKENS, user

INVALID_GRAMMAR = 'root ::= ( "never closed"'


@pytest.mark.local_engine
def test_llama_cpp_python_dies_on_a_grammar_llama_cpp_rejects(engine, grammar_checker, workdir):
    # The engine's behaviour that makes the rest necessary, on a private server (the shared one must live).
    assert not grammar_checker.parses(INVALID_GRAMMAR)
    port = support.unused_port()
    url = f"http://127.0.0.1:{port}"
    process = support.Process(
        "llama-cpp-python-doomed",
        [os.sys.executable, "-m", "llama_cpp.server", "--model", str(engine.models["tiny-bytes"]),
         "--host", "127.0.0.1", "--port", str(port), "--verbose", "false"],
        workdir, lambda _: support.is_serving(url + "/v1/models"), marker="llama_cpp.server")
    try:
        with pytest.raises(httpx.TransportError):
            httpx.post(url + "/v1/completions", json={"prompt": "hi", "max_tokens": 4, "grammar": INVALID_GRAMMAR},
                       timeout=60)
        process.popen.wait(timeout=30)
        assert process.popen.returncode != 0, "llama-cpp-python exited cleanly"
    finally:
        process.stop()


CLIENT_GRAMMAR_FIELDS = {
    "grammar": INVALID_GRAMMAR,
    "guided_grammar": INVALID_GRAMMAR,
    "json_schema": {"type": "object", "properties": {"a": {"$ref": "#/nowhere"}}},
    "guided_json": {"type": "object", "properties": {"a": {"$ref": "#/nowhere"}}},
    "grammar_lazy": True,
}


@pytest.mark.usefixtures("engine_alive")
@pytest.mark.parametrize("route", ["chat/completions", "completions"])
def test_grammar_fields_from_a_client_never_reach_the_engine(gateway, proxy, route):
    if route == "completions":
        body = {"model": "target", "prompt": "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"}
    else:
        body = {"model": "target", "messages": [user("hi")], "tools": support.TOOLS}
    mark = proxy.mark()
    response = httpx.post(f"{gateway.base_url}/{route}", json={**body, "max_tokens": 8, **CLIENT_GRAMMAR_FIELDS},
                          timeout=120)
    # Refused as a bad request, or served without them; never passed on.
    assert response.status_code in (200, 400), response.text
    for exchange in proxy.since(mark):
        assert constraint_of(exchange.request) is None, f"a client's constraint reached the engine: {exchange.request}"
        assert "grammar_lazy" not in exchange.request


# Schemas that stress a grammar writer: characters to escape in keys and values (tool names are limited to
# letters, digits and `_.-`: toolgate refuses others), nesting, arrays, unions, references, numbers, and
# keywords a grammar may not express (it must then send a looser valid grammar or none, never a broken one).
# Every value is bounded so a random model finishes in a few dozen tokens.
HARD_TOOLS = [
    {"type": "function", "function": {"name": "odd.name-with_dashes", "description": "escapes",
     "parameters": {"type": "object", "properties": {
         "key with \"quotes\" and \\ and\nnewline": {"type": "string", "enum": ["a\"b", "c\\d", "e\nf", "ü", ""]},
         "控制": {"const": "\u0001\t\u2028"},
     }, "required": ["key with \"quotes\" and \\ and\nnewline", "控制"]}}},
    {"type": "function", "function": {"name": "nested", "description": "objects and arrays",
     "parameters": {"type": "object", "properties": {
         "point": {"type": "object", "properties": {"x": {"type": "integer", "minimum": -5, "maximum": 5},
                                                     "y": {"type": "number", "minimum": 0, "maximum": 1}},
                   "required": ["x", "y"], "additionalProperties": False},
         "tags": {"type": "array", "items": {"type": "string", "enum": ["red", "green"]}, "maxItems": 2},
         "flag": {"type": ["boolean", "null"]},
     }, "required": ["point", "tags"], "additionalProperties": False}}},
    {"type": "function", "function": {"name": "refs_and_unions", "description": "$defs, anyOf, oneOf",
     "parameters": {"$defs": {"small": {"type": "integer", "minimum": 0, "maximum": 9}},
                    "type": "object", "properties": {
                        "choice": {"anyOf": [{"$ref": "#/$defs/small"}, {"type": "string", "enum": ["none"]}]},
                        "other": {"oneOf": [{"type": "boolean"}, {"$ref": "#/$defs/small"}]},
                    }, "required": ["choice"], "additionalProperties": False}}},
    {"type": "function", "function": {"name": "inexpressible", "description": "pattern, format, not",
     "parameters": {"type": "object", "properties": {
         "code": {"type": "string", "pattern": "^[A-Z]{2}[0-9]$", "maxLength": 3},
         "day": {"type": "string", "format": "date", "maxLength": 10},
         # `not` is ignored by the grammar; the type list keeps the value short for a random model.
         "anything_but": {"not": {"type": "string"}, "type": ["boolean", "null"]},
     }, "required": ["code"]}}},
]


# Keywords toolgate's grammars leave out (the grammar is then looser than the schema, never broken: README,
# "Constrained tool choice"); a call under such a grammar is checked against the rest of the schema.
UNENFORCED = {"format", "not"}


def enforceable(schema):
    """The schema without the keywords in UNENFORCED (property names and definitions kept whatever they are)."""
    if isinstance(schema, list):
        return [enforceable(value) for value in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in ("properties", "$defs", "definitions") and isinstance(value, dict):
            out[key] = {name: enforceable(sub) for name, sub in value.items()}
        elif key not in UNENFORCED:
            out[key] = enforceable(value)
    return out


@pytest.mark.usefixtures("engine_alive")
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("tool_choice", ["required"] + [tool["function"]["name"] for tool in HARD_TOOLS])
def test_hard_schemas_give_a_checked_grammar_or_none_and_a_valid_call(client, engine, proxy, tool_choice, stream):
    chosen = tool_choice if tool_choice == "required" else {"type": "function", "function": {"name": tool_choice}}
    fields = {"model": "target", "messages": [user("Call a tool.")], "tools": HARD_TOOLS, "tool_choice": chosen,
              "max_tokens": CALL_MAX_TOKENS, "seed": 61}
    mark = proxy.mark()
    if stream:
        message = support.assemble_stream(client.chat.completions.create(stream=True, **fields))
    else:
        response = client.chat.completions.create(**fields)
        message = {"tool_calls": [call.model_dump() for call in response.choices[0].message.tool_calls or []],
                   "finish_reason": response.choices[0].finish_reason}
    request = proxy.only_since(mark).request
    constraint = constraint_of(request)
    if constraint is None:
        # toolgate writes a grammar for each of these (leaving out what it cannot hold) where the engine takes one.
        assert not engine.local, "no grammar was sent to llama-cpp-python"
        # No grammar for these schemas: nothing to hold the model, so nothing more to require of a random one.
        return
    schemas = {tool["function"]["name"]: enforceable(tool["function"]["parameters"]) for tool in HARD_TOOLS}
    assert message["finish_reason"] == "tool_calls", f"a grammar was sent but no call came: {message}"
    for call in message["tool_calls"]:
        name = call["function"]["name"]
        assert name in schemas and (tool_choice == "required" or name == tool_choice), name
        arguments = json.loads(call["function"]["arguments"])
        jsonschema.validate(arguments, schemas[name], cls=jsonschema.Draft202012Validator)
