"""Multi-turn: when the client sends an assistant turn back, the prompt holds the model's own bytes.

The first turn's raw outputs are written so that rebuilding them from structured data would not give the
same bytes (odd spacing, a `parameters` key, double-quoted Python strings, text before the call), so these
tests fail if the gateway re-serializes a turn instead of replaying it from its call table.
"""

import pytest

from support import (FAMILIES, FOLLOW_UPS, TARGETS, captures, follow_up_messages, parser_definition, request,
                     same_content)


def first_turn_message(client, target, scenario, stream):
    """The assistant message of the first turn, as a client would append it to its history."""
    fields = request(TARGETS[target], scenario)
    if not stream:
        response = client.chat.completions.create(model=target, **fields)
        return response.id, response.choices[0].message.model_dump(exclude_none=True)
    with client.chat.completions.stream(model=target, **fields) as events:
        final = events.get_final_completion()
    message = final.choices[0].message
    # What a streaming client keeps: role, content and the calls (the helper adds parsed fields; drop them).
    kept = {"role": "assistant", "content": message.content,
            "tool_calls": [{"id": call.id, "type": "function",
                            "function": {"name": call.function.name, "arguments": call.function.arguments}}
                           for call in message.tool_calls]}
    return final.id, kept


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("scenario", list(FOLLOW_UPS))
@pytest.mark.parametrize("target", TARGETS)
def test_second_prompt_holds_the_first_turns_raw_output(client, gateway, target, scenario, stream):
    family = TARGETS[target]
    first_id, first_message = first_turn_message(client, target, scenario, stream)
    first = gateway.capture_line(first_id)
    # The first turn's raw output is the capture's, byte for byte; with a forced tool_choice the turn also
    # holds the prefill toolgate wrote into the prompt for the model to continue.
    raw = first["text"]
    assert raw == captures(family)[scenario]["text"]
    prefill = {"required": "any", "named": "named"}.get(scenario)
    if prefill:
        prefill_text = parser_definition(family)["prefill"][prefill].replace("{name}", "get_weather")
        assert first["prompt"].endswith(prefill_text)
        raw = prefill_text + raw
        first_prompt = first["prompt"][:-len(prefill_text)]
    else:
        first_prompt = first["prompt"]

    second = client.chat.completions.create(model=target, tools=request(family, scenario)["tools"],
                                            messages=follow_up_messages(family, scenario, first_message))
    answer = captures(family)[FOLLOW_UPS[scenario]]
    assert second.choices[0].message.tool_calls is None
    assert same_content(second.choices[0].message.content, answer["expected"]["content"])
    second_prompt = gateway.capture_line(second.id)["prompt"]

    # The conversation so far is unchanged, and the assistant turn is the model's raw output, exactly once.
    assert second_prompt.startswith(first_prompt), "the second prompt does not extend the first"
    turn = second_prompt[len(first_prompt):]
    assert raw in turn, f"the first turn's raw output is not in the second prompt:\n{raw!r}\n---\n{turn!r}"
    assert second_prompt.count(raw) == 1
    # Only template glue (a space, an end-of-turn marker) may precede it.
    assert turn.index(raw) <= 1, turn[:80]


# Mistral v0.3's template writes an assistant *content* turn as " " + content; the gateway drops that spacing
# before a rebuilt turn, so the turn starts exactly where the generation prompt ended.
@pytest.mark.parametrize("family", FAMILIES)
def test_second_prompt_continues_exactly_where_the_generation_ended(client, gateway, family):
    first_id, first_message = first_turn_message(client, family, "single", stream=False)
    first = gateway.capture_line(first_id)
    second = client.chat.completions.create(model=family, tools=request(family, "single")["tools"],
                                            messages=follow_up_messages(family, "single", first_message))
    second_prompt = gateway.capture_line(second.id)["prompt"]
    assert second_prompt.startswith(first["prompt"] + first["text"]), second_prompt[len(first["prompt"]) - 40:][:200]
