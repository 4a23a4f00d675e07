"""A two-turn conversation on a real engine: the second prompt holds the first turn's raw bytes.

The first turn is what the engine really generated (a random model's call, in whatever spacing and escapes
the grammar let it choose), read from the bytes the proxy recorded; the second prompt must carry exactly
those bytes (after the prefill toolgate put into the first prompt), not a re-serialization of the call.
"""

import json

import pytest

import support
from backend_proxy import decode
from support import CALL_MAX_TOKENS, TEXT_MAX_TOKENS, TOOLS, message_dict, user

pytestmark = pytest.mark.usefixtures("engine_alive")

FIRST = [user("What is the weather in Paris? Use a tool.")]


def prefill_of(engine, tool_choice):
    with open(support.PARSERS / f"{engine.parser}.json", encoding="utf-8") as file:
        prefill = json.load(file).get("prefill") or {}
    if tool_choice == "required":
        return prefill.get("any", "")
    return prefill.get("named", "").replace("{name}", tool_choice["function"]["name"])


def prompt_of(request):
    return request.get("prompt") or request.get("inputs")


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("tool_choice", ["required", {"type": "function", "function": {"name": "set_mode"}}],
                         ids=["required", "named"])
def test_second_prompt_holds_the_first_turns_raw_output(client, engine, proxy, tool_choice, stream):
    fields = {"model": "target", "tools": TOOLS, "tool_choice": tool_choice, "seed": 71,
              "max_tokens": CALL_MAX_TOKENS}
    mark = proxy.mark()
    if stream:
        with client.chat.completions.stream(messages=FIRST, **fields) as events:
            message = events.get_final_completion().choices[0].message
    else:
        message = client.chat.completions.create(messages=FIRST, **fields).choices[0].message
    assert message.tool_calls, f"no call in the first turn: {message}"
    first = proxy.only_since(mark)
    first_prompt = prompt_of(first.request)
    prefill = prefill_of(engine, tool_choice)
    assert first_prompt.endswith(prefill)
    raw = prefill + decode(engine.dialect, first).text

    history = FIRST + [message_dict(message)]
    history += [{"role": "tool", "tool_call_id": call.id, "content": f"result {i}"}
                for i, call in enumerate(message.tool_calls)]
    mark = proxy.mark()
    client.chat.completions.create(model="target", messages=history, tools=TOOLS, seed=72, max_tokens=TEXT_MAX_TOKENS)
    second_prompt = prompt_of(proxy.only_since(mark).request)

    # The conversation so far is unchanged, and the assistant turn is the model's own bytes, exactly once.
    base = first_prompt[:len(first_prompt) - len(prefill)]
    assert second_prompt.startswith(base), "the second prompt does not extend the first"
    turn = second_prompt[len(base):]
    stripped = raw.rstrip()
    assert stripped in turn, f"the first turn's raw output is not in the second prompt:\n{raw!r}\n---\n{turn!r}"
    assert turn.count(stripped) == 1
    assert turn.index(stripped) <= 1, turn[:120]
