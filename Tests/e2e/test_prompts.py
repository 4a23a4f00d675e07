"""The prompts toolgate renders for each scenario equal the goldens kept in captures/ (`prompt`).

The replay backend answers from those captures by exact prompt, falling back to the user message, so
the other tests pass while a prompt drifts; this test is where drift shows, as a diff. When a change is
intended (a template engine fix, a new prefill), rewrite the goldens and review the diff in git:

    Tests/e2e/run .build/release/toolgate --update-captures -k prompts
"""

import difflib
import json

import pytest

from support import CAPTURES, FAMILIES, FOLLOW_UPS, SCENARIOS, captures, follow_up_messages, request


def rendered_prompts(client, gateway, family):
    """Scenario id -> the prompt the backend got for it (tool-call ids, random per run, replaced)."""
    prompts = {}
    for scenario in SCENARIOS:
        response = client.chat.completions.create(model=family, **request(family, scenario))
        prompts[scenario] = gateway.capture_line(response.id)["prompt"]
    for scenario, follow_up in FOLLOW_UPS.items():
        first = client.chat.completions.create(model=family, **request(family, scenario))
        message = first.choices[0].message.model_dump(exclude_none=True)
        second = client.chat.completions.create(model=family, tools=request(family, scenario)["tools"],
                                                messages=follow_up_messages(family, scenario, message))
        prompt = gateway.capture_line(second.id)["prompt"]
        for index, call in enumerate(message["tool_calls"]):
            # Mistral's templates print the last 9 characters of each id.
            prompt = prompt.replace(call["id"], f"<call-id-{index}>").replace(call["id"][-9:], f"<call-id-{index}>")
        prompts[follow_up] = prompt
    return prompts


@pytest.mark.parametrize("family", FAMILIES)
def test_rendered_prompts_equal_the_goldens(client, gateway, family, pytestconfig):
    prompts = rendered_prompts(client, gateway, family)
    records = captures(family)
    assert set(prompts) == set(records), "every capture line is a scenario of these tests"
    if pytestconfig.getoption("--update-captures"):
        path = CAPTURES / f"{family}.jsonl"
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for line in lines:
            line["prompt"] = prompts[line["id"]]
        path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
        return
    drifted = [scenario for scenario in records if prompts[scenario] != records[scenario]["prompt"]]
    if drifted:
        scenario = drifted[0]
        diff = difflib.unified_diff(records[scenario]["prompt"].splitlines(keepends=True),
                                    prompts[scenario].splitlines(keepends=True), "golden", "rendered now")
        pytest.fail(f"{family}: the prompts of {drifted} differ from the goldens in captures/{family}.jsonl; "
                    f"the first, {scenario}:\n{''.join(diff)}\n(if intended: {__doc__.split('    ')[-1].strip()})")
