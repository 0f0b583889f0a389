"""Running the real CLI and the drift check against emulators, timed, with machine context.

One :class:`Workspace` per bench run: a mirror of the repo's Pulumi project (devtools.stack),
one offline engine profile (file backend, passphrase secrets, the alicloud test double on
PATH) and one emulator per :class:`Scenario`, so stacks that share regions never see each
other's settings and counters stay per scenario.
"""

from __future__ import annotations

import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from bench import emulog
from bench.emulog import Call, LogCursor
from bench.procmon import RssSampler
from devtools.engine import FAKES_BIN, REPO_ROOT, EngineProfile, pulumi_bin_dir
from devtools.stack import PACKAGE_DIR, CliStack, make_project
from emulator.faults import CountersInfo
from emulator.testing import EmulatorProcess, start_emulator

EMULATOR_KEY_ID = "IMSEMULATORKEYID"
EMULATOR_SECRET = "ims-emulator-local-secret"  # noqa: S105 - the emulator-only default pair
CLI_TIMEOUT_S = 300.0
WORK_MARKER = ".bench-work"
PACKAGE_NAME = "ims"
PACKAGE_FILES = ("PulumiPlugin.yaml", "__main__.py", "requirements.txt")
"""What a copy of the ``ims`` package folder needs (its ``venv`` is linked, not copied)."""


class BenchError(RuntimeError):
    """A command the bench relies on failed; the message carries its output."""


@dataclass
class RunResult:
    """One timed command."""

    label: str
    wall_s: float
    cpu_s: float
    """CPU time (user + sys) of the command and every descendant it waited for."""
    returncode: int
    stdout: str
    stderr: str
    load1: float
    calls: list[Call] = field(default_factory=list)
    rss_kib: dict[str, dict[str, int]] = field(default_factory=dict)
    processes: list[dict[str, object]] = field(default_factory=list)

    def gets(self) -> dict[str, Any]:
        """GetEventCallback count, peak in flight and span, from the emulator log."""
        return emulog.overlap(self.calls)

    def summary(self) -> dict[str, Any]:
        """What results.json keeps of the run (no output text)."""
        out: dict[str, Any] = {
            "wallS": round(self.wall_s, 3),
            "cpuS": round(self.cpu_s, 3),
            "load1": self.load1,
            "getEventCallback": self.gets(),
        }
        if self.rss_kib:
            out["peakRssKiB"] = self.rss_kib
        return out


def load1() -> float:
    """The 1-minute load average."""
    return round(os.getloadavg()[0], 2)


def run_timed(
    label: str,
    cmd: Sequence[str],
    *,
    cwd: Path,
    env: dict[str, str],
    sample_rss: bool = False,
    root_role: str = "pulumi CLI (engine)",
    ok_codes: Sequence[int] = (0,),
    timeout: float = CLI_TIMEOUT_S,
) -> RunResult:
    """Run ``cmd``, time it (wall clock), optionally sample peak RSS of its process tree."""
    before = load1()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(cmd), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    sampler = RssSampler(proc.pid, root_role).start() if sample_rss else None
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
        wall = time.perf_counter() - start
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        raise BenchError(f"{label}: timed out after {timeout} s\n{stdout}\n{stderr}") from None
    finally:
        if sampler is not None:
            sampler.stop()
    done = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = done.ru_utime + done.ru_stime - usage.ru_utime - usage.ru_stime
    if proc.returncode not in ok_codes:
        raise BenchError(
            f"{label}: `{' '.join(cmd)}` exited {proc.returncode}\n{stdout[-3000:]}\n"
            f"{stderr[-3000:]}"
        )
    return RunResult(
        label,
        wall,
        cpu,
        proc.returncode,
        stdout,
        stderr,
        before,
        rss_kib=sampler.by_role() if sampler is not None else {},
        processes=sampler.processes() if sampler is not None else [],
    )


@dataclass
class Scenario:
    """One stack of the bench project with its own emulator."""

    name: str
    stack: CliStack
    emulator: EmulatorProcess
    regions: list[str]
    workspace: Workspace
    log: LogCursor = field(init=False)

    def __post_init__(self) -> None:
        self.log = LogCursor(self.emulator.log_file)

    # -- setup -------------------------------------------------------------------------
    def deploy(self, config: dict[str, Any], secrets: dict[str, str] | None = None) -> None:
        """Write the stack's configuration and ``pulumi up`` it (no latency)."""
        self.stack.write_config(config)
        for path, value in (secrets or {}).items():
            self.stack.set_config(path, value, secret=True)
        self.set_latency(0)
        self.stack.run("up", "--yes", "--skip-preview", timeout=CLI_TIMEOUT_S)

    def set_latency(self, latency_ms: int) -> None:
        """Replace every fault rule by one fixed latency on every API call (0: none)."""
        self.emulator.control.clear_faults()
        if latency_ms > 0:
            self.emulator.control.add_fault("latency", latency_ms=latency_ms)

    # -- measured commands -------------------------------------------------------------
    def pulumi(self, label: str, *args: str, sample_rss: bool = False) -> RunResult:
        """``pulumi <args> --stack <name> --non-interactive``, timed."""
        env = self.stack.profile.env()
        env.update(self.stack.env_overrides)
        cmd = ["pulumi", *args, "--stack", self.name, "--non-interactive"]
        return self._measure(label, cmd, cwd=self.stack.project_dir, env=env, sample_rss=sample_rss)

    def drift_cmd(self, fmt: str = "json") -> list[str]:
        """The drift check's command line for this stack."""
        return [
            sys.executable,
            "-m",
            "components.drift",
            "--stack",
            self.name,
            "--project-dir",
            str(self.stack.project_dir),
            "--emulator",
            self.emulator.base_url,
            "--format",
            fmt,
        ]

    def drift(self, label: str, *, sample_rss: bool = False) -> RunResult:
        """The read-only drift check (JSON), timed; exit codes 0 and 2 are results."""
        env = self.stack.profile.env()
        return self._measure(
            label,
            self.drift_cmd(),
            cwd=self.stack.project_dir,
            env=env,
            ok_codes=(0, 2),
            sample_rss=sample_rss,
            root_role="drift check",
        )

    def _measure(
        self,
        label: str,
        cmd: list[str],
        *,
        cwd: Path,
        env: dict[str, str],
        sample_rss: bool = False,
        root_role: str = "pulumi CLI (engine)",
        ok_codes: Sequence[int] = (0,),
    ) -> RunResult:
        self.log.mark()
        result = run_timed(
            label,
            cmd,
            cwd=cwd,
            env=env,
            sample_rss=sample_rss,
            root_role=root_role,
            ok_codes=ok_codes,
        )
        result.calls = self.log.calls_since_mark()
        self.workspace.record_command(cmd)
        return result

    # -- counters ----------------------------------------------------------------------
    def counters(self) -> CountersInfo:
        """The emulator's call counters."""
        return self.emulator.control.counters()

    def reset_counters(self) -> None:
        """Zero the emulator's call counters."""
        self.emulator.control.reset_counters()


@dataclass
class Workspace:
    """The bench's project mirror, engine profile and the scenarios' emulators."""

    root: Path
    profile: EngineProfile
    project_dir: Path
    exits: ExitStack
    components: Path | None = None
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    commands: list[str] = field(default_factory=list)

    def make_project(self, dest: Path) -> Path:
        """A project mirror (devtools.stack.make_project), with ``components`` swapped if asked."""
        return mirror_project(dest, self.components)

    def scenario(self, name: str, regions: list[str], project_dir: Path | None = None) -> Scenario:
        """A new stack ``name`` (of the bench project unless given) with a fresh emulator."""
        emulator = self.exits.enter_context(
            start_emulator(self.root / "emulators" / f"{name}.json")
        )
        stack = CliStack(
            project_dir or self.project_dir,
            name,
            self.profile,
            env_overrides={
                "IMS_CALLBACKS_EMULATOR": emulator.base_url,
                "FAKE_ALICLOUD_LOG": str(self.root / "emulators" / f"{name}-alicloud.jsonl"),
            },
        )
        stack.init()
        scenario = Scenario(name, stack, emulator, regions, self)
        self.scenarios[name] = scenario
        return scenario

    def record_command(self, cmd: Sequence[str]) -> None:
        """Remember a measured command line (shown in the report, paths shortened)."""
        text = " ".join(cmd).replace(sys.executable, ".venv/bin/python")
        text = text.replace(str(self.root), "$WORK").replace(f"{REPO_ROOT}/", "")
        shape = _command_shape(text)
        if shape not in self.commands:
            self.commands.append(shape)


def mirror_project(dest: Path, components: Path | None = None) -> Path:
    """A project mirror in ``dest``; with ``components``, program and plugin both import it.

    The mirror's ``components`` symlink then points at the candidate. The ``ims`` plugin is
    the package folder named under ``packages:``; its ``__main__.py`` puts the folder's
    parent on ``sys.path`` (``Path(__file__).resolve().parent.parent``), which for the repo's
    folder is the repo. So the mirror gets a real copy of the package folder (its
    ``venv`` a symlink to the repo's ``provider/venv``) and ``packages:`` names that copy:
    the plugin's parent folder is then the mirror, whose ``components`` is the candidate.
    """
    project = make_project(dest)
    if components is None:
        return project
    link = project / "components"
    link.unlink()
    link.symlink_to(components)
    package = project / PACKAGE_DIR.name
    package.mkdir()
    for name in PACKAGE_FILES:
        shutil.copy2(PACKAGE_DIR / name, package / name)
    (package / plugin_venv(PACKAGE_DIR).name).symlink_to(plugin_venv(PACKAGE_DIR))
    pulumi_yaml = project / "Pulumi.yaml"
    config = yaml.safe_load(pulumi_yaml.read_text())
    config["packages"] = {**config.get("packages", {}), PACKAGE_NAME: str(package)}
    pulumi_yaml.write_text(yaml.safe_dump(config, sort_keys=False))
    return project


def package_dir(project: Path) -> Path:
    """The ``ims`` package folder a project names under ``packages:`` (absolute)."""
    config = yaml.safe_load((project / "Pulumi.yaml").read_text())
    return (project / str(config["packages"][PACKAGE_NAME])).absolute()


def plugin_venv(package: Path) -> Path:
    """The plugin's own virtualenv: ``runtime.options.virtualenv`` of its PulumiPlugin.yaml."""
    config = yaml.safe_load((package / "PulumiPlugin.yaml").read_text())
    return package / str(config["runtime"]["options"]["virtualenv"])


def plugin_command(project: Path, engine: str) -> list[str]:
    """What the Python language host runs for the ``ims`` plugin of ``project``.

    ``<venv>/bin/python <package folder> <engine address>``: the folder's ``__main__.py``.
    """
    package = package_dir(project)
    return [str(plugin_venv(package) / "bin" / "python"), str(package), engine]


def _command_shape(text: str) -> str:
    """Replace emulator ports so the same command is listed once."""
    parts = text.split()
    return " ".join(
        "http://127.0.0.1:$PORT" if p.startswith("http://127.0.0.1:") else p for p in parts
    )


@contextmanager
def workspace(root: Path, components: Path | None = None) -> Iterator[Workspace]:
    """A fresh work folder (deleted and recreated) with the engine profile and project.

    ``components``: measure another copy of the ``components`` package (a candidate fix)
    instead of the repo's; the program, the ``ims`` provider plugin and the drift check all
    use it (:func:`mirror_project`). The program runs on this interpreter (the mirror's
    ``virtualenv`` is ``sys.prefix``), the plugin on its own virtualenv (``provider/venv``,
    ``make venv``), as the language host starts it.
    """
    python = plugin_venv(PACKAGE_DIR) / "bin" / "python"
    if not python.exists():
        raise BenchError(f"the ims plugin's virtualenv is missing ({python}): run `make venv`")
    if root.exists() and any(root.iterdir()) and not (root / WORK_MARKER).exists():
        raise BenchError(f"{root} is not empty and was not made by the bench; not wiping it")
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    (root / WORK_MARKER).write_text("scratch folder of python -m bench; wiped on every run\n")
    profile = EngineProfile(
        bin_dir=pulumi_bin_dir(),
        state_dir=root / "pulumi",
        extra_path=(FAKES_BIN,),
        extra_env={
            "ALIBABA_CLOUD_ACCESS_KEY_ID": EMULATOR_KEY_ID,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": EMULATOR_SECRET,
        },
    )
    with ExitStack() as exits:
        ws = Workspace(root, profile, root / "project", exits, components)
        ws.make_project(ws.project_dir)
        yield ws


# -- statistics -------------------------------------------------------------------------
def median(values: Sequence[float]) -> float:
    """The median (values must not be empty)."""
    return float(statistics.median(values))


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``, rounded for the report."""
    return round(numerator / denominator, 3) if denominator else float("nan")


# -- machine ----------------------------------------------------------------------------
def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def pulumi_version(profile: EngineProfile) -> str:
    """``pulumi version`` of the CLI the bench uses."""
    out = subprocess.run(
        ["pulumi", "version"], env=profile.env(), capture_output=True, text=True, check=False
    )
    return out.stdout.strip() or "unknown"


def machine(profile: EngineProfile) -> dict[str, Any]:
    """Where and when the numbers were taken."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "host": platform.node(),
        "os": f"{platform.system()} {platform.release()}",
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "cpusUsable": affinity,
        "memGiB": _mem_total_gib(),
        "python": platform.python_version(),
        "pulumiCli": pulumi_version(profile),
        "pulumiSdk": metadata.version("pulumi"),
        "pulumiAlicloudSdk": metadata.version("pulumi-alicloud"),
        "loadAvgAtStart": [round(x, 2) for x in os.getloadavg()],
    }
