"""The OpenAI Agents SDK on Chat Completions (`OpenAIChatCompletionsModel` over an `AsyncOpenAI` client pointed
at toolgate): `Runner.run` and `Runner.run_streamed` call a `function_tool` and finish with the model's answer."""

import asyncio

import openai
from agents import Agent, ModelSettings, OpenAIChatCompletionsModel, Runner, function_tool, set_tracing_disabled

from scripted_model import answer_text, question, weather_report

# Traces go to OpenAI's servers by default; there are none here.
set_tracing_disabled(True)

calls = []


@function_tool
def get_weather(city: str) -> str:
    """Current weather for a city.

    Args:
        city: The city's name.
    """
    calls.append(city)
    return weather_report(city)


def agent(family, client):
    model = OpenAIChatCompletionsModel(model=family.name, openai_client=client)
    return Agent(name="Weather", instructions="You answer weather questions with the get_weather tool.",
                 model=model, tools=[get_weather], model_settings=ModelSettings(temperature=0))


def client_for(gateway):
    return openai.AsyncOpenAI(base_url=gateway.base_url, api_key="unused", max_retries=0, timeout=30)


def tool_items(result):
    return [item.type for item in result.new_items]


def test_runner_run_calls_the_tool_then_answers(gateway, family):
    calls.clear()

    async def run():
        client = client_for(gateway)
        result = await Runner.run(agent(family, client), question("Hanoi"), max_turns=4)
        await client.close()
        return result

    result = asyncio.run(run())
    assert calls == ["Hanoi"]
    assert tool_items(result) == ["tool_call_item", "tool_call_output_item", "message_output_item"]
    assert result.final_output == answer_text("Hanoi")
    gateway.assert_round_trip(family, "agents-run")


def test_runner_run_streamed_calls_the_tool_then_answers(gateway, family):
    calls.clear()

    async def run():
        client = client_for(gateway)
        result = Runner.run_streamed(agent(family, client), question("Perth"), max_turns=4)
        text = []
        async for event in result.stream_events():
            if event.type == "raw_response_event" and event.data.type == "response.output_text.delta":
                text.append(event.data.delta)
        await client.close()
        return result, "".join(text)

    result, streamed_text = asyncio.run(run())
    assert calls == ["Perth"]
    assert tool_items(result) == ["tool_call_item", "tool_call_output_item", "message_output_item"]
    assert result.final_output == answer_text("Perth")
    assert streamed_text == answer_text("Perth")
    gateway.assert_round_trip(family, "agents-streamed")
