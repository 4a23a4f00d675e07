"""The async client (`AsyncOpenAI`): many requests in flight at once, whole and streamed."""

import asyncio
import json

import openai

from support import TARGETS, TOOL_SCENARIOS, calls_of, captures, expected_calls, request


def test_concurrent_requests_each_get_their_own_answer(gateway):
    cases = [(target, scenario) for target in TARGETS for scenario in TOOL_SCENARIOS]

    async def whole(client, target, scenario):
        response = await client.chat.completions.create(model=target, **request(TARGETS[target], scenario))
        return calls_of(response.choices[0].message)

    async def streamed(client, target, scenario):
        stream = await client.chat.completions.create(model=target, stream=True,
                                                      **request(TARGETS[target], scenario))
        arguments, names = {}, {}
        async for chunk in stream:
            for choice in chunk.choices:
                for call in choice.delta.tool_calls or []:
                    if call.function and call.function.name:
                        names[call.index] = call.function.name
                    if call.function and call.function.arguments:
                        arguments[call.index] = arguments.get(call.index, "") + call.function.arguments
        return [(names[i], json.loads(arguments[i])) for i in sorted(names)]

    async def main():
        async with openai.AsyncOpenAI(base_url=gateway.base_url, api_key="unused", max_retries=0,
                                      timeout=60) as client:
            jobs = [kind(client, target, scenario) for target, scenario in cases for kind in (whole, streamed)]
            return await asyncio.gather(*jobs)

    results = asyncio.run(main())
    expected = [expected_calls(captures(TARGETS[target])[scenario]) for target, scenario in cases for _ in (0, 1)]
    assert results == expected


def test_async_errors_raise_the_same_exception_classes(gateway):
    async def main():
        async with openai.AsyncOpenAI(base_url=gateway.base_url, api_key="unused", max_retries=0) as client:
            try:
                await client.chat.completions.create(model="no-such-model",
                                                     messages=[{"role": "user", "content": "hi"}])
            except openai.NotFoundError as error:
                return error.status_code
        return None

    assert asyncio.run(main()) == 404
