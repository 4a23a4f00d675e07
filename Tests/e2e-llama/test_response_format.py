"""response_format through toolgate on a real engine: with no tool to call, a `json_schema` answer from any
model (a random one included) is a JSON document valid against the schema, because toolgate sends the engine a
checked grammar of the schema."""

import json

import jsonschema
import pytest

from backend_proxy import constraint_of
from support import CALL_MAX_TOKENS, assemble_stream, user

pytestmark = pytest.mark.usefixtures("engine_alive")

REPORT = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "maxLength": 12},
        "celsius": {"type": "integer", "minimum": -40, "maximum": 50},
        "sky": {"type": "string", "enum": ["clear", "cloudy", "rain"]},
    },
    "required": ["city", "celsius", "sky"],
    "additionalProperties": False,
}


@pytest.mark.parametrize("seed", [51, 52])
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_json_schema_answer_is_valid_against_the_schema(client, engine, proxy, stream, seed):
    mark = proxy.mark()
    fields = {"model": "target", "messages": [user("Report the weather in Paris as JSON.")],
              "max_tokens": CALL_MAX_TOKENS, "seed": seed,
              "response_format": {"type": "json_schema",
                                  "json_schema": {"name": "report", "strict": True, "schema": REPORT}}}
    if stream:
        message = assemble_stream(client.chat.completions.create(stream=True, **fields))
        content, finish = message["content"], message["finish_reason"]
    else:
        response = client.chat.completions.create(**fields)
        content, finish = response.choices[0].message.content, response.choices[0].finish_reason
    request = proxy.only_since(mark).request
    if engine.local:
        constraint = constraint_of(request)
        assert constraint is not None and constraint[0] == "grammar", f"no grammar sent: {sorted(request)}"
    assert finish == "stop", f"the answer did not end: {content!r}"
    jsonschema.validate(json.loads(content), REPORT, cls=jsonschema.Draft202012Validator)
