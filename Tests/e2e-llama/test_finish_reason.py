"""finish_reason through toolgate: the engine's end of generation and a stop string are both `stop` (llama.cpp
and llama-cpp-python say `stop` for both too, TGI `eos_token`/`stop_sequence`), the token limit is `length`.

The stop-string test cuts a text the engine wrote for a seed at a piece of it, so it needs an engine that
samples deterministically for a seed (llama.cpp, llama-cpp-python, vLLM do).
"""

import pytest

from backend_proxy import decode
from support import TOOLS, user

pytestmark = pytest.mark.usefixtures("engine_alive")

PROMPT = [user("Tell me a story.")]


def chat(client, stream, model="target", **fields):
    fields = {"model": model, "messages": PROMPT, "tools": TOOLS, "tool_choice": "none", **fields}
    if not stream:
        response = client.chat.completions.create(**fields)
        return response.choices[0].message.content or "", response.choices[0].finish_reason
    content, finish_reason = [], None
    for chunk in client.chat.completions.create(stream=True, **fields):
        for choice in chunk.choices:
            content.append(choice.delta.content or "")
            finish_reason = choice.finish_reason or finish_reason
    return "".join(content), finish_reason


def stop_string_in(text):
    """A short piece from the middle of `text` that first occurs there, and where it starts."""
    for start in range(len(text) // 3, len(text) - 2):
        piece = text[start:start + 2]
        if piece.strip() and text.find(piece) == start:
            return piece, start
    raise AssertionError(f"no usable stop string in {text!r}")


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_a_stop_string_ends_the_text_before_it_with_finish_reason_stop(client, engine, proxy, stream):
    text, finish_reason = chat(client, stream, seed=51, max_tokens=24)
    assert finish_reason == "length", f"the engine ended early ({text!r}); pick another seed"
    stop, start = stop_string_in(text)
    mark = proxy.mark()
    cut, finish_reason = chat(client, stream, seed=51, max_tokens=24, stop=[stop])
    assert cut == text[:start], f"stop string {stop!r}"
    assert finish_reason == "stop"
    if engine.dialect in ("openai", "llamacpp"):
        assert decode(engine.dialect, proxy.only_since(mark)).finish_reason == "stop"


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_the_token_limit_is_finish_reason_length(client, stream):
    text, finish_reason = chat(client, stream, seed=52, max_tokens=3)
    assert finish_reason == "length", repr(text)


@pytest.mark.local_engine
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_the_end_of_generation_token_is_finish_reason_stop(client, engine, proxy, stream):
    # tiny-bytes samples its end-of-generation token (<|im_end|>) often: some of these seeds end early.
    ended = 0
    for seed in range(1, 13):
        mark = proxy.mark()
        text, finish_reason = chat(client, stream, model="tiny-bytes", seed=seed, max_tokens=40)
        output = decode(engine.dialect, proxy.only_since(mark))
        assert text == output.text
        assert finish_reason == output.finish_reason
        if output.finish_reason == "stop":
            ended += 1
    assert ended >= 1, "no seed ended on the end-of-generation token; the case did not run"
