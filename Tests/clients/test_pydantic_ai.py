"""pydantic-ai: an `Agent` on `OpenAIChatModel` with an `OpenAIProvider(base_url=toolgate)`, a plain tool,
and three ways to finish: text output (`run_sync`), structured output (`output_type` a pydantic model, which
pydantic-ai asks for as a `final_result` tool call) and streamed text (`run_stream`)."""

import asyncio

import pydantic
from pydantic_ai import Agent
from pydantic_ai.messages import ToolCallPart, ToolReturnPart
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider

from scripted_model import WEATHER, answer_text, question, weather_report


class WeatherReport(pydantic.BaseModel):
    city: str
    temperature_celsius: int
    conditions: str


def weather_agent(gateway, family, **options):
    model = OpenAIChatModel(family.name, provider=OpenAIProvider(base_url=gateway.base_url, api_key="unused"))
    agent = Agent(model, instructions="You answer weather questions with the get_weather tool.", retries=0,
                  **options)
    calls = []

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """Current weather for a city."""
        calls.append(city)
        return weather_report(city)

    return agent, calls


def parts(result, kind):
    return [part for message in result.all_messages() for part in message.parts if isinstance(part, kind)]


def test_run_sync_text_output(gateway, family):
    agent, calls = weather_agent(gateway, family)
    result = agent.run_sync(question("Dakar"))
    assert calls == ["Dakar"]
    [call] = parts(result, ToolCallPart)
    assert call.tool_name == "get_weather" and call.args_as_dict() == {"city": "Dakar"}
    assert [part.content for part in parts(result, ToolReturnPart)] == [weather_report("Dakar")]
    assert result.output == answer_text("Dakar")
    assert result.usage.output_tokens > 0
    gateway.assert_round_trip(family, "pydantic-ai-text")


def test_run_sync_structured_output_through_the_final_result_tool(gateway, family):
    agent, calls = weather_agent(gateway, family, output_type=WeatherReport)
    result = agent.run_sync(question("Sapporo"))
    assert calls == ["Sapporo"]
    degrees, conditions = WEATHER["Sapporo"]
    assert result.output == WeatherReport(city="Sapporo", temperature_celsius=degrees, conditions=conditions)
    assert [call.tool_name for call in parts(result, ToolCallPart)] == ["get_weather", "final_result"]
    gateway.assert_round_trip(family, "pydantic-ai-output")


def test_run_stream_text_output(gateway, family):
    agent, calls = weather_agent(gateway, family)

    async def run():
        async with agent.run_stream(question("Tromso")) as result:
            pieces = [piece async for piece in result.stream_text(delta=True)]
        return pieces

    pieces = asyncio.run(run())
    assert calls == ["Tromso"]
    assert "".join(pieces) == answer_text("Tromso")
    gateway.assert_round_trip(family, "pydantic-ai-stream")
