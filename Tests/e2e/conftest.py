"""Starts what the end-to-end tests talk to, once per session, on free ports, and stops it afterwards:

- `fake_backend`: `toolgate fake-backend` answering from captures/hermes.jsonl in every HTTP dialect, and
  misbehaving for the prompts in support.FAULTS;
- `gateway`: `toolgate serve --config` with one model per parser family on the replay backend, the hermes
  family once more per HTTP dialect through the fake backend, a model whose backend refuses connections and
  one whose backend misbehaves; it writes every exchange to a capture file the tests read;
- `guarded_gateway`: `toolgate serve` with API keys (TOOLGATE_API_KEYS) and a 64 KiB body limit.
"""

import json
import os
import socket

import openai
import pytest

import support

API_KEYS = ["sk-e2e-first", "sk-e2e-second"]
BODY_LIMIT = 64 * 1024


def pytest_addoption(parser):
    parser.addoption("--toolgate", default=None, help="the toolgate binary (or set TOOLGATE_BINARY)")
    parser.addoption("--update-captures", action="store_true",
                     help="rewrite the golden prompts in captures/ with what toolgate renders now")


@pytest.fixture(scope="session")
def toolgate(request):
    binary = request.config.getoption("--toolgate") or os.environ.get("TOOLGATE_BINARY")
    if not binary:
        pytest.exit("give the toolgate binary: Tests/e2e/run PATH, --toolgate PATH or TOOLGATE_BINARY", returncode=2)
    path = support.ROOT / binary if not os.path.isabs(binary) else binary
    if not os.access(path, os.X_OK):
        pytest.exit(f"{path} is not an executable", returncode=2)
    return str(path)


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("toolgate-e2e")


def unused_port():
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def fake_backend(toolgate, workdir):
    args = [toolgate, "fake-backend", "--captures", str(support.CAPTURES / "hermes.jsonl"), "--fallback"]
    for needle, kind in support.FAULTS.items():
        args += ["--fault", f"{needle}={kind}"]
    process = support.Process("fake-backend", args, workdir, r"fake-backend listening on 127\.0\.0\.1:(\d+)")
    yield f"http://127.0.0.1:{process.match.group(1)}"
    process.stop()


def model_profile(name, family, backend):
    profile = support.FAMILY_PROFILES[family]
    model = {"name": name, "backend": backend, "template": str(support.TEMPLATES / profile["template"]),
             "parser": family}
    for key in ("special_tokens", "template_arguments"):
        if key in profile:
            model[key] = profile[key]
    return model


def replay_backend(family):
    # Exact prompt first; the last-user-message fallback keeps the functional tests independent of prompt
    # drift (which test_prompts.py reports on its own).
    return {"url": str(support.CAPTURES / f"{family}.jsonl"), "dialect": "replay", "match_last_user_message": True}


@pytest.fixture(scope="session")
def gateway(toolgate, workdir, fake_backend):
    models = [model_profile(family, family, replay_backend(family)) for family in support.FAMILIES]
    for name, family in support.EAGER_TARGETS.items():
        models.append({**model_profile(name, family, replay_backend(family)), "stream_arguments": "eager"})
    for dialect in support.HTTP_DIALECTS:
        backend = {"url": fake_backend, "dialect": dialect, "model": "fake"}
        if dialect in ("tgi", "ollama"):
            # These take a forced call's constraint as a JSON schema of the whole call document, after a shorter
            # prefill than the family's (`<tool_call>\n` for a named tool too); the fake backend replays outputs
            # captured after the family's prefill and enforces nothing, so the captures apply only without it.
            # Tests/e2e-llama and GatewayTests cover the constraint.
            backend["constraint_field"] = "none"
        models.append(model_profile(f"hermes-{dialect}", "hermes", backend))
    models.append(model_profile("refused", "hermes", {
        "url": f"http://127.0.0.1:{unused_port()}", "dialect": "llamacpp", "timeouts": {"connect": 2}}))
    models.append(model_profile("faulty", "hermes", {
        "url": fake_backend, "dialect": "llamacpp", "timeouts": {"first_byte": 1, "stall": 1, "total": 2}}))
    capture = workdir / "capture.jsonl"
    config = {"listen": "127.0.0.1:0", "capture": str(capture), "parsers_dir": str(support.PARSERS),
              "models": models}
    config_path = workdir / "toolgate.json"
    config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    process = support.Process("toolgate", [toolgate, "serve", "--config", str(config_path)], workdir,
                              support.Gateway.LISTENING, env={"TOOLGATE_API_KEYS": ""})
    yield support.Gateway(process, capture_path=capture)
    assert process.stop() == 0, f"toolgate did not exit cleanly:\n{process.output()}"


@pytest.fixture(scope="session")
def guarded_gateway(toolgate, workdir):
    q = json.dumps  # a JSON string is a valid YAML double-quoted scalar
    config_path = workdir / "guarded.yaml"
    config_path.write_text(f"""# YAML on purpose: the other gateway reads JSON.
listen: {q("127.0.0.1:0")}
parsers_dir: {q(str(support.PARSERS))}
max_body_bytes: {BODY_LIMIT}
models:
  - name: hermes
    backend:
      url: {q(str(support.CAPTURES / "hermes.jsonl"))}
      dialect: replay
      match_last_user_message: true
    template: {q(str(support.TEMPLATES / support.FAMILY_PROFILES["hermes"]["template"]))}
    parser: hermes
""", encoding="utf-8")
    process = support.Process("toolgate-guarded", [toolgate, "serve", "--config", str(config_path)], workdir,
                              support.Gateway.LISTENING, env={"TOOLGATE_API_KEYS": " , ".join(API_KEYS)})
    yield support.Gateway(process)
    assert process.stop() == 0, f"toolgate did not exit cleanly:\n{process.output()}"


@pytest.fixture(scope="session")
def client(gateway):
    with openai.OpenAI(base_url=gateway.base_url, api_key="unused", max_retries=0, timeout=30) as client:
        yield client


@pytest.fixture
def async_client(gateway):
    return openai.AsyncOpenAI(base_url=gateway.base_url, api_key="unused", max_retries=0, timeout=30)
