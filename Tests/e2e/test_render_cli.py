"""`toolgate render --model NAME --config FILE` for a model whose template the backend serves (`template: backend`):
the prompt is rendered with the template read from the running backend's llama.cpp `/props`, byte for byte what
`render --template` makes of that same template saved to a file; a backend that serves none, or cannot be reached,
is a clear error (exit 2), never a guess.
"""

import json
import subprocess
import urllib.request

import pytest

CASE = {
    "messages": [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": "What's the weather in Paris?"},
        {"role": "assistant", "content": "Sunny."},
        {"role": "user", "content": "And in Oslo? ünïcödé ✓"},
    ],
    "add_generation_prompt": True,
}


@pytest.fixture(scope="module")
def files(workdir, fake_backend):
    """The case file and a config whose models read their template from a backend."""
    unreachable = "http://127.0.0.1:9"
    models = [
        {"name": "served", "backend": {"dialect": "llamacpp", "url": fake_backend}, "template": "backend",
         "parser": "hermes"},
        {"name": "not-served", "backend": {"dialect": "openai", "url": fake_backend}, "template": "backend",
         "parser": "hermes"},
        {"name": "unreachable", "backend": {"dialect": "llamacpp", "url": unreachable}, "template": "backend",
         "parser": "hermes"},
    ]
    config = workdir / "render-config.json"
    config.write_text(json.dumps({"models": models}), encoding="utf-8")
    case = workdir / "render-case.json"
    case.write_text(json.dumps(CASE, ensure_ascii=False), encoding="utf-8")
    return config, case


def render(toolgate, *args):
    return subprocess.run([toolgate, "render", *map(str, args)], capture_output=True, timeout=60)


def test_a_served_template_renders_as_the_same_template_from_a_file(toolgate, workdir, fake_backend, files):
    config, case = files
    with urllib.request.urlopen(f"{fake_backend}/props", timeout=10) as response:
        served = json.load(response)["chat_template"]
    template = workdir / "served-template.jinja"
    template.write_bytes(served.encode("utf-8"))
    from_file = render(toolgate, "--template", template, "--case", case)
    assert from_file.returncode == 0, from_file.stderr.decode()
    from_backend = render(toolgate, "--model", "served", "--config", config, "--case", case)
    assert from_backend.returncode == 0, from_backend.stderr.decode()
    assert from_backend.stdout == from_file.stdout
    assert "ünïcödé ✓".encode() in from_backend.stdout


@pytest.mark.parametrize("model, reason", [
    ("not-served", "the openai backend does not serve its chat template"),
    ("unreachable", "could not read the chat template from the backend"),
])
def test_no_served_template_is_a_clear_error(toolgate, files, model, reason):
    config, case = files
    result = render(toolgate, "--model", model, "--config", config, "--case", case)
    assert result.returncode == 2
    assert result.stdout == b""
    assert reason in result.stderr.decode()
    assert "--template FILE" in result.stderr.decode()
