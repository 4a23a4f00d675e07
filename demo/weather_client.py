"""A weather tool round trip through toolgate with the official OpenAI SDK."""
import json
import os
import sys

from openai import OpenAI

BASE_URL = os.environ.get("TOOLGATE_URL", "http://127.0.0.1:8080/v1")
MODEL = os.environ.get("TOOLGATE_MODEL", "qwen2.5-demo")

TOOLS = [{
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name, e.g. Paris"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city"],
        },
    },
}]


def get_weather(city: str, unit: str = "celsius") -> dict:
    """The tool itself: a stand-in for a real weather service."""
    return {"city": city, "temperature": 18, "unit": unit, "condition": "partly cloudy"}


def main() -> int:
    client = OpenAI(base_url=BASE_URL, api_key=os.environ.get("TOOLGATE_API_KEY", "demo"))
    messages = [{"role": "user", "content": "What is the weather in Paris right now?"}]
    print(f"user      > {messages[0]['content']}")

    first = client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS)
    choice = first.choices[0]
    if not choice.message.tool_calls:
        print(f"assistant > {choice.message.content}")
        print("expected a tool call", file=sys.stderr)
        return 1
    messages.append(choice.message.model_dump(exclude_none=True))
    for call in choice.message.tool_calls:
        arguments = json.loads(call.function.arguments)
        print(f"assistant > calls {call.function.name}({call.function.arguments})  [id {call.id}]")
        result = get_weather(**arguments)
        print(f"tool      > {json.dumps(result)}")
        messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)})

    stream = client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS, stream=True)
    print("assistant > ", end="", flush=True)
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            print(chunk.choices[0].delta.content, end="", flush=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
