"""Starts what the real-engine tests talk to, once per session, and stops it afterwards.

By default the engine is llama-cpp-python's server on a free loopback port, serving two tiny random-weight
models made at session start (tiny_model.py): `tiny-qwen` with Qwen2.5's tokenizer (from the team's shared
vocabulary fixture; the built-in byte vocabulary when that is absent) and `tiny-bytes`, whose 272-token
byte-level vocabulary makes nearly every sampled token a raw byte (broken UTF-8, control characters).

With TOOLGATE_E2E_BACKEND=URL the engine is the user's own server instead and only the tests that hold for
any model run (the others skip, saying so):

    TOOLGATE_E2E_BACKEND    engine base URL (llama.cpp server, vLLM, SGLang, TGI, Ollama, llama-cpp-python)
    TOOLGATE_E2E_DIALECT    llamacpp, openai, tgi or ollama (default openai)
    TOOLGATE_E2E_MODEL      the model name the engine expects (openai, ollama); default: its first /v1/models
    TOOLGATE_E2E_TEMPLATE   chat template: a .jinja file, a tokenizer_config.json or `backend` (llama.cpp /props);
                            default: Qwen2.5's
    TOOLGATE_E2E_PARSER     parser family (default hermes)
    TOOLGATE_E2E_PROFILE    extra model-profile keys for toolgate's config, as a JSON object (its `backend`
                            object is merged into the backend's: {"backend": {"constraint_field": "grammar"}})

Between toolgate and the engine sits a recording proxy (backend_proxy.py), so tests see the exact bytes.
"""

import json
import os
import subprocess

import openai
import pytest

import support
from backend_proxy import RecordingProxy

# Backend keys for llama-cpp-python's server: it reads a GBNF grammar from the request's `grammar` field.
LOCAL_BACKEND = {"constraint_field": "grammar"}


def pytest_addoption(parser):
    parser.addoption("--toolgate", default=None, help="the toolgate binary (or set TOOLGATE_BINARY)")


def pytest_configure(config):
    config.addinivalue_line("markers", "local_engine: needs the llama-cpp-python server these tests start")


def user_backend():
    return os.environ.get("TOOLGATE_E2E_BACKEND") or None


def pytest_report_header(config):
    if user_backend():
        return (f"engine: {user_backend()} (dialect {os.environ.get('TOOLGATE_E2E_DIALECT', 'openai')}); "
                "tests of llama-cpp-python's own behaviour skip")
    vocabulary = support.SHARED_VOCAB if support.SHARED_VOCAB.exists() else \
        f"the built-in byte vocabulary ({support.SHARED_VOCAB} is absent)"
    return f"engine: llama-cpp-python's server, tiny random models; tiny-qwen's tokenizer: {vocabulary}"


def pytest_collection_modifyitems(config, items):
    if not user_backend():
        return
    skip = pytest.mark.skip(reason="tests llama-cpp-python's own behaviour; TOOLGATE_E2E_BACKEND names another engine")
    for item in items:
        if "local_engine" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def toolgate(request):
    binary = request.config.getoption("--toolgate") or os.environ.get("TOOLGATE_BINARY")
    if not binary:
        pytest.exit("give the toolgate binary: Tests/e2e-llama/run PATH or --toolgate PATH", returncode=2)
    path = binary if os.path.isabs(binary) else str(support.ROOT / binary)
    if not os.access(path, os.X_OK):
        pytest.exit(f"{path} is not an executable", returncode=2)
    return path


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("toolgate-e2e-llama")


class Engine:
    """The engine under test: where it is, how toolgate talks to it, and (local only) its process."""

    def __init__(self, url, dialect, model, template, parser, profile, process=None, models=None):
        self.url, self.dialect, self.model = url, dialect, model
        self.template, self.parser, self.profile = template, parser, profile
        self.process = process
        self.models = models or {}

    @property
    def local(self):
        return self.process is not None

    def alive(self):
        """Whether the engine still answers (llama-cpp-python dies on an invalid grammar)."""
        if self.process is not None and not self.process.alive():
            return False
        path = {"llamacpp": "/health", "tgi": "/health", "ollama": "/api/version"}.get(self.dialect, "/v1/models")
        return support.is_serving(self.url + path)


def start_llama_cpp_python(workdir):
    try:
        import llama_cpp.server  # noqa: F401
        import tiny_model
    except ImportError as error:
        pytest.skip(f"llama-cpp-python's server or the model generator's packages are missing ({error}); "
                    "scripts/setup --tests installs them", allow_module_level=True)
    template = support.TEMPLATE.read_text(encoding="utf-8")
    if support.SHARED_VOCAB.exists():
        vocabulary = tiny_model.vocabulary_from(support.SHARED_VOCAB)
    else:
        vocabulary = tiny_model.built_in_vocabulary()
    models = {"tiny-qwen": workdir / "tiny-qwen.gguf", "tiny-bytes": workdir / "tiny-bytes.gguf"}
    tiny_model.write_model(models["tiny-qwen"], vocabulary, chat_template=template)
    tiny_model.write_model(models["tiny-bytes"], tiny_model.built_in_vocabulary(), chat_template=template)
    port = support.unused_port()
    config = {"host": "127.0.0.1", "port": port, "models": [
        {"model": str(path), "model_alias": alias, "n_ctx": 4096, "verbose": False} for alias, path in models.items()]}
    config_path = workdir / "llama-cpp-python.json"
    config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    url = f"http://127.0.0.1:{port}"
    process = support.Process(
        "llama-cpp-python", [os.sys.executable, "-m", "llama_cpp.server", "--config_file", str(config_path)],
        workdir, lambda _: support.is_serving(url + "/v1/models"), marker="llama_cpp.server")
    return Engine(url, "openai", "tiny-qwen", str(support.TEMPLATE), "hermes", {"backend": dict(LOCAL_BACKEND)},
                  process, models)


def named_engine():
    url = user_backend().rstrip("/")
    dialect = os.environ.get("TOOLGATE_E2E_DIALECT", "openai")
    model = os.environ.get("TOOLGATE_E2E_MODEL")
    if model is None and dialect == "openai":
        try:
            model = support.get_json(url + "/v1/models")[1]["data"][0]["id"]
        except (OSError, ValueError, KeyError, IndexError) as error:
            pytest.exit(f"could not read the model name from {url}/v1/models ({error}); set TOOLGATE_E2E_MODEL",
                        returncode=2)
    if model is None and dialect == "ollama":
        pytest.exit("set TOOLGATE_E2E_MODEL to the Ollama model tag", returncode=2)
    template = os.environ.get("TOOLGATE_E2E_TEMPLATE", str(support.TEMPLATE))
    profile = json.loads(os.environ.get("TOOLGATE_E2E_PROFILE", "{}"))
    return Engine(url, dialect, model, template, os.environ.get("TOOLGATE_E2E_PARSER", "hermes"), profile)


@pytest.fixture(scope="session")
def engine(workdir):
    if user_backend():
        yield named_engine()
        return
    engine = start_llama_cpp_python(workdir)
    yield engine
    engine.process.stop()


@pytest.fixture(scope="session")
def grammar_checker(engine):
    """llama.cpp's GBNF parser on the local models' vocabularies (None for a named engine)."""
    if not engine.local:
        return None
    from grammar_check import GrammarChecker
    return GrammarChecker(engine.models)


@pytest.fixture(scope="session")
def proxy(engine, grammar_checker):
    proxy = RecordingProxy(engine.url, check=grammar_checker.check_request if grammar_checker else None)
    yield proxy
    proxy.close()


def profile(name, engine, proxy, model, toolgate):
    extra = dict(engine.profile)
    backend = {"url": proxy.url, "dialect": engine.dialect, "timeouts": {"first_byte": 300, "total": 600},
               **extra.pop("backend", {})}
    if model:
        backend["model"] = model
    if "constraint_field" in backend and not supports_constraint_field(toolgate):
        # A toolgate from before constrained decoding: serve unconstrained (the call tests then fail, saying so).
        del backend["constraint_field"]
    return {"name": name, "backend": backend, "template": engine.template, "parser": engine.parser, **extra}


def supports_constraint_field(toolgate):
    return "constraint-field" in subprocess.run([toolgate, "serve", "--help"], capture_output=True, text=True).stdout


@pytest.fixture(scope="session")
def gateway(toolgate, workdir, engine, proxy):
    models = [profile("target", engine, proxy, engine.model, toolgate)]
    if engine.local:
        models.append(profile("tiny-bytes", engine, proxy, "tiny-bytes", toolgate))
    capture = workdir / "capture.jsonl"
    config = {"listen": "127.0.0.1:0", "capture": str(capture), "parsers_dir": str(support.PARSERS),
              "models": models}
    config_path = workdir / "toolgate.json"
    config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    process = support.Process("toolgate", [toolgate, "serve", "--config", str(config_path)], workdir,
                              support.log_match(support.TOOLGATE_LISTENING), marker=toolgate,
                              env={"TOOLGATE_API_KEYS": ""})
    port = int(next(group for group in process.match.groups() if group))
    process.base_url = f"http://127.0.0.1:{port}/v1"
    process.capture = capture
    yield process
    assert process.stop() == 0, f"toolgate did not exit cleanly:\n{process.output()}"


@pytest.fixture(scope="session")
def client(gateway):
    with openai.OpenAI(base_url=gateway.base_url, api_key="unused", max_retries=0, timeout=300) as client:
        yield client


@pytest.fixture
def engine_alive(engine, proxy):
    """Fails the test that made toolgate send a grammar llama.cpp rejects (the proxy held it back) or that left
    the engine dead, and skips tests once it is dead."""
    if not engine.alive():
        pytest.skip("the engine is not running (an earlier test killed it)")
    mark = proxy.mark()
    yield
    blocked = [exchange.blocked for exchange in proxy.since(mark) if exchange.blocked]
    assert not blocked, blocked[0]
    assert engine.alive(), "the engine died during this test"
