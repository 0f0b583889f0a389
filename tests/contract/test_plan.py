"""The dry run: exact operations and RAM permissions, no secret, no call at all."""

from __future__ import annotations

import json

import pytest

from contract.cli import main
from contract.plan import load_plan
from emulator.auth import DEFAULT_ACCESS_KEY_SECRET

OPERATIONS = {
    "ice:ContractNoSuchAction",
    "ice:GetEventCallback",
    "ice:SetEventCallback",
    "mns-open:CreateQueue",
    "mns-open:DeleteQueue",
    "mns-open:GetQueueAttributes",
    "mns-open:ListQueue",
    "mns-open:SetQueueAttributes",
}
QUEUES = "acs:mns:cn-shanghai:*:/queues/ice-callback-contract-*"
PERMISSIONS = {
    "ice:GetEventCallback": "*",
    "ice:SetEventCallback": "*",
    "mns:CreateQueue": QUEUES,
    "mns:DeleteQueue": QUEUES,
    "mns:GetQueueAttributes": QUEUES,
    "mns:ListQueue": "acs:mns:cn-shanghai:*:/queues",
    "mns:SetQueueAttributes": QUEUES,
}


def plan(capsys, *args):
    status = main(["plan", "--region", "cn-shanghai", *args])
    return status, capsys.readouterr().out


def test_plan_lists_exact_operations_and_permissions(capsys, no_network, monkeypatch):
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIcontractplan0")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEFAULT_ACCESS_KEY_SECRET)
    status, out = plan(capsys, "--json")
    assert status == 0
    data = json.loads(out)
    assert {c["operation"] for c in data["calls"]} == OPERATIONS
    assert {c["region"] for c in data["calls"]} == {"cn-shanghai", "eu-central-1", "me-east-1"}
    off_region = [c for c in data["calls"] if c["region"] != "cn-shanghai"]
    assert {(c["operation"], c["signing"]) for c in off_region} == {
        ("ice:GetEventCallback", "signed")
    }
    assert data["permissions"] == PERMISSIONS
    assert data["policy"]["Statement"] == [
        {
            "Effect": "Allow",
            "Action": ["ice:GetEventCallback", "ice:SetEventCallback"],
            "Resource": "*",
        },
        {
            "Effect": "Allow",
            "Action": [
                "mns:CreateQueue",
                "mns:DeleteQueue",
                "mns:GetQueueAttributes",
                "mns:SetQueueAttributes",
            ],
            "Resource": QUEUES,
        },
        {
            "Effect": "Allow",
            "Action": ["mns:ListQueue"],
            "Resource": "acs:mns:cn-shanghai:*:/queues",
        },
    ]
    assert len(data["calls"]) == len(load_plan())
    assert "LTAIcontractplan0" not in out
    assert DEFAULT_ACCESS_KEY_SECRET not in out


def test_plan_text_names_every_call_permission_and_the_restore_record(capsys, no_network, tmp_path):
    state = str(tmp_path / "st")
    status, out = plan(capsys, "--queue-prefix", "ice-callback-mytest-", "--state-dir", state)
    assert status == 0
    for call in load_plan():
        assert f"{call.operation}  " in out
        assert f"for: {', '.join(call.steps)}" in out
    assert f"{state}/contract-restore-cn-shanghai.json (mode 0600" in out
    assert "mns:CreateQueue  acs:mns:cn-shanghai:*:/queues/ice-callback-mytest-*" in out
    assert "AuthKey = a generated test key, or an invalid one (masked)" in out
    assert "nothing is called now" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "xx-nowhere-1"], "unknown region"),
        (
            ["--region", "cn-shanghai", "--queue-prefix", "my-queues-"],
            "must start with ice-callback-",
        ),
    ],
)
def test_plan_rejects_bad_choices(capsys, args, message):
    assert main(["plan", *args]) == 2
    assert message in capsys.readouterr().err
