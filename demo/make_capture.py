"""Regenerates demo/capture.jsonl: the demo's raw model outputs keyed by the exact prompts toolgate renders.

Run from the repository root with a built toolgate:  .venv/bin/python demo/make_capture.py
It serves the outputs below with the replay backend's fallback (match on the last user message), runs the
demo client through it with `--capture`, and keeps the capture, whose prompts are then exact.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLGATE = os.environ.get("TOOLGATE", os.path.join(ROOT, ".build/release/toolgate"))
PORT = 18765

# What a Qwen2.5-style model writes for each turn (raw text, special tokens included).
OUTPUTS = [
    ("What is the weather in Paris right now?",
     '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}\n</tool_call>'),
    ('"condition": "partly cloudy"}',
     "It is 18 °C and partly cloudy in Paris right now."),
]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        seed = os.path.join(tmp, "seed.jsonl")
        with open(seed, "w") as f:
            for last_user, text in OUTPUTS:
                f.write(json.dumps({"prompt": "", "text": text, "last_user_message": last_user}) + "\n")
        capture = os.path.join(tmp, "capture.jsonl")
        server = subprocess.Popen([
            TOOLGATE, "serve", "--backend", seed, "--dialect", "replay", "--replay-fallback",
            "--template", os.path.join(ROOT, "demo/Qwen-Qwen2.5-7B-Instruct.jinja"), "--parser", "hermes",
            "--model-name", "qwen2.5-demo", "--listen", f"127.0.0.1:{PORT}", "--capture", capture,
            "--log-level", "warning"])
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{PORT}/health")
                    break
                except OSError:
                    time.sleep(0.1)
            env = dict(os.environ, TOOLGATE_URL=f"http://127.0.0.1:{PORT}/v1")
            subprocess.run([sys.executable, os.path.join(ROOT, "demo/weather_client.py")], env=env, check=True)
        finally:
            server.terminate()
            server.wait()
        with open(capture) as src, open(os.path.join(ROOT, "demo/capture.jsonl"), "w") as dst:
            for line in src:
                record = json.loads(line)
                # Ids and timings differ per run; the replay backend needs neither.
                for key in ("id", "timings"):
                    record.pop(key, None)
                dst.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
