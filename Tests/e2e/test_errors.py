"""Errors reach the SDK as its own exception classes, with OpenAI's status codes and error envelope."""

import time

import httpx
import openai
import pytest

from conftest import API_KEYS, BODY_LIMIT
from support import TOOLS, request, user


def envelope(response):
    """The `error` object of an OpenAI error body, checked for its four fields."""
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}, error
    assert isinstance(error["message"], str) and error["message"]
    return error


def chat(client, **fields):
    return client.chat.completions.create(**{"model": "hermes", "messages": [user("hi")], **fields})


class BrokenBodyTransport(httpx.HTTPTransport):
    """Sends every request with its JSON body cut short, as a buggy client or proxy would."""

    def handle_request(self, request):
        body = request.read()
        headers = {name: value for name, value in request.headers.items() if name.lower() != "content-length"}
        broken = httpx.Request(request.method, request.url, headers=headers, content=body[:len(body) // 2])
        return super().handle_request(broken)


def test_bad_json_is_a_400_invalid_request(gateway):
    response = httpx.post(f"{gateway.base_url}/chat/completions", content=b'{"model": "hermes", "messages": [',
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    error = envelope(response)
    assert (error["type"], error["code"]) == ("invalid_request_error", "invalid_json")
    # The same through the SDK: it raises its class for 400.
    with httpx.Client(transport=BrokenBodyTransport()) as http_client:
        with openai.OpenAI(base_url=gateway.base_url, api_key="unused", max_retries=0,
                           http_client=http_client) as client:
            with pytest.raises(openai.BadRequestError) as raised:
                chat(client, **request("hermes", "single"))
    assert raised.value.status_code == 400
    assert raised.value.body["code"] == "invalid_json"


@pytest.mark.parametrize("fields, param", [
    ({"messages": []}, "messages"),
    ({"tools": TOOLS, "tool_choice": {"type": "function", "function": {"name": "no_such_tool"}}},
     "tool_choice.function.name"),
    ({"tool_choice": "required"}, "tool_choice"),
    ({"temperature": 3}, "temperature"),
    ({"n": 2}, "n"),
], ids=["no messages", "unknown named tool", "required without tools", "temperature out of range", "n=2"])
def test_invalid_requests_raise_bad_request_naming_the_parameter(client, fields, param):
    with pytest.raises(openai.BadRequestError) as raised:
        chat(client, **fields)
    assert raised.value.status_code == 400
    assert raised.value.body["param"] == param
    assert raised.value.body["type"] == "invalid_request_error"


def test_a_template_that_rejects_the_conversation_is_a_400(client):
    # The Mistral template raises when roles do not alternate.
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model="mistral", messages=[user("one"), user("two")])
    assert raised.value.body["code"] == "template_error"
    assert "alternate" in raised.value.body["message"]


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_unknown_model_is_a_404(client, stream):
    with pytest.raises(openai.NotFoundError) as raised:
        chat(client, model="no-such-model", stream=stream)
    assert raised.value.status_code == 404
    assert (raised.value.body["param"], raised.value.body["code"]) == ("model", "model_not_found")
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("no-such-model")


def test_unknown_route_is_a_404(gateway):
    response = httpx.get(f"{gateway.base_url}/no/such/route")
    assert response.status_code == 404
    envelope(response)


@pytest.mark.parametrize("key", [None, "sk-wrong", API_KEYS[0] + "x", API_KEYS[0][:-1]],
                         ids=["no key", "wrong key", "longer", "shorter"])
def test_a_bad_key_is_a_401(guarded_gateway, key):
    if key is None:
        response = httpx.post(f"{guarded_gateway.base_url}/chat/completions",
                              json={"model": "hermes", "messages": [user("hi")]})
        assert response.status_code == 401
        assert envelope(response)["code"] == "invalid_api_key"
        return
    with openai.OpenAI(base_url=guarded_gateway.base_url, api_key=key, max_retries=0) as client:
        with pytest.raises(openai.AuthenticationError) as raised:
            chat(client, **request("hermes", "single"))
        assert raised.value.status_code == 401
        with pytest.raises(openai.AuthenticationError):
            client.models.list()


@pytest.mark.parametrize("key", API_KEYS)
def test_every_configured_key_is_accepted(guarded_gateway, key):
    with openai.OpenAI(base_url=guarded_gateway.base_url, api_key=key, max_retries=0) as client:
        response = chat(client, **request("hermes", "single"))
        assert response.choices[0].message.tool_calls[0].function.name == "get_weather"


def test_probes_need_no_key(guarded_gateway):
    root = guarded_gateway.base_url.removesuffix("/v1")
    assert httpx.get(f"{root}/health").status_code == 200
    assert httpx.get(f"{root}/metrics").status_code == 200


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_a_body_over_the_limit_is_a_413(guarded_gateway, stream):
    with openai.OpenAI(base_url=guarded_gateway.base_url, api_key=API_KEYS[1], max_retries=0) as client:
        with pytest.raises(openai.APIStatusError) as raised:
            chat(client, messages=[user("x" * (BODY_LIMIT + 1024))], stream=stream)
        assert raised.value.status_code == 413
        assert raised.value.body["code"] == "request_too_large"
        # The gateway still serves the same client after refusing a body.
        response = chat(client, **request("hermes", "single"))
        assert response.choices[0].finish_reason == "tool_calls"


def test_a_refused_backend_is_a_502(client):
    with pytest.raises(openai.InternalServerError) as raised:
        chat(client, model="refused")
    assert raised.value.status_code == 502
    assert raised.value.body["type"] == "server_error"


@pytest.mark.parametrize("needle", ["FAULT-500", "FAULT-GARBAGE", "FAULT-RESET"])
def test_a_failing_backend_is_a_502(client, needle):
    with pytest.raises(openai.InternalServerError) as raised:
        chat(client, model="faulty", messages=[user(needle)])
    assert raised.value.status_code == 502


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_a_stalled_backend_is_a_504_after_its_timeout(client, stream):
    # The faulty model allows 1 s to the first byte of a streamed backend response and 2 s in all; the
    # backend stalls for 5 s. Streamed, the 504 is still a status: the response had not started.
    started = time.monotonic()
    with pytest.raises(openai.InternalServerError) as raised:
        chat(client, model="faulty", messages=[user("FAULT-STALL")], stream=stream)
    elapsed = time.monotonic() - started
    assert raised.value.status_code == 504
    assert raised.value.body["code"] == "backend_timeout"
    assert elapsed < 4.5, f"the timeout did not cut the 5 s stall ({elapsed:.1f} s)"


def test_a_backend_failing_mid_stream_ends_the_stream_with_an_error_event(client):
    # The fake backend streams two events, then an error event: the response has started, so the failure
    # travels as an `error` event, which the SDK raises as APIError (not a status error).
    with pytest.raises(openai.APIError) as raised:
        for _ in chat(client, model="faulty", messages=[user("FAULT-ERROR-EVENT")], stream=True):
            pass
    assert not isinstance(raised.value, openai.APIStatusError)


def test_health_reports_the_model_whose_backend_is_down(gateway):
    response = httpx.get(gateway.base_url.removesuffix("/v1") + "/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["models"]["refused"]["status"] == "unavailable"
    assert body["models"]["hermes"]["status"] == "ok"
    assert body["models"]["hermes-llamacpp"]["status"] == "ok"


def test_metrics_count_requests_and_tool_calls(client, gateway):
    chat(client, **request("hermes", "parallel"))
    text = httpx.get(gateway.base_url.removesuffix("/v1") + "/metrics").text
    assert 'toolgate_requests_total{route="/v1/chat/completions",status="200"}' in text
    assert 'toolgate_tool_calls_total{family="hermes"}' in text
