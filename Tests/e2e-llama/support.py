"""What the real-engine tests share: paths, the engine and gateway processes, the tools, and stream assembly."""

import json
import os
import pathlib
import re
import signal
import socket
import subprocess
import time
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FIXTURES = ROOT / "Tests" / "Fixtures" / "e2e-llama"
PARSERS = ROOT / "parsers"
TEMPLATE = FIXTURES / "Qwen-Qwen2.5-7B-Instruct.jinja"
# The team's shared fixtures sit beside the repository; only the tiny model's vocabulary comes from there.
SHARED_VOCAB = ROOT.parent / "shared" / "fixtures" / "gguf" / "ggml-vocab-qwen2.gguf"

# Small, so each request is short on a random model; the grammar decides when a call ends.
CALL_MAX_TOKENS = 160
TEXT_MAX_TOKENS = 40

# Tools whose schemas keep every value short (enums, bounded strings and numbers), so a random model held
# to them by a grammar finishes a call in a few dozen tokens. Names and enum values carry characters a
# grammar must escape.
TOOLS = [
    {"type": "function", "function": {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {"type": "object", "properties": {
            "city": {"type": "string", "maxLength": 12},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer", "minimum": 1, "maximum": 7},
        }, "required": ["city", "unit"], "additionalProperties": False}}},
    {"type": "function", "function": {
        "name": "set_mode",
        "description": "Switch a device mode.",
        "parameters": {"type": "object", "properties": {
            "mode": {"type": "string", "enum": ["eco", "boost \"max\"", "back\\slash", "naïve ✓"]},
            "enabled": {"type": "boolean"},
        }, "required": ["mode", "enabled"], "additionalProperties": False}}},
    {"type": "function", "function": {
        "name": "no_arguments",
        "description": "Takes nothing.",
        "parameters": {"type": "object", "properties": {}, "additionalProperties": False}}},
]
TOOL_SCHEMAS = {tool["function"]["name"]: tool["function"]["parameters"] for tool in TOOLS}

OPENAI_ID = re.compile(r"^call_[A-Za-z0-9]{24}$")


def user(text):
    return {"role": "user", "content": text}


def unused_port():
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, json.loads(response.read())


def is_serving(url):
    try:
        return get_json(url, timeout=2)[0] == 200
    except (OSError, ValueError):
        return False


class Process:
    """A child process logging to a file, ready once `ready()` is true. Its PID goes to the run script's PID
    file with a word of its command line, so `run` can stop it if pytest dies (and only it)."""

    def __init__(self, name, args, log_dir, ready, marker, env=None, timeout=180):
        self.name = name
        self.log_path = pathlib.Path(log_dir) / f"{name}.log"
        self.log = open(self.log_path, "wb")
        self.popen = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      cwd=ROOT, env={**os.environ, **(env or {})}, start_new_session=True)
        pid_file = os.environ.get("TOOLGATE_E2E_PID_FILE")
        if pid_file:
            with open(pid_file, "a", encoding="utf-8") as file:
                file.write(f"{self.popen.pid}\t{marker}\n")
        deadline = time.monotonic() + timeout
        while True:
            self.match = ready(self)
            if self.match:
                return
            if self.popen.poll() is not None:
                raise RuntimeError(f"{name} exited with {self.popen.returncode} before it was ready:\n{self.output()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{name} was not ready after {timeout} s:\n{self.output()}")
            time.sleep(0.05)

    def output(self):
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def alive(self):
        return self.popen.poll() is None

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


def log_match(pattern):
    return lambda process: re.search(pattern, process.output())


TOOLGATE_LISTENING = r"toolgate listening.*?address=[^\s:]+:(\d+)|address=[^\s:]+:(\d+).*?toolgate listening"


def capture_line(capture_path, response_id, timeout=5):
    """toolgate's capture line for a response (written after a stream's last byte, so this waits a little)."""
    deadline = time.monotonic() + timeout
    while True:
        with open(capture_path, encoding="utf-8") as file:
            for line in file:
                if f'"{response_id}"' in line:
                    record = json.loads(line)
                    if record.get("id") == response_id:
                        return record
        if time.monotonic() > deadline:
            raise AssertionError(f"no capture line for {response_id} in {capture_path}")
        time.sleep(0.02)


def assemble_stream(chunks):
    """The message a client rebuilds from streamed chunks (content, calls by index, finish reason), checking
    the invariants of OpenAI's stream shape on the way."""
    content, calls, finish_reason, ids, roles = [], {}, None, set(), []
    for chunk in chunks:
        ids.add(chunk.id)
        assert chunk.object == "chat.completion.chunk"
        for choice in chunk.choices:
            assert choice.index == 0
            delta = choice.delta
            if delta.role:
                roles.append(delta.role)
            if delta.content:
                content.append(delta.content)
            for call in delta.tool_calls or []:
                entry = calls.setdefault(call.index, {"id": None, "name": None, "arguments": []})
                if call.id:
                    assert entry["id"] is None, f"call {call.index}: a second id"
                    entry["id"] = call.id
                if call.function and call.function.name:
                    assert entry["name"] is None, f"call {call.index}: a second name"
                    entry["name"] = call.function.name
                if call.function and call.function.arguments:
                    entry["arguments"].append(call.function.arguments)
            if choice.finish_reason:
                assert finish_reason is None, "two finish reasons"
                finish_reason = choice.finish_reason
    assert len(ids) == 1, f"chunks carry several ids: {ids}"
    assert roles == ["assistant"], f"roles in deltas: {roles}"
    assert sorted(calls) == list(range(len(calls))), f"call indexes {sorted(calls)}"
    tool_calls = [{"id": calls[i]["id"], "type": "function",
                   "function": {"name": calls[i]["name"], "arguments": "".join(calls[i]["arguments"])}}
                  for i in range(len(calls))]
    return {"id": ids.pop(), "content": "".join(content) or None, "tool_calls": tool_calls,
            "finish_reason": finish_reason}


def message_dict(message):
    """An SDK message as the plain dict a client keeps in its history."""
    kept = {"role": "assistant", "content": message.content}
    if message.tool_calls:
        kept["tool_calls"] = [{"id": call.id, "type": "function",
                               "function": {"name": call.function.name, "arguments": call.function.arguments}}
                              for call in message.tool_calls]
    return kept
