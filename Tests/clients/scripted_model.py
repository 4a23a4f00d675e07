"""The scripted model every client library talks to: what a model of each family (hermes: Qwen 2.5; mistral)
writes for each turn of each library's tool round trip, and the weather "service" the clients' tools call.

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


def answer_text(city):
    degrees, conditions = WEATHER[city]
    return f"In {city} it is {degrees} degrees celsius and {conditions}."


def report_json(city):
    """A final answer as a JSON object (for response_format / structured output)."""
    degrees, conditions = WEATHER[city]
    return json.dumps({"city": city, "temperature_celsius": degrees, "conditions": conditions})


def compact(arguments):
    return json.dumps(arguments, separators=(",", ":"))


class Hermes:
    """Qwen 2.5 (the hermes family): `<tool_call>` blocks, here with compact arguments and a blank line
    between blocks, which toolgate does not write itself."""
    name = "hermes"
    template = "Qwen-Qwen2.5-7B-Instruct.jinja"
    special_tokens = None
    call_id = r"call_[A-Za-z0-9]{24}"

    def calls_text(self, calls, forced):
        return "\n\n".join(f'<tool_call>\n{{"name": {json.dumps(name)}, "arguments": {compact(arguments)}}}\n</tool_call>'
                           for name, arguments in calls)

    def prefill(self, forced, text):
        """What toolgate has already written when the client forces a call (parsers/hermes.json `prefill`)."""
        if forced == "any":
            return "<tool_call>\n"
        if forced == "named":
            return text[:text.index('"arguments": ') + len('"arguments": ')]
        return ""


class Mistral:
    """Mistral with vLLM's template (the mistral family, 9-character call ids): a `[TOOL_CALLS]` array with
    compact arguments, or the `[TOOL_CALLS]name[ARGS]{...}` form after a named prefill."""
    name = "mistral"
    template = "vllm-tool_chat_template_mistral.jinja"
    special_tokens = {"bos_token": "<s>", "eos_token": "</s>"}
    call_id = r"[A-Za-z0-9]{9}"

    def calls_text(self, calls, forced):
        if forced == "named":
            [(name, arguments)] = calls
            return f"[TOOL_CALLS]{name}[ARGS]{compact(arguments)}"
        items = ", ".join(f'{{"name": {json.dumps(name)}, "arguments": {compact(arguments)}}}' for name, arguments in calls)
        return f"[TOOL_CALLS] [{items}]"

    def prefill(self, forced, text):
        """parsers/mistral.json `prefill`."""
        if forced == "any":
            return "[TOOL_CALLS]"
        if forced == "named":
            return text[:text.index("[ARGS]") + len("[ARGS]")]
        return ""


FAMILIES = [Hermes(), Mistral()]


class Turns:
    """The two turns of one round trip: the calls the model makes (for `city`, or as given), then its final
    answer (text, or a call when `final_call` is given). `forced` says how the library's tool_choice forces
    both turns to be calls: None (it does not), "any" (required) or "named"."""

    def __init__(self, city, tool="get_weather", arguments=None, final=None, final_call=None, forced=None,
                 calls=None):
        self.city = city
        self.calls = calls or [(tool, arguments or {"city": city})]
        self.final = final if final is not None else answer_text(city)
        self.final_call = final_call
        self.forced = forced
        self.question = question(city)
        # What selects the final answer: in the prompt only once the tool's result is.
        self.needle = report_code(city)

    def first_text(self, family):
        """The model's whole first turn (what the next prompt must hold byte for byte)."""
        return family.calls_text(self.calls, self.forced)

    def final_text(self, family):
        return family.calls_text([self.final_call], self.forced) if self.final_call else self.final

    def captures(self, family):
        first, final = self.first_text(family), self.final_text(family)
        first = first[len(family.prefill(self.forced, first)):]
        final = final[len(family.prefill(self.forced, final)):]
        return [capture(first, self.question), capture(final, self.needle)]


class ParallelTurns(Turns):
    """Two calls in one turn (one per city), then one answer about both."""

    def __init__(self, city, other):
        super().__init__(city, final=f"{answer_text(city)} {answer_text(other)}",
                         calls=[("get_weather", {"city": city}), ("get_weather", {"city": other})])
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
    "pydantic-ai-output": Turns("Sapporo", final_call=("final_result", json.loads(report_json("Sapporo"))),
                                forced="any"),
    "pydantic-ai-stream": Turns("Tromso"),
    "llamaindex-agent": Turns("Bergen"),
    "llamaindex-chat-with-tools": Turns("Porto"),
    # instructor's TOOLS mode names the response model's tool in tool_choice.
    "instructor-tools": Turns("Nairobi", tool="GetWeather", arguments={"city": "Nairobi", "unit": "celsius"},
                              final_call=("WeatherReport", json.loads(report_json("Nairobi"))),
                              forced="named"),
    "instructor-async": Turns("Reykjavik", tool="GetWeather", arguments={"city": "Reykjavik", "unit": "celsius"},
                              final_call=("WeatherReport", json.loads(report_json("Reykjavik"))),
                              forced="named"),
}


def capture_lines(family):
    lines = []
    for turns in SCENARIOS.values():
        lines += turns.captures(family)
    return lines
