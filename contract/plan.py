"""The dry run of a live contract run: every API call it makes and the RAM permissions it needs.

The calls come from ``plan.json`` beside this module: the distinct calls (operation, region,
signing, parameter names) of a rehearsal of the live run against the emulator, each with the
rule and probe ids that send it. The contract suite re-records it and fails when the live
run's calls change (regenerate with ``IMS_CALLBACKS_UPDATE_GOLDEN=1``), so the plan is exact.
Printing it makes no call at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contract.restore import PARK_URL
from contract.target import (
    TEST_URL,
    UNKNOWN_ACCESS_KEY_ID,
    WRONG_VERSION,
    Call,
    Signing,
)

PLAN_FILE = Path(__file__).with_name("plan.json")
RUN_REGION = "<region>"
"""The region placeholder in plan.json: the ``--region`` of the run."""
SIGNINGS: Mapping[Signing, str] = {
    "signed": "your credentials (ACS3 signature, the SDK default)",
    "signed-v2": "your credentials, legacy RPC (v2) signature",
    "wrong-version": f"your credentials, API version {WRONG_VERSION} (rejected)",
    "wrong-secret": "your AccessKey id with a wrong secret (rejected)",
    "unknown-key": f"the made-up AccessKey id {UNKNOWN_ACCESS_KEY_ID} (rejected)",
    "unsigned": "no signature (rejected)",
}
PARAMETERS: Mapping[str, str] = {
    "CallbackType": "HTTP, MNS or an invalid value",
    "CallbackURL": f"{TEST_URL} and variants, some invalid (.invalid never resolves)",
    "CallbackQueueName": "a queue of this run, or an invalid / missing name",
    "EventTypeList": "catalogue event names, empty, or invalid names",
    "AuthSwitch": "on, off or an invalid value",
    "AuthKey": "a generated test key, or an invalid one (masked)",
    "QueueName": "<queue prefix><run id>-<random>: this run's queues only",
    "QueueType": "normal, fifo or an invalid value",
    "EnableLogging": "true, false or an invalid value",
    "EnableSSE": "true",
    "SseType": "SMQ or an invalid value",
    "DlqPolicy": '{"Enabled": false} or an invalid value',
    "TenantRateLimitPolicy": "an invalid value",
    "PageNum": "0 or 2",
    "PageSize": "5 or 500",
    "Tag.N.Key": "a test tag key, or missing",
    "Tag.N.Value": "a test tag value",
}
"""What each parameter carries; queue attributes not listed: values at and just outside the
documented range."""
RESTORE_NOTE = (
    "record/restore: GetEventCallback before any change; at the end SetEventCallback with the"
    f" recorded fields (a never-configured region: {PARK_URL}, no events), then DeleteQueue"
    " of every queue the run generated"
)
ICE_UNRESTRICTED = "*"
"""ICE callback APIs have no resource-level authorization ("All resources")."""
_MNS_QUEUE_ACTIONS = ("CreateQueue", "GetQueueAttributes", "SetQueueAttributes", "DeleteQueue")


@dataclass(frozen=True)
class PlannedCall:
    """One distinct call of the live run and the steps (rule / probe ids) that send it."""

    operation: str
    region: str
    signing: Signing
    params: tuple[str, ...]
    steps: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """plan.json form."""
        return {
            "operation": self.operation,
            "region": self.region,
            "signing": self.signing,
            "params": list(self.params),
            "steps": list(self.steps),
        }


def from_journal(calls: Iterable[Call], region: str) -> list[PlannedCall]:
    """The distinct calls of a journal (``region`` becomes the placeholder), sorted."""
    steps: dict[tuple[str, str, Signing, tuple[str, ...]], set[str]] = {}
    for call in calls:
        where = RUN_REGION if call.region == region else call.region
        key = (call.operation, where, call.signing, tuple(sorted(call.params)))
        steps.setdefault(key, set()).add(call.step)
    return [PlannedCall(*key, tuple(sorted(s))) for key, s in sorted(steps.items())]


def load_plan(path: Path = PLAN_FILE) -> list[PlannedCall]:
    """The committed plan."""
    return [
        PlannedCall(
            e["operation"], e["region"], e["signing"], tuple(e["params"]), tuple(e["steps"])
        )
        for e in json.loads(path.read_text(encoding="utf-8"))
    ]


def save_plan(calls: list[PlannedCall], path: Path = PLAN_FILE) -> None:
    """Rewrite plan.json (used by the suite when regenerating)."""
    path.write_text(json.dumps([c.to_json() for c in calls], indent=2) + "\n", encoding="utf-8")


def permissions(calls: Iterable[PlannedCall], region: str, queue_prefix: str) -> dict[str, str]:
    """RAM action -> resource ARN for every authorized call (rejected calls need none)."""
    needed: dict[str, str] = {}
    for call in calls:
        product, action = call.operation.split(":")
        if call.signing not in ("signed", "signed-v2"):
            continue
        if product == "ice" and action in ("GetEventCallback", "SetEventCallback"):
            needed[f"ice:{action}"] = ICE_UNRESTRICTED
        elif product == "mns-open" and action == "ListQueue":
            needed["mns:ListQueue"] = f"acs:mns:{region}:*:/queues"
        elif product == "mns-open" and action in _MNS_QUEUE_ACTIONS:
            needed[f"mns:{action}"] = f"acs:mns:{region}:*:/queues/{queue_prefix}*"
    return dict(sorted(needed.items()))


def policy(needed: Mapping[str, str]) -> dict[str, Any]:
    """A RAM policy document granting exactly ``needed``."""
    by_resource: dict[str, list[str]] = {}
    for action, resource in needed.items():
        by_resource.setdefault(resource, []).append(action)
    return {
        "Version": "1",
        "Statement": [
            {"Effect": "Allow", "Action": actions, "Resource": resource}
            for resource, actions in by_resource.items()
        ],
    }


def render(region: str, queue_prefix: str, calls: list[PlannedCall], record: Path) -> str:
    """The human-readable dry run (``record``: where the restore record would be written)."""
    needed = permissions(calls, region, queue_prefix)
    lines = [
        f"Dry run of the live contract run in {region}: nothing is called now.",
        "",
        f"Before any change: the restore record {record} (mode 0600; it holds the region's"
        " AuthKey in plain text) is written.",
        f"Queues: only names starting with {queue_prefix}<run id>-, all deleted at the end.",
        f"Note: {RESTORE_NOTE}.",
        "",
        f"API calls ({len(calls)} distinct; operation, region, signing, parameters):",
    ]
    for n, call in enumerate(calls, 1):
        where = region if call.region == RUN_REGION else call.region
        lines.append(f"{n:3}. {call.operation}  {where}  {call.signing}")
        for param in call.params:
            described = PARAMETERS.get(re.sub(r"\.\d+\.", ".N.", param))
            lines.append(f"       {param} = {described or 'values at and just outside the range'}")
        lines.append(f"       for: {', '.join(call.steps)}")
    lines += ["", "Signing:"]
    lines += [f"  {name}: {text}" for name, text in SIGNINGS.items()]
    lines += ["", "RAM permissions needed (action, resource):"]
    lines += [f"  {action}  {resource}" for action, resource in needed.items()]
    lines += ["", "As a RAM policy:", json.dumps(policy(needed), indent=2)]
    return "\n".join(lines) + "\n"


def plan_json(region: str, queue_prefix: str, calls: list[PlannedCall]) -> dict[str, Any]:
    """The dry run as JSON."""
    needed = permissions(calls, region, queue_prefix)
    return {
        "region": region,
        "queue_prefix": queue_prefix,
        "calls": [
            {**c.to_json(), "region": region if c.region == RUN_REGION else c.region} for c in calls
        ],
        "permissions": needed,
        "policy": policy(needed),
    }
