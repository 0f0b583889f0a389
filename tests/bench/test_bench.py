"""The bench (``python -m bench``) must keep running: its parsers here, ``--quick`` end to end.

No timing is asserted anywhere: the numbers belong to docs/performance.md, not to tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import emulog, plugin, procmon
from bench.drift_refresh import drift_check_pairs, preview_pairs
from bench.harness import mirror_project, package_dir, plugin_command
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


def test_process_roles(tmp_path: Path):
    package = tmp_path / "pkg"
    package.mkdir()
    plugin_cmd = f"/x/pkg/venv/bin/python {package} 127.0.0.1:1"
    # a Python process running a folder is the plugin only if the folder is a plugin package
    assert procmon.classify(plugin_cmd) == "other"
    (package / "PulumiPlugin.yaml").write_text("runtime: python\n")
    assert procmon.classify(plugin_cmd) == "ims provider plugin"
    repo_package = REPO_ROOT / "provider"
    repo_plugin = f"{repo_package}/venv/bin/python {repo_package} 127.0.0.1:40123"
    assert procmon.classify(repo_plugin) == "ims provider plugin"
    assert procmon.classify(f"/bin/cat {package} x") == "other"
    check = "/x/provider/venv/bin/python -c import pulumi.run.plugin"
    assert procmon.classify(check) == "plugin venv check (language host)"
    host = "/c/bin/pulumi-language-python 127.0.0.1:38293"
    assert procmon.classify(host) == "language host (Go)"
    assert procmon.classify("python /x/pulumi-language-python-exec --monitor") == "program"
    assert procmon.classify("anything", root_role="drift check") == "drift check"


@pytest.mark.skipif(not procmon.available(), reason="needs Linux /proc")
def test_sampler_reads_peak_rss_and_cpu_of_the_tree():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        sampler = procmon.RssSampler(os.getpid(), root_role="pytest")
        sampler.sample()
    finally:
        child.kill()
        child.wait()
    assert sampler.samples == 1
    me = sampler.peaks[os.getpid()]
    assert me.peak_kib > 0
    assert me.cpu_s > 0  # this process has run for well over one clock tick
    assert sampler.peaks[child.pid].parent == os.getpid()
    roles = sampler.by_role()
    assert roles["pytest"]["count"] == 1
    assert roles["pytest"]["cpuMs"] == round(me.cpu_s * 1000)


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
    callback = "ims:index:ImsCallbacks$ims:index:RegionCallbacks$ims:index:EventCallback"
    preview = {
        "steps": [
            {"op": "refresh", "urn": f"urn:pulumi:s::p::{callback}::a"},
            {
                "op": "update",
                "urn": f"urn:pulumi:s::p::{callback}::b",
                "detailedDiff": {
                    "url": {"kind": "update", "inputDiff": False},
                    "events[1]": {"kind": "add"},
                },
                "newState": {"inputs": {"region": "cn-beijing", "url": "https://b"}},
            },
            {
                "op": "update",
                "urn": "urn:pulumi:s::p::ims:index:ImsCallbacks$ims:index:CallbackQueue::q",
                "detailedDiff": {"tags": {"kind": "update"}},
                "newState": {"inputs": {"region": "cn-shanghai"}},
            },
            {"op": "same", "urn": f"urn:pulumi:s::p::{callback}::c"},
        ]
    }
    assert preview_pairs(preview) == {("cn-beijing", "url"), ("cn-beijing", "events")}
    assert preview_pairs({"steps": [{"op": "same", "urn": "urn:pulumi:s::p::x::y"}]}) == set()


def test_plugin_launches_from_the_verbose_engine_log():
    # a package folder: the engine names a plugin binary inside it that does not exist
    path = "/w/project/provider/pulumi-resource-ims"
    other = "/w/fakes/bin/pulumi-resource-alicloud"

    def launch(bin_path: str, name: str = "ims") -> str:
        return f"newPlugin(): Launching plugin '{name} (resource)' from '{bin_path}' with args: x"

    lines = [
        ("2026-12-04T18:37:31.975381702Z", "GetPluginPath(language, python)"),
        ("2026-12-04T18:37:33.299230941Z", launch(path)),
        (
            "2026-12-04T18:37:33.299430941Z",
            "Launching plugin 'ims (resource)' from '/w/project/provider' via runtime 'python'",
        ),
        ("2026-12-04T18:37:33.400000000Z", launch(other, "alicloud")),
        ("2026-12-04T18:37:34.000000000Z", f"Handshake: not supported by '{other}'"),
        ("2026-12-04T18:37:34.880967682Z", f"Handshake: not supported by '{path}'"),
        ("2026-12-04T18:37:36.671522983Z", launch(path)),
        ("2026-12-04T18:37:38.253474508Z", f"Handshake: not supported by '{path}'"),
        ("2026-12-04T18:37:39.000000000Z", f"Handshake: not supported by '{path}'"),
    ]
    log = "\n".join(
        ["I1204 plain text line"]
        + [json.dumps({"time": t, "level": "INFO", "msg": m, "v": 9}) for t, m in lines]
    )
    found = plugin.launches(log)
    assert [x["toHandshakeS"] for x in found] == [pytest.approx(1.582, abs=0.001)] * 2
    assert found[0]["atS"] == pytest.approx(1.324, abs=0.001)


def _candidate(root: Path) -> Path:
    """A stand-in ``components`` whose plugin entry point says where it was imported from."""
    server = root / "components" / "provider" / "server.py"
    server.parent.mkdir(parents=True)
    (root / "components" / "__init__.py").write_text("")
    (server.parent / "__init__.py").write_text("")
    server.write_text("def main():\n    print('candidate', __file__, flush=True)\n")
    return root / "components"


@pytest.mark.skipif(
    not (REPO_ROOT / "provider" / "venv" / "bin" / "python").exists(),
    reason="the plugin's virtualenv (make venv) is missing",
)
def test_the_mirrored_plugin_imports_the_candidate_components(tmp_path: Path):
    repo_mirror = mirror_project(tmp_path / "repo")
    assert package_dir(repo_mirror) == REPO_ROOT / "provider"
    candidate = _candidate(tmp_path / "candidate")
    project = mirror_project(tmp_path / "project", candidate)
    package = package_dir(project)
    assert package == project / "provider"
    assert not package.is_symlink()
    assert (package / "venv").resolve() == (REPO_ROOT / "provider" / "venv").resolve()
    cmd = plugin_command(project, plugin.DUMMY_ENGINE)
    assert cmd == [str(package / "venv" / "bin" / "python"), str(package), plugin.DUMMY_ENGINE]
    # run it from elsewhere: the import must not depend on the working directory. The repo's
    # plugin would print its port and serve: read one line, then stop whatever runs.
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    marker, imported = [*line.split(), "", ""][:2]
    assert marker == "candidate", line
    assert Path(imported).resolve() == (candidate / "provider" / "server.py").resolve()


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
    assert "Targets" in proc.stdout
    results = json.loads(output.read_text())
    for key in ("machine", "scaling", "counters", "driftVsRefresh", "startup", "memory"):
        assert results[key], key
    assert results["targets"]
    assert not results["scaling"]["problems"]
    assert results["driftVsRefresh"]["agree"]  # both parsers found the console edits
    assert all(row["pass"] is not False for row in results["counters"]["rows"])
    launched = results["startup"]["plugin"]["inPreview"]["launchesPerPreview"]
    assert launched["preview"] >= launched["noRefresh"] >= 1
    assert results["startup"]["runs"]["program"][0]["registrations"] > 1
    assert output.with_suffix(".md").read_text().startswith("**Machine**")
