"""instructor in TOOLS mode (`instructor.from_openai(..., mode=Mode.TOOLS)`): each turn is a call forced to
the response model's tool (`tool_choice` naming it), validated into the pydantic model. The round trip: the
model fills a `GetWeather` call, the client runs it and sends the result back, then the model fills the
`WeatherReport`. Sync and async clients."""

import asyncio
from typing import Literal

import instructor
import openai
import pydantic

from scripted_model import WEATHER, question, weather_report


class GetWeather(pydantic.BaseModel):
    """Current weather for a city."""
    city: str
    unit: Literal["celsius", "fahrenheit"]


class WeatherReport(pydantic.BaseModel):
    """The weather, as reported to the user."""
    city: str
    temperature_celsius: int
    conditions: str


def expected_report(city):
    degrees, conditions = WEATHER[city]
    return {"city": city, "temperature_celsius": degrees, "conditions": conditions}


def follow_up(messages, completion, call):
    """The conversation after the forced call: its assistant turn as it came, and the tool's result."""
    message = completion.choices[0].message
    [tool_call] = message.tool_calls
    assistant = {"role": "assistant", "content": message.content, "tool_calls": [tool_call.model_dump()]}
    return messages + [assistant, {"role": "tool", "tool_call_id": tool_call.id, "content": weather_report(call.city)}]


def test_tools_mode_round_trip(gateway, family):
    client = instructor.from_openai(openai.OpenAI(base_url=gateway.base_url, api_key="unused", max_retries=0,
                                                  timeout=30), mode=instructor.Mode.TOOLS)
    messages = [{"role": "user", "content": question("Nairobi")}]
    call, completion = client.chat.completions.create_with_completion(
        model=family.name, response_model=GetWeather, messages=messages, max_retries=0)
    # instructor returns instances of its own subclass of the response model: compare the values.
    assert call.model_dump() == {"city": "Nairobi", "unit": "celsius"}
    report = client.chat.completions.create(model=family.name, response_model=WeatherReport, max_retries=0,
                                            messages=follow_up(messages, completion, call))
    assert report.model_dump() == expected_report("Nairobi")
    gateway.assert_round_trip(family, "instructor-tools")


def test_async_tools_mode_round_trip(gateway, family):
    async def run():
        raw = openai.AsyncOpenAI(base_url=gateway.base_url, api_key="unused", max_retries=0, timeout=30)
        client = instructor.from_openai(raw, mode=instructor.Mode.TOOLS)
        messages = [{"role": "user", "content": question("Reykjavik")}]
        call, completion = await client.chat.completions.create_with_completion(
            model=family.name, response_model=GetWeather, messages=messages, max_retries=0)
        report = await client.chat.completions.create(model=family.name, response_model=WeatherReport, max_retries=0,
                                                      messages=follow_up(messages, completion, call))
        await raw.close()
        return call, report

    call, report = asyncio.run(run())
    assert call.model_dump() == {"city": "Reykjavik", "unit": "celsius"}
    assert report.model_dump() == expected_report("Reykjavik")
    gateway.assert_round_trip(family, "instructor-async")
