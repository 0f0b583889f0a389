"""Every cloud error, in every operation, reaches the user as one clean line (issue 15, item 2).

The matrix is operation x fault, through the real CLI on the emulator, for the callback
setting (``cn-beijing``, HTTP with a configured key) and the MNS queue (``cn-shanghai``):

- read: ``pulumi preview`` and ``pulumi up`` (``refresh: always`` reads every resource
  first) and the drift check; the setting fails at GetEventCallback, the queue at
  GetQueueAttributes;
- create: ``pulumi up --continue-on-error`` on a fresh stack; the setting fails at the
  GetEventCallback before the apply, then at SetEventCallback; the queue at CreateQueue;
- update: ``pulumi up --continue-on-error`` after a config change; SetEventCallback,
  SetQueueAttributes;
- delete: ``pulumi destroy --continue-on-error``; SetEventCallback (the reset), DeleteQueue.

Faults: ``Forbidden.RAM`` (403, never retried), throttling and 5xx on every attempt (so past
the retries: ``ims:retryAttempts: 2`` keeps that fast), a connection the emulator closes
without an answer, and a connection refused (nothing listening at the endpoint).

Each failed command must exit non-zero, print no ``Traceback`` (nor a Python frame), and show
each failure as one line naming the operation, the region, the error code and ``Fix:``, on at
most three lines in all (the CLI's progress line, its "failed" line and the diagnostics).
The two failures of a command are injected in the two regions at once, so one command
checks both resources. ``IMS_RELIABILITY_RESULTS`` gets one line per cell (the table in
docs/reliability.md).
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from components.aliyun.endpoints import Transport
from components.aliyun.errors import CloudError
from components.aliyun.ice import IceClient
from components.aliyun.retry import RetryPolicy
from emulator.auth import DEFAULT_ACCESS_KEY_SECRET
from emulator.faults import FaultKind
from tests.reliability.harness import Scenario, credential, ice_client, record_figures
from tests.security.scan import SecretAudit

SETTING = "cn-beijing"  # HTTP, configured key: the failed Set requests carried it
QUEUE = "cn-shanghai"  # MNS, queue created by the stack
REGIONS = (SETTING, QUEUE)
RETRY_ATTEMPTS = 2
MAX_LINES_PER_FAILURE = 3
"""The CLI shows a resource's error on its progress line, its "failed" line and once more
under Diagnostics; a preview shows it twice."""


@dataclass(frozen=True)
class Fault:
    """An emulator fault kind per service and the error code the user must see."""

    ice: FaultKind
    mns: FaultKind
    ice_code: str
    mns_code: str

    def kind(self, service: str) -> FaultKind:
        return self.ice if service == "ice" else self.mns

    def code(self, service: str) -> str:
        return self.ice_code if service == "ice" else self.mns_code


FAULTS = {
    "forbidden": Fault("forbidden", "forbidden", "Forbidden.RAM", "Forbidden.RAM"),
    "throttled": Fault("throttle", "throttle", "Throttling.User", "Throttling.User"),
    # both 5xx the emulator knows: 500 on ICE, 503 on MNS
    "5xx": Fault("internal", "unavailable", "InternalError", "ServiceUnavailable"),
    # through the emulator (an HTTP proxy), a closed connection is the proxy's ProxyError
    "dropped": Fault("drop", "drop", "ProxyError", "ProxyError"),
}


@dataclass(frozen=True)
class Failure:
    """One failing API call: ``ice:GetEventCallback`` in ``cn-beijing``."""

    service: str  # "ice" or "mns"
    operation: str
    region: str

    @property
    def qualified(self) -> str:
        prefix = "ice" if self.service == "ice" else "mns-open"
        return f"{prefix}:{self.operation}"


def setting(operation: str) -> Failure:
    return Failure("ice", operation, SETTING)


def queue(operation: str) -> Failure:
    return Failure("mns", operation, QUEUE)


def output(proc: subprocess.CompletedProcess[str]) -> str:
    return proc.stdout + proc.stderr


def inject(scenario: Scenario, fault: Fault, failures: Sequence[Failure]) -> None:
    """Only these calls fail, on every attempt."""
    scenario.emulator.control.clear_faults()
    for failure in failures:
        scenario.emulator.control.add_fault(
            fault.kind(failure.service), operation=failure.operation, region=failure.region
        )


def assert_clean_failure(
    proc: subprocess.CompletedProcess[str],
    failures: Sequence[Failure],
    codes: Sequence[str],
) -> int:
    """Non-zero exit, no traceback, each failure one line with its code and fix; the most
    lines any failure took."""
    text = output(proc)
    assert proc.returncode != 0, text[-3000:]
    assert "Traceback" not in text, text
    assert not re.search(r'^\s*File "', text, re.MULTILINE), text
    most = 0
    for failure, code in zip(failures, codes, strict=True):
        where = f"{failure.qualified} in {failure.region}"
        lines = [line for line in text.splitlines() if where in line]
        assert lines, f"no line names {where}:\n{text[-3000:]}"
        for line in lines:
            assert f"{where} failed: {code}" in line, line
            assert re.search(r"\. Fix: \S.*\.$", line.rstrip()), line
        assert len(lines) <= MAX_LINES_PER_FAILURE, lines
        most = max(most, len(lines))
    return most


def drift_errors(scenario: Scenario, emulator_url: str | None = None) -> tuple[int, dict[str, str]]:
    """The drift check's exit code and the error it reports per region ("" if none)."""
    code, text = scenario.drift("json", emulator_url)
    report = json.loads(text[: text.rindex("}") + 1])
    regions = {r["region"]: r for s in report["stacks"] for r in s["regions"]}
    return code, {region: str(r["error"] or "") for region, r in regions.items()}


def drift_error(scenario: Scenario, emulator_url: str | None = None) -> tuple[int, str]:
    """The drift check's exit code and the error it reports for the setting's region."""
    code, errors = drift_errors(scenario, emulator_url)
    return code, errors[SETTING]


def words(text: str) -> str:
    """``text`` without what differs between two reports of one failure: the request ID."""
    return re.sub(r"RequestId [\w-]+", "RequestId <id>", text)


def failure_line(text: str, failure: Failure) -> str:
    """The CLI's diagnostics line for ``failure``, from its name to the end of the line."""
    where = f"{failure.qualified} in {failure.region} failed: "
    line = next(line for line in reversed(text.splitlines()) if where in line)
    return line[line.index(where) :].rstrip()


def cell(fault: str, operation: str, command: str, proc_code: int, lines: int) -> None:
    """One cell of the table in docs/reliability.md (written with IMS_RELIABILITY_RESULTS)."""
    record_figures(
        "fault matrix",
        fault=fault,
        operation=operation,
        command=command,
        exit_code=proc_code,
        lines_per_failure=lines,
    )


def audit_outputs(scenario: Scenario) -> None:
    """The failed Set requests carried the configured key: no command printed it."""
    audit = SecretAudit()
    for region, key in scenario.keys.items():
        audit.secret(f"auth key {region}", key)
    audit.secret("AccessKey secret", DEFAULT_ACCESS_KEY_SECRET)
    for command, text in scenario.stack.transcript:
        audit.add(command, text)
    audit.assert_clean()


@pytest.mark.parametrize("name", list(FAULTS))
def test_every_operation_fails_with_one_clean_line(scenario: Scenario, name: str):
    fault = FAULTS[name]
    scenario.provider_config = {"ims:retryAttempts": str(RETRY_ATTEMPTS)}
    scenario.configure(REGIONS)

    def up_fails(operation: str, failures: Sequence[Failure], *extra: str) -> None:
        inject(scenario, fault, failures)
        proc = scenario.up("--continue-on-error", *extra, check=False)
        codes = [fault.code(f.service) for f in failures]
        cell(
            name,
            operation,
            "pulumi up",
            proc.returncode,
            assert_clean_failure(proc, failures, codes),
        )

    # create: the read before the apply, and CreateQueue; then the apply itself
    up_fails("create (read first)", [setting("GetEventCallback"), queue("CreateQueue")])
    up_fails("create", [setting("SetEventCallback")])
    code, error = drift_error(scenario)
    assert (code, error) == (2, "")  # readable, and not configured yet
    cell(name, "create", "drift check", code, 0)
    scenario.emulator.control.clear_faults()
    scenario.up()

    # read: preview and up both read every resource first (refresh: always)
    reads = [setting("GetEventCallback"), queue("GetQueueAttributes")]
    codes = [fault.code(f.service) for f in reads]
    inject(scenario, fault, reads)
    preview = scenario.stack.run("preview", check=False)
    lines = assert_clean_failure(preview, reads, codes)
    cell(name, "read", "pulumi preview", preview.returncode, lines)
    up = scenario.up(check=False)
    cell(name, "read", "pulumi up", up.returncode, assert_clean_failure(up, reads, codes))
    code, errors = drift_errors(scenario)
    assert code == 1
    assert errors[SETTING].startswith(f"ice:GetEventCallback in {SETTING} failed: {fault.ice_code}")
    for failure in reads:  # the same words as preview, attempts and fix included
        assert words(errors[failure.region]) == words(failure_line(output(preview), failure))
    cell(name, "read", "drift check", code, 1)

    # update: events of the setting, retention of the queue
    changed = json.loads(json.dumps(scenario.config["ims-callbacks:callbacks"]["regions"]))
    changed[SETTING]["events"] = ["FileUploadComplete"]
    changed[QUEUE]["queue"]["retentionSeconds"] = 86400
    scenario.configure(REGIONS, **changed)
    up_fails("update", [setting("SetEventCallback"), queue("SetQueueAttributes")])
    code, error = drift_error(scenario)
    assert (code, error) == (2, "")  # the setting is readable and not as desired
    cell(name, "update", "drift check", code, 0)

    # delete: the setting is reset (nothing was there before), the queue deleted
    inject(scenario, fault, [setting("SetEventCallback"), queue("DeleteQueue")])
    destroy = scenario.stack.run(
        "destroy", "--yes", "--skip-preview", "--continue-on-error", check=False
    )
    deletes = [setting("SetEventCallback"), queue("DeleteQueue")]
    lines = assert_clean_failure(destroy, deletes, [fault.code(f.service) for f in deletes])
    cell(name, "delete", "pulumi destroy", destroy.returncode, lines)
    code, error = drift_error(scenario)
    assert (code, error) == (2, "")  # the MNS region was reset, the HTTP one stayed
    cell(name, "delete", "drift check", code, 0)
    audit_outputs(scenario)


def ice_client_at(url: str) -> IceClient:
    return IceClient(SETTING, credential(), Transport(emulator=url), RetryPolicy(max_attempts=1))


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_refused_fails_every_command_with_one_line_per_resource(scenario: Scenario):
    """Nothing listens at the endpoint: every read fails (create reads first, destroy and up
    refresh first), each as one line; the drift check says the same."""
    scenario.provider_config = {"ims:retryAttempts": str(RETRY_ATTEMPTS)}
    scenario.configure((SETTING,))
    scenario.up()
    nowhere = f"http://127.0.0.1:{closed_port()}"
    scenario.stack.env_overrides["IMS_CALLBACKS_EMULATOR"] = nowhere
    read = [setting("GetEventCallback")]
    code = [FAULTS["dropped"].ice_code]  # the emulator is the SDK's proxy: ProxyError
    preview = scenario.stack.run("preview", check=False)
    cell(
        "refused",
        "read",
        "pulumi preview",
        preview.returncode,
        assert_clean_failure(preview, read, code),
    )
    up = scenario.up(check=False)
    cell("refused", "read", "pulumi up", up.returncode, assert_clean_failure(up, read, code))
    destroy = scenario.stack.run("destroy", "--yes", "--skip-preview", check=False)
    lines = assert_clean_failure(destroy, read, code)
    cell("refused", "delete (refresh first)", "pulumi destroy", destroy.returncode, lines)
    drift_code, error = drift_error(scenario, nowhere)
    assert drift_code == 1
    assert error.startswith(f"ice:GetEventCallback in {SETTING} failed: ProxyError"), error
    cell("refused", "read", "drift check", drift_code, 1)
    audit_outputs(scenario)


def test_drift_check_reports_a_failed_read_with_the_words_preview_uses(scenario: Scenario):
    scenario.configure((SETTING,))
    scenario.emulator.control.add_fault("forbidden", operation="GetEventCallback", region=SETTING)
    with pytest.raises(CloudError) as raised:
        ice_client(scenario.emulator, SETTING).get_callback()
    code, error = drift_error(scenario)
    assert code == 1
    assert words(error) == words(str(raised.value))


def test_a_refused_connection_says_so_and_gets_the_network_fix():
    client = ice_client_at(f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(CloudError) as raised:
        client.get_callback()
    text = str(raised.value)
    assert "Connection refused" in text
    assert "Fix: check the network, proxy and endpoint" in text


def test_an_unreadable_queue_fails_the_drift_check_as_it_fails_preview(scenario: Scenario):
    scenario.configure((QUEUE,))
    scenario.emulator.control.add_fault("forbidden", operation="GetQueueAttributes", region=QUEUE)
    code, text = scenario.drift("json")
    assert code == 1
    assert f"mns-open:GetQueueAttributes in {QUEUE} failed: Forbidden.RAM" in text
