"""Starts the gateway every client library talks to, once per session, on a free loopback port, and stops it.

`gateway`: `toolgate serve --config` with one model per family of the scripted model (scripted_model.py:
`hermes` with Qwen 2.5's chat template, `mistral` with vLLM's Mistral template), each answering from its
family's outputs (written to a capture file at session start) through the replay backend with its
last-user-message fallback; every exchange is written to a capture file the tests read to see the exact
prompts the backend got. `family`: every test runs once per family, the served model named after it.
"""

import json
import os
import sys

import pytest

import scripted_model

CLIENTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(CLIENTS))
# The process and gateway helpers of the end-to-end tests (one implementation of "start, wait, stop").
sys.path.insert(0, os.path.join(ROOT, "Tests", "e2e"))
import support  # noqa: E402

TEMPLATES = os.path.join(ROOT, "Tests", "Fixtures", "templates")


def pytest_addoption(parser):
    parser.addoption("--toolgate", default=None, help="the toolgate binary (or set TOOLGATE_BINARY)")


@pytest.fixture(scope="session")
def toolgate(request):
    binary = request.config.getoption("--toolgate") or os.environ.get("TOOLGATE_BINARY")
    if not binary:
        pytest.exit("give the toolgate binary: Tests/clients/run PATH, --toolgate PATH or TOOLGATE_BINARY", returncode=2)
    path = binary if os.path.isabs(binary) else os.path.join(ROOT, binary)
    if not os.access(path, os.X_OK):
        pytest.exit(f"{path} is not an executable", returncode=2)
    return path


class Gateway(support.Gateway):
    """The running gateway, and the prompts its backend got."""

    def prompts_containing(self, model, needle):
        """The prompts of `model` (in arrival order) that contain `needle`."""
        with open(self.capture_path, encoding="utf-8") as file:
            records = [json.loads(line) for line in file if line.strip()]
        return [record["prompt"] for record in records if record.get("model") == model and needle in record["prompt"]]

    def assert_round_trip(self, family, scenario):
        """The backend got the question, then a prompt with the tool's result that holds the model's first
        turn byte for byte (the call table gave back the model's own text, so the client sent the call's id
        back unchanged); returns that second prompt."""
        turns = scripted_model.SCENARIOS[scenario]
        asked = self.prompts_containing(family.name, turns.question)
        assert asked, f"{scenario}: the backend never got the question"
        answered = [prompt for prompt in asked if turns.needle in prompt]
        assert answered, f"{scenario}: no prompt carried the tool's result; prompts:\n" + "\n---\n".join(asked)
        assert turns.first_text(family) in answered[-1], (
            f"{scenario}: the second prompt does not hold the model's first turn as written:\n{answered[-1]}")
        return answered[-1]


@pytest.fixture(scope="session")
def gateway(toolgate, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("toolgate-clients")
    models = []
    for family in scripted_model.FAMILIES:
        outputs = workdir / f"scripted-{family.name}.jsonl"
        outputs.write_text("".join(json.dumps(line) + "\n" for line in scripted_model.capture_lines(family)),
                           encoding="utf-8")
        model = {"name": family.name, "template": os.path.join(TEMPLATES, family.template), "parser": family.name,
                 "backend": {"url": str(outputs), "dialect": "replay", "match_last_user_message": True}}
        if family.special_tokens:
            model["special_tokens"] = family.special_tokens
        models.append(model)
    capture = workdir / "capture.jsonl"
    config = {"listen": "127.0.0.1:0", "capture": str(capture), "parsers_dir": os.path.join(ROOT, "parsers"),
              "models": models}
    config_path = workdir / "toolgate.json"
    config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    process = support.Process("toolgate", [toolgate, "serve", "--config", str(config_path)], workdir,
                              support.Gateway.LISTENING, env={"TOOLGATE_API_KEYS": ""})
    yield Gateway(process, capture_path=capture)
    assert process.stop() == 0, f"toolgate did not exit cleanly:\n{process.output()}"


@pytest.fixture(params=scripted_model.FAMILIES, ids=lambda family: family.name)
def family(request):
    return request.param
