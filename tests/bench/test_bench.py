"""The bench (``python -m bench``) must keep running: its parsers here, ``--quick`` end to end.

No timing is asserted anywhere: the numbers belong to docs/performance.md, not to tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import emulog, procmon
from bench.drift_refresh import drift_check_pairs, preview_pairs
from bench.stacks import drift_edits, mixed_stack
from bench.startup import IMPORT_LINE
from devtools.engine import REPO_ROOT

HEAD = "2026-11-28 11:46:37,{ms:03d} INFO emulator.server: "
LOG = "\n".join(
    [
        HEAD.format(ms=52)
        + "ice.me-east-1.aliyuncs.com me-east-1 GetEventCallback A-1 -> 200 (200.0 ms)",
        HEAD.format(ms=60)
        + "ice.us-west-1.aliyuncs.com us-west-1 GetEventCallback A-2 -> 200 (200.0 ms)",
        HEAD.format(ms=300) + "admin GET /_emulator/counters -> 200",
        HEAD.format(ms=500)
        + "ice.cn-beijing.aliyuncs.com cn-beijing GetEventCallback A-3 -> 200 (200.0 ms)",
        HEAD.format(ms=600)
        + "ice.cn-beijing.aliyuncs.com cn-beijing SetEventCallback A-4 -> 200 (10.0 ms)",
    ]
)


def test_emulator_log_overlap():
    calls = emulog.parse(LOG)
    assert [c.action for c in calls] == ["GetEventCallback"] * 3 + ["SetEventCallback"]
    stats = emulog.overlap(calls)
    assert stats["calls"] == 3
    assert stats["maxInFlight"] == 2  # the first two overlap, the third starts later
    assert stats["spanS"] == pytest.approx(0.648, abs=0.002)
    assert emulog.overlap([], "GetEventCallback")["maxInFlight"] == 0


def test_process_roles():
    assert procmon.classify("python -u -m pulumi.dynamic 127.0.0.1:1") == "dynamic provider"
    assert procmon.classify("python /x/pulumi-language-python-exec --monitor") == "program"
    assert procmon.classify("anything", root_role="drift check") == "drift check"
    if procmon.available():
        sampler = procmon.RssSampler(1)
        sampler.sample()
        assert sampler.samples == 1


def test_drift_parsers_read_both_reports():
    check = {
        "stacks": [
            {
                "regions": [
                    {
                        "region": "cn-beijing",
                        "fields": [
                            {"field": "url", "status": "drifted"},
                            {"field": "events", "status": "in_sync"},
                            {"field": "authKey", "status": "not_compared"},
                        ],
                    }
                ]
            }
        ]
    }
    assert drift_check_pairs(check) == ({("cn-beijing", "url")}, {("cn-beijing", "authKey")})
    preview = {
        "steps": [
            {"op": "refresh", "urn": "urn:pulumi:s::p::pulumi-python:dynamic/ims:EventCallback::a"},
            {
                "op": "update",
                "urn": "urn:pulumi:s::p::x$pulumi-python:dynamic/ims:EventCallback::b",
                "newState": {
                    "inputs": {"region": "cn-beijing", "drift": ["url: https://a -> https://b"]}
                },
            },
        ]
    }
    assert preview_pairs(preview) == {("cn-beijing", "url")}


def test_stack_configs_and_importtime_pattern():
    regions = mixed_stack(8)["ims-callbacks:callbacks"]["regions"]
    assert len(regions) == 8
    assert {r["delivery"] for r in regions.values()} == {"http", "mns"}
    assert all(e.drifted_fields() for e in drift_edits(8))
    match = IMPORT_LINE.match("import time:       285 |     600479 |   components.aliyun.ice")
    assert match is not None
    assert match.group(4) == "components.aliyun.ice"


@pytest.mark.engine
@pytest.mark.timeout(900)
def test_quick_bench_runs_end_to_end(tmp_path: Path):
    output = tmp_path / "results.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--output",
            str(output),
            "--work-dir",
            str(tmp_path / "work"),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=840,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    assert "Targets (issue 6)" in proc.stdout
    results = json.loads(output.read_text())
    for key in ("machine", "scaling", "counters", "driftVsRefresh", "startup", "memory"):
        assert results[key], key
    assert results["targets"]
    assert not results["scaling"]["problems"]
    assert results["driftVsRefresh"]["agree"]  # both parsers found the console edits
    assert results["startup"]["runs"]["program"][0]["registrations"] > 1
    assert output.with_suffix(".md").read_text().startswith("**Machine**")
