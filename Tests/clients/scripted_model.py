"""The scripted model every client library talks to: what a Qwen 2.5-style model (the hermes family) writes
for each turn of each library's tool round trip, and the weather "service" the clients' tools call.

Each library's test asks about its own city, so its turns are picked independently of the others: toolgate
serves these outputs with the replay backend's last-user-message fallback, which answers a prompt with the
output whose `needle` appears latest in it. A first turn's needle is the question; the second turn's is the
report code the tool returned, which only appears in the prompt once the client has run the tool and sent
its result back. So a final answer arrives only after a real round trip, whatever system prompt, tool
schema or message shape the library adds.

The first-turn calls are written the way toolgate would not write them itself (compact arguments), so a
test can tell that the assistant turn the library sent back was rebuilt from the model's own bytes.
"""

import json

# City -> (degrees celsius, conditions). The tools of every test look the weather up here.
WEATHER = {
    "Oslo": (7, "light rain"),
    "Lima": (19, "overcast"),
    "Cairo": (31, "sunny"),
    "Quito": (14, "drizzle"),
    "Hanoi": (28, "humid and cloudy"),
    "Perth": (22, "windy"),
    "Dakar": (26, "clear"),
    "Sapporo": (-3, "snow"),
    "Tromso": (-8, "clear and frozen"),
    "Bergen": (9, "rain"),
    "Porto": (17, "sunny spells"),
    "Nairobi": (21, "partly cloudy"),
    "Reykjavik": (2, "sleet"),
    "Lisbon": (20, "sunny"),
    "Tunis": (24, "hazy"),
}


def report_code(city):
    """The code a weather report carries: the needle that selects the model's final answer."""
    return f"WX-{city.upper()}-{abs(WEATHER[city][0]) * 7 + 100}"


def weather_report(city):
    """What every test's weather tool returns to the model."""
    if city not in WEATHER:
        return f"No report for {city}."
    degrees, conditions = WEATHER[city]
    return f"{city}: {degrees} degrees celsius, {conditions} (report {report_code(city)})"


def question(city):
    return f"What is the weather in {city} right now?"


def tool_call_text(name, arguments):
    """A hermes call as the model writes it: compact arguments, unlike toolgate's own rendering."""
    compact = json.dumps(arguments, separators=(",", ":"))
    return f'<tool_call>\n{{"name": {json.dumps(name)}, "arguments": {compact}}}\n</tool_call>'


def answer_text(city):
    degrees, conditions = WEATHER[city]
    return f"In {city} it is {degrees} degrees celsius and {conditions}."


def report_json(city):
    """A final answer as a JSON object (for response_format / structured output)."""
    degrees, conditions = WEATHER[city]
    return json.dumps({"city": city, "temperature_celsius": degrees, "conditions": conditions})


def prefill(forced, text):
    """What toolgate has already written after the generation prompt when the client forces a call: the
    hermes family's `prefill` (parsers/hermes.json), `any` for tool_choice "required", `named` for a named
    tool_choice. The model writes only the rest."""
    if forced == "any":
        return "<tool_call>\n"
    if forced == "named":
        return text[:text.index('"arguments": ') + len('"arguments": ')]
    return ""


class Turns:
    """The two turns of one round trip: the call the model makes for `city`, then its final answer.
    `forced` says how the library's tool_choice forces both turns to be calls (None: it does not)."""

    def __init__(self, city, tool="get_weather", final=None, arguments=None, forced=None):
        self.city = city
        self.tool = tool
        self.arguments = arguments or {"city": city}
        self.forced = forced
        self.first = tool_call_text(tool, self.arguments)
        self.final = final if final is not None else answer_text(city)
        self.question = question(city)
        # What selects the final answer: in the prompt only once the tool's result is.
        self.needle = report_code(city)

    def captures(self):
        first = self.first[len(prefill(self.forced, self.first)):]
        final = self.final[len(prefill(self.forced, self.final)):]
        return [capture(first, self.question), capture(final, self.needle)]


class ParallelTurns(Turns):
    """Two calls in one turn (one per city, a blank line between them), then one answer about both."""

    def __init__(self, city, other):
        super().__init__(city, final=f"{answer_text(city)} {answer_text(other)}")
        self.other = other
        self.first = tool_call_text("get_weather", {"city": city}) + "\n\n" + tool_call_text("get_weather",
                                                                                           {"city": other})
        self.question = f"What is the weather in {city} and in {other} right now?"
        # The client sends the results in call order: the second one's code comes last in the prompt.
        self.needle = report_code(other)


def capture(text, needle):
    """A line of the replay backend's capture format (the prompt is left to the fallback)."""
    usage = {"prompt_tokens": 200, "completion_tokens": len(text) // 4 + 1}
    return {"prompt": "", "text": text, "finish_reason": "stop", "usage": usage, "last_user_message": needle}


# Each scenario's city and what the model writes; a test names its scenario.
SCENARIOS = {
    "openai-parse": Turns("Oslo", tool="GetWeather", arguments={"city": "Oslo", "unit": "celsius"},
                          final=report_json("Oslo")),
    "openai-stream-async": Turns("Lima", tool="GetWeather", arguments={"city": "Lima", "unit": "celsius"},
                                 final=report_json("Lima")),
    "langchain-invoke": Turns("Cairo"),
    "langchain-stream": Turns("Quito"),
    "langchain-parallel": ParallelTurns("Lisbon", "Tunis"),
    "agents-run": Turns("Hanoi"),
    "agents-streamed": Turns("Perth"),
    "pydantic-ai-text": Turns("Dakar"),
    # Structured output: pydantic-ai sends tool_choice "required" (its final_result tool ends the run).
    "pydantic-ai-output": Turns("Sapporo", final=tool_call_text("final_result", json.loads(report_json("Sapporo"))),
                                forced="any"),
    "pydantic-ai-stream": Turns("Tromso"),
    "llamaindex-agent": Turns("Bergen"),
    "llamaindex-chat-with-tools": Turns("Porto"),
    # instructor's TOOLS mode names the response model's tool in tool_choice.
    "instructor-tools": Turns("Nairobi", tool="GetWeather", arguments={"city": "Nairobi", "unit": "celsius"},
                              final=tool_call_text("WeatherReport", json.loads(report_json("Nairobi"))),
                              forced="named"),
    "instructor-async": Turns("Reykjavik", tool="GetWeather", arguments={"city": "Reykjavik", "unit": "celsius"},
                              final=tool_call_text("WeatherReport", json.loads(report_json("Reykjavik"))),
                              forced="named"),
}


def capture_lines():
    lines = []
    for turns in SCENARIOS.values():
        lines += turns.captures()
    return lines
