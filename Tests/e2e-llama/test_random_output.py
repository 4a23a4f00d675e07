"""What a random model really writes, through toolgate: broken UTF-8, control characters, stray special tokens.

`tiny-bytes` has a 272-token byte-level vocabulary, so nearly every token it samples is one raw byte: most of
its output is invalid UTF-8 with control characters in it, and `<tool_call>` (one token) turns up in free
text. llama-cpp-python drops the bytes that do not decode (`errors="ignore"`; llama.cpp's own server sends
U+FFFD instead, see test_llamacpp_native_stream.py) and sends events with empty text meanwhile. Whatever
comes, toolgate's responses are valid UTF-8 and strict JSON (raw control characters escaped), and hold the
engine's text exactly: compared with the engine's own answer, decoded from the bytes the proxy recorded.

The responses are read as raw bytes (httpx), not through the SDK, so nothing lenient sits in between.
"""

import json
import re

import httpx
import pytest

from backend_proxy import decode
from support import TOOLS, user

pytestmark = [pytest.mark.local_engine, pytest.mark.usefixtures("engine_alive")]

SEEDS = range(1, 13)
PROMPT = [user("Say something.")]
# C0 controls other than the usual whitespace, DEL and the C1 controls.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def post_chat(gateway, stream, **fields):
    """toolgate's answer as (content, tool calls, finish reason), read strictly from the raw bytes."""
    body = {"model": "tiny-bytes", "messages": PROMPT, "max_tokens": 40, "stream": stream, **fields}
    response = httpx.post(gateway.base_url + "/chat/completions", json=body, timeout=120)
    assert response.status_code == 200, response.text
    text = response.content.decode("utf-8")  # strict: fails on any invalid byte
    if not stream:
        message = json.loads(text)["choices"][0]  # json.loads is strict: raw control characters fail
        return message["message"]["content"] or "", message["message"].get("tool_calls") or [], \
            message["finish_reason"]
    content, calls, finish_reason = [], [], None
    assert text.endswith("data: [DONE]\n\n"), text[-80:]
    for block in text.split("\n\n"):
        if not block or block == "data: [DONE]":
            continue
        assert block.startswith("data: ") and "\n" not in block, f"not one SSE data line: {block!r}"
        choices = json.loads(block[len("data: "):])["choices"]
        for choice in choices:
            content.append(choice["delta"].get("content") or "")
            calls += choice["delta"].get("tool_calls") or []
            finish_reason = choice.get("finish_reason") or finish_reason
    return "".join(content), calls, finish_reason


@pytest.fixture(scope="module")
def outputs(gateway, proxy, engine):
    """Per seed: toolgate's whole and streamed answers (tool_choice none) and the engine's own output."""
    found = {}
    for seed in SEEDS:
        mark = proxy.mark()
        whole = post_chat(gateway, False, seed=seed, tools=TOOLS, tool_choice="none")
        streamed = post_chat(gateway, True, seed=seed, tools=TOOLS, tool_choice="none")
        exchanges = proxy.since(mark)
        assert len(exchanges) == 2
        found[seed] = (whole, streamed, [decode(engine.dialect, exchange) for exchange in exchanges])
    return found


def test_dropped_utf8_bytes_leave_valid_json_holding_the_engines_text(outputs):
    empty_events = 0
    for seed, (whole, streamed, engine_outputs) in outputs.items():
        for answer, output in zip((whole, streamed), engine_outputs):
            assert answer[0] == output.text, f"seed {seed}"
            assert answer[2] == output.finish_reason, f"seed {seed}"
            empty_events += output.empty_events
    # The engine did send events whose bytes did not decode yet (held back or dropped): the case ran.
    assert empty_events > 0


def test_control_characters_survive_json_encoding(outputs):
    seen = set()
    for seed, (whole, streamed, engine_outputs) in outputs.items():
        # Each answer holds its own engine output: llama-cpp-python decodes a whole answer's bytes together and
        # a streamed one token by token, so broken UTF-8 may come out differently in the two.
        assert whole[0] == engine_outputs[0].text, f"seed {seed}"
        assert streamed[0] == engine_outputs[1].text, f"seed {seed}"
        seen.update(CONTROL.findall(whole[0]))
    # The random outputs did hold control characters (a dozen different ones for these seeds).
    assert len(seen) >= 3, f"only {sorted(seen)!r} came up; the case did not run"


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_stray_tool_call_tokens_in_random_text_stay_content_byte_for_byte(gateway, proxy, engine, stream):
    # With tools offered (tool_choice auto), `<tool_call>` followed by garbage is no call: the text, tags
    # included, is content, and nothing of it is lost.
    stray = 0
    for seed in SEEDS:
        mark = proxy.mark()
        content, calls, finish_reason = post_chat(gateway, stream, seed=seed, tools=TOOLS)
        output = decode(engine.dialect, proxy.only_since(mark))
        if "<tool_call>" not in output.text:
            continue
        stray += 1
        assert calls == [], f"seed {seed}: a call read from {output.text!r}"
        assert content == output.text, f"seed {seed}"
        assert finish_reason == output.finish_reason
    assert stray >= 1, "no seed gave a stray <tool_call>; the case did not run"
