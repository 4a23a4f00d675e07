"""LangChain: `ChatOpenAI(...).bind_tools([...])` and the usual tool loop (run each `tool_calls` entry, send
`ToolMessage`s back, invoke again), whole (`invoke`) and streamed (`stream`, chunks added up)."""

import re

from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

from scripted_model import SCENARIOS, answer_text, question, weather_report

calls = []


@tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    calls.append(city)
    return weather_report(city)


def chat(gateway, family, **options):
    return ChatOpenAI(model=family.name, base_url=gateway.base_url, api_key="unused", temperature=0, max_retries=0,
                      timeout=30, **options).bind_tools([get_weather])


def tool_loop(send, city, asked=None):
    messages = [SystemMessage("You are a weather assistant."), HumanMessage(asked or question(city))]
    for _ in range(4):
        reply = send(messages)
        messages.append(reply)
        if not reply.tool_calls:
            return reply, messages
        for call in reply.tool_calls:
            messages.append(get_weather.invoke(call))
    raise AssertionError(f"no final answer after 4 turns: {messages}")


def test_bind_tools_invoke_loop(gateway, family):
    calls.clear()
    llm = chat(gateway, family)
    reply, messages = tool_loop(llm.invoke, "Cairo")
    assert calls == ["Cairo"]
    assert messages[2].tool_calls[0]["name"] == "get_weather"
    assert messages[2].tool_calls[0]["args"] == {"city": "Cairo"}
    assert messages[2].response_metadata["finish_reason"] == "tool_calls"
    assert reply.content == answer_text("Cairo")
    assert reply.response_metadata["finish_reason"] == "stop"
    gateway.assert_round_trip(family, "langchain-invoke")


def test_bind_tools_stream_loop(gateway, family):
    calls.clear()
    llm = chat(gateway, family, streaming=True, stream_usage=True)

    def send(messages):
        total = None
        for chunk in llm.stream(messages):
            total = chunk if total is None else total + chunk
        return total

    reply, messages = tool_loop(send, "Quito")
    assert calls == ["Quito"]
    assert messages[2].tool_calls[0]["args"] == {"city": "Quito"}
    assert reply.content == answer_text("Quito")
    assert reply.usage_metadata["output_tokens"] > 0
    gateway.assert_round_trip(family, "langchain-stream")


def test_parallel_calls_each_get_a_tool_message(gateway, family):
    calls.clear()
    turns = SCENARIOS["langchain-parallel"]
    reply, messages = tool_loop(chat(gateway, family).invoke, turns.city, asked=turns.question)
    assert calls == ["Lisbon", "Tunis"]
    first = messages[2]
    assert [call["args"] for call in first.tool_calls] == [{"city": "Lisbon"}, {"city": "Tunis"}]
    ids = [call["id"] for call in first.tool_calls]
    assert len(set(ids)) == 2 and all(re.fullmatch(family.call_id, id) for id in ids), ids
    assert reply.content == turns.final
    gateway.assert_round_trip(family, "langchain-parallel")
