"""What the end-to-end tests share: the served models, the scenarios, the processes, and small helpers.

Every served model answers from the capture files in captures/ (one per parser family): a line holds the
raw output a model of that family gives for one scenario (`text`), the user message that selects it
(`last_user_message`), what toolgate must make of it (`expected`), and the prompt toolgate rendered for
it (`prompt`, a golden: see test_prompts.py).
"""

import json
import os
import pathlib
import re
import signal
import subprocess
import time

E2E = pathlib.Path(__file__).resolve().parent
ROOT = E2E.parent.parent
CAPTURES = E2E / "captures"
TEMPLATES = ROOT / "Tests" / "Fixtures" / "templates"
PARSERS = ROOT / "parsers"

FAMILIES = ["hermes", "llama3_json", "mistral", "qwen3_coder", "pythonic"]

# Each family served with its model's chat template (and the special tokens the template reads).
FAMILY_PROFILES = {
    "hermes": {"template": "Qwen-Qwen2.5-7B-Instruct.jinja"},
    "llama3_json": {"template": "meta-llama-Llama-3.1-8B-Instruct.jinja",
                    "special_tokens": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}},
    "mistral": {"template": "vllm-tool_chat_template_mistral.jinja",
                "special_tokens": {"bos_token": "<s>", "eos_token": "</s>"}},
    "qwen3_coder": {"template": "vllm-tool_chat_template_qwen3coder.jinja"},
    # The template prints today's date unless given one: frozen, so its prompts do not change daily.
    "pythonic": {"template": "vllm-tool_chat_template_llama3.2_pythonic.jinja",
                 "special_tokens": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"},
                 "template_arguments": {"date_string": "26 Jul 2024"}},
}

# The hermes family is also served through the fake backend process, once per HTTP dialect, so the
# real transport (libcurl, each dialect's framing, streamed and not) runs end to end.
HTTP_DIALECTS = ["llamacpp", "openai", "tgi", "ollama"]

# Served model name -> parser family.
TARGETS = {family: family for family in FAMILIES}
TARGETS.update({f"hermes-{dialect}": "hermes" for dialect in HTTP_DIALECTS})

# Each family once more with `stream_arguments: eager` (argument text streams as the model writes it,
# instead of once per complete call): the streamed message must still equal the whole one.
EAGER_TARGETS = {f"{family}-eager": family for family in FAMILIES}

# Prompts that make the fake backend misbehave (see `toolgate fake-backend --fault`).
FAULTS = {
    "FAULT-500": "status:500",
    "FAULT-STALL": "stall:5",
    "FAULT-RESET": "reset:2",
    "FAULT-GARBAGE": "garbage",
    "FAULT-ERROR-EVENT": "error-event:2",
}

TOOLS = [
    {"type": "function", "function": {
        "name": "get_weather",
        "description": "Current weather and a forecast for a city.",
        "parameters": {"type": "object", "properties": {
            "city": {"type": "string", "description": "City name"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer", "description": "Days of forecast"},
        }, "required": ["city"]}}},
    {"type": "function", "function": {
        "name": "get_time",
        "description": "Current local time in an IANA time zone.",
        "parameters": {"type": "object", "properties": {
            "timezone": {"type": "string"},
        }, "required": ["timezone"]}}},
]

# Single-turn scenarios: the capture id and the request fields besides the messages.
SCENARIOS = {
    "text": {},
    "single": {},
    "parallel": {},
    "required": {"tool_choice": "required"},
    "named": {"tool_choice": {"type": "function", "function": {"name": "get_weather"}}},
    "none": {"tool_choice": "none"},
}
TOOL_SCENARIOS = ["single", "parallel", "required", "named"]

# Multi-turn: after a scenario's calls, one tool result per call; the last result selects the capture
# that answers the second turn (its `last_user_message`).
FOLLOW_UPS = {"single": "single-result", "parallel": "parallel-result", "named": "named-result"}
FIRST_TOOL_RESULTS = {"parallel": ["Paris: 18 degrees celsius, cloudy"]}

OPENAI_ID = re.compile(r"^call_[A-Za-z0-9]{24}$")
MISTRAL_ID = re.compile(r"^[A-Za-z0-9]{9}$")


def captures(family):
    """The family's capture lines by scenario id."""
    with open(CAPTURES / f"{family}.jsonl", encoding="utf-8") as file:
        return {record["id"]: record for record in map(json.loads, filter(str.strip, file))}


def parser_definition(family):
    with open(PARSERS / f"{family}.json", encoding="utf-8") as file:
        return json.load(file)


def user(text):
    return {"role": "user", "content": text}


def request(family, scenario, **extra):
    """The chat request of a single-turn scenario (without `model`)."""
    record = captures(family)[scenario]
    fields = {"messages": [user(record["last_user_message"])], "tools": TOOLS}
    fields.update(SCENARIOS[scenario])
    fields.update(extra)
    return fields


def follow_up_messages(family, scenario, first_message):
    """The second turn of a scenario: the user message, the assistant turn as the client got it, results."""
    calls = first_message["tool_calls"]
    needle = captures(family)[FOLLOW_UPS[scenario]]["last_user_message"]
    contents = FIRST_TOOL_RESULTS.get(scenario, []) + [needle]
    assert len(contents) == len(calls), f"{scenario}: {len(calls)} calls, {len(contents)} results prepared"
    messages = request(family, scenario)["messages"] + [first_message]
    for call, content in zip(calls, contents):
        messages.append({"role": "tool", "tool_call_id": call["id"], "content": content})
    return messages


def id_pattern(family):
    style = parser_definition(family).get("id_style") or "openai"
    return MISTRAL_ID if style == "mistral" else OPENAI_ID


def same_content(actual, expected):
    """Content as `toolgate replay --check` compares it: trimmed, with None and "" equal."""
    return (actual or "").strip() == (expected or "").strip()


def calls_of(message):
    """(name, arguments as JSON) of each call of a message (SDK object or dict)."""
    if hasattr(message, "model_dump"):
        message = message.model_dump()
    return [(call["function"]["name"], json.loads(call["function"]["arguments"]))
            for call in message.get("tool_calls") or []]


def expected_calls(record):
    return [(call["name"], call["arguments"]) for call in record["expected"]["tool_calls"]]


def assemble_stream(chunks):
    """The message a client rebuilds from streamed chunks: content and reasoning concatenated, each call's
    id, type and name from its first delta and its arguments concatenated; plus the finish reason and usage."""
    content, reasoning, calls = [], [], {}
    finish_reason, usage, ids, roles = None, None, set(), []
    for chunk in chunks:
        ids.add(chunk.id)
        assert chunk.object == "chat.completion.chunk"
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            assert choice.index == 0
            delta = choice.delta
            if delta.role:
                roles.append(delta.role)
            if delta.content:
                content.append(delta.content)
            if getattr(delta, "reasoning_content", None):
                reasoning.append(delta.reasoning_content)
            for call in delta.tool_calls or []:
                entry = calls.setdefault(call.index, {"id": None, "type": None, "name": None, "arguments": []})
                if call.id:
                    assert entry["id"] is None, f"call {call.index}: a second id in its deltas"
                    entry["id"] = call.id
                if call.type:
                    entry["type"] = call.type
                if call.function and call.function.name:
                    assert entry["name"] is None, f"call {call.index}: a second name in its deltas"
                    entry["name"] = call.function.name
                if call.function and call.function.arguments:
                    entry["arguments"].append(call.function.arguments)
            if choice.finish_reason:
                assert finish_reason is None, "two finish reasons"
                finish_reason = choice.finish_reason
    assert len(ids) == 1, f"chunks carry several ids: {ids}"
    assert roles == ["assistant"], f"roles in deltas: {roles}"
    assert sorted(calls) == list(range(len(calls))), f"call indexes {sorted(calls)}"
    tool_calls = [{"id": calls[i]["id"], "type": calls[i]["type"],
                   "function": {"name": calls[i]["name"], "arguments": "".join(calls[i]["arguments"])}}
                  for i in range(len(calls))]
    return {"id": ids.pop(), "content": "".join(content) or None, "reasoning": "".join(reasoning) or None,
            "tool_calls": tool_calls, "finish_reason": finish_reason, "usage": usage}


class Process:
    """A child process whose output goes to a log file; ready once its log matches `ready`."""

    def __init__(self, name, args, log_dir, ready, env=None, timeout=60):
        self.name = name
        self.log_path = pathlib.Path(log_dir) / f"{name}.log"
        self.log = open(self.log_path, "wb")
        self.popen = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      cwd=ROOT, env={**os.environ, **(env or {})})
        pid_file = os.environ.get("TOOLGATE_E2E_PID_FILE")
        if pid_file:
            with open(pid_file, "a", encoding="utf-8") as file:
                file.write(f"{self.popen.pid}\n")
        deadline = time.monotonic() + timeout
        while True:
            match = re.search(ready, self.output())
            if match:
                self.match = match
                return
            if self.popen.poll() is not None:
                raise RuntimeError(f"{name} exited with {self.popen.returncode} before it was ready:\n{self.output()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{name} was not ready after {timeout} s:\n{self.output()}")
            time.sleep(0.02)

    def output(self):
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self):
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self.log.close()
        return self.popen.returncode


class Gateway:
    """A running `toolgate serve` and what the tests ask of it."""

    LISTENING = r"toolgate listening.*?address=[^\s:]+:(\d+)|address=[^\s:]+:(\d+).*?toolgate listening"

    def __init__(self, process, capture_path=None):
        self.process = process
        self.port = int(next(group for group in process.match.groups() if group))
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.capture_path = capture_path

    def capture_line(self, response_id, timeout=5):
        """The capture line toolgate wrote for a response (its `prompt` is exactly what the backend got).
        A streamed response's line is written after its last byte, so this waits for it a little."""
        deadline = time.monotonic() + timeout
        while True:
            with open(self.capture_path, encoding="utf-8") as file:
                for line in file:
                    if f'"{response_id}"' in line:
                        record = json.loads(line)
                        if record.get("id") == response_id:
                            return record
            if time.monotonic() > deadline:
                raise AssertionError(f"no capture line for {response_id} in {self.capture_path}")
            time.sleep(0.02)
