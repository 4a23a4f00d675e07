"""The official OpenAI SDK's structured helpers through a whole tool round trip: strict function tools made
from pydantic models (`pydantic_function_tool`), `chat.completions.parse` validating the call's arguments and
the final answer (`response_format` a pydantic model), and the async streaming helper
(`chat.completions.stream`) doing the same from deltas. Plain create/stream/async use is in Tests/e2e."""

import asyncio
from typing import Literal

import openai
import pydantic

from scripted_model import WEATHER, question, weather_report


class GetWeather(pydantic.BaseModel):
    """Current weather for a city."""
    city: str
    unit: Literal["celsius", "fahrenheit"]


class WeatherReport(pydantic.BaseModel):
    city: str
    temperature_celsius: int
    conditions: str


def expected_report(city):
    degrees, conditions = WEATHER[city]
    return WeatherReport(city=city, temperature_celsius=degrees, conditions=conditions)


def test_parse_round_trip_with_strict_pydantic_tools(gateway, family):
    tool = openai.pydantic_function_tool(GetWeather)
    assert tool["function"]["strict"] is True
    messages = [{"role": "system", "content": "Answer with a weather report."},
                {"role": "user", "content": question("Oslo")}]
    with openai.OpenAI(base_url=gateway.base_url, api_key="unused", max_retries=0, timeout=30) as client:
        first = client.chat.completions.parse(model=family.name, messages=messages, tools=[tool],
                                              response_format=WeatherReport, temperature=0)
        message = first.choices[0].message
        assert first.choices[0].finish_reason == "tool_calls"
        [call] = message.tool_calls
        assert call.function.parsed_arguments == GetWeather(city="Oslo", unit="celsius")
        # As the SDK's docs do it: the parsed message goes back as it came (with `parsed`, `refusal`, ...).
        messages.append(message)
        messages.append({"role": "tool", "tool_call_id": call.id,
                         "content": weather_report(call.function.parsed_arguments.city)})
        final = client.chat.completions.parse(model=family.name, messages=messages, tools=[tool],
                                              response_format=WeatherReport, temperature=0)
    assert final.choices[0].finish_reason == "stop"
    assert final.choices[0].message.tool_calls in (None, [])
    assert final.choices[0].message.parsed == expected_report("Oslo")
    gateway.assert_round_trip(family, "openai-parse")


async def stream_turn(client, model, messages, tools):
    async with client.chat.completions.stream(model=model, messages=messages, tools=tools,
                                              response_format=WeatherReport,
                                              stream_options={"include_usage": True}) as stream:
        events = [event.type async for event in stream]
        completion = await stream.get_final_completion()
    return events, completion


def test_async_stream_helper_round_trip(gateway, family):
    async def run():
        client = openai.AsyncOpenAI(base_url=gateway.base_url, api_key="unused", max_retries=0, timeout=30)
        tools = [openai.pydantic_function_tool(GetWeather)]
        messages = [{"role": "user", "content": question("Lima")}]
        events, first = await stream_turn(client, family.name, messages, tools)
        assert "tool_calls.function.arguments.done" in events
        [call] = first.choices[0].message.tool_calls
        assert call.function.parsed_arguments == GetWeather(city="Lima", unit="celsius")
        assert first.usage is not None and first.usage.completion_tokens > 0
        messages.append(first.choices[0].message)
        messages.append({"role": "tool", "tool_call_id": call.id, "content": weather_report("Lima")})
        events, final = await stream_turn(client, family.name, messages, tools)
        await client.close()
        return events, final

    events, final = asyncio.run(run())
    assert "content.done" in events
    assert final.choices[0].message.parsed == expected_report("Lima")
    gateway.assert_round_trip(family, "openai-stream-async")
