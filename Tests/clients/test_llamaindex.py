"""LlamaIndex: `OpenAILike` (a function-calling chat model at toolgate's base URL) with a `FunctionTool`,
driven by a `FunctionAgent` workflow (which streams every turn) and by hand with `chat_with_tools`,
`get_tool_calls_from_response` and a tool message back."""

import asyncio

from llama_index.core.agent.workflow import FunctionAgent, ToolCallResult
from llama_index.core.llms import ChatMessage
from llama_index.core.tools import FunctionTool
from llama_index.llms.openai_like import OpenAILike

from scripted_model import answer_text, question, weather_report


def weather_tool():
    calls = []

    def get_weather(city: str) -> str:
        """Current weather for a city."""
        calls.append(city)
        return weather_report(city)

    return FunctionTool.from_defaults(fn=get_weather), calls


def llm(gateway, family):
    return OpenAILike(model=family.name, api_base=gateway.base_url, api_key="unused", is_chat_model=True,
                      is_function_calling_model=True, context_window=32768, temperature=0, max_retries=0,
                      timeout=30)


def test_function_agent_calls_the_tool_then_answers(gateway, family):
    tool, calls = weather_tool()
    agent = FunctionAgent(tools=[tool], llm=llm(gateway, family), system_prompt="You answer weather questions.")

    async def run():
        handler = agent.run(user_msg=question("Bergen"))
        results = [event async for event in handler.stream_events() if isinstance(event, ToolCallResult)]
        return results, await handler

    results, response = asyncio.run(run())
    assert calls == ["Bergen"]
    assert [(result.tool_name, result.tool_kwargs) for result in results] == [("get_weather", {"city": "Bergen"})]
    assert str(response) == answer_text("Bergen")
    gateway.assert_round_trip(family, "llamaindex-agent")


def test_chat_with_tools_by_hand(gateway, family):
    tool, calls = weather_tool()
    model = llm(gateway, family)
    messages = [ChatMessage(role="user", content=question("Porto"))]
    first = model.chat_with_tools([tool], chat_history=messages)
    [selection] = model.get_tool_calls_from_response(first, error_on_no_tool_call=True)
    assert selection.tool_name == "get_weather" and selection.tool_kwargs == {"city": "Porto"}
    output = tool(**selection.tool_kwargs)
    messages.append(first.message)
    messages.append(ChatMessage(role="tool", content=str(output),
                                additional_kwargs={"tool_call_id": selection.tool_id, "name": selection.tool_name}))
    final = model.chat_with_tools([tool], chat_history=messages)
    assert calls == ["Porto"]
    assert model.get_tool_calls_from_response(final, error_on_no_tool_call=False) == []
    assert final.message.content == answer_text("Porto")
    gateway.assert_round_trip(family, "llamaindex-chat-with-tools")
