"""Tables of one bench run: printed with rich, also rendered as Markdown (results.md)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

PREVIEW_RATIO_TARGET = 1.15
DRIFT_RATIO_TARGET = 1.15
REFRESH_OVER_DRIFT_TARGET = 3.0
STARTUP_ADDED_TARGET_S = 1.0


@dataclass
class Grid:
    """A titled table of strings."""

    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    note: str = ""

    def rich(self) -> Table:
        """The table for the terminal."""
        table = Table(title=self.title, box=box.SIMPLE_HEAVY, title_justify="left")
        for column in self.columns:
            table.add_column(column)
        for row in self.rows:
            table.add_row(*row)
        if self.note:
            table.caption = self.note
        return table

    def markdown(self) -> str:
        """The table as GitHub Markdown."""
        lines = [f"**{self.title}**", ""]
        lines.append("| " + " | ".join(self.columns) + " |")
        lines.append("|" + "---|" * len(self.columns))
        lines.extend("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in self.rows)
        if self.note:
            lines += ["", self.note]
        return "\n".join(lines)


def _s(value: Any) -> str:
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:.2f}"
    return str(value)


def _verdict(ok: bool | None) -> str:
    return "info" if ok is None else ("PASS" if ok else "FAIL")


def _mib(kib: int | None) -> str:
    return "-" if not kib else f"{kib / 1024:.0f}"


def machine_grid(results: dict[str, Any]) -> Grid:
    """Where, when and under which load."""
    m = results["machine"]
    grid = Grid("Machine", ["", ""])
    grid.rows = [
        ["date (UTC)", m["date"]],
        ["cpu", f"{m['cpu']} ({m['cpus']} cpus, {m['cpusUsable']} usable)"],
        ["memory", f"{m['memGiB']} GiB"],
        ["os / python", f"{m['os']} / {m['python']}"],
        [
            "pulumi",
            f"CLI {m['pulumiCli']}, SDK {m['pulumiSdk']}, alicloud SDK {m['pulumiAlicloudSdk']}",
        ],
        ["load avg 1/5/15 at start", " / ".join(_s(x) for x in m["loadAvgAtStart"])],
        ["load avg 1/5/15 at end", " / ".join(_s(x) for x in results["loadAvgAtEnd"])],
        [
            "bench duration",
            f"{results['durationS']:.0f} s ({'quick' if results['config']['quick'] else 'full'})",
        ],
    ]
    return grid


def scaling_grids(section: dict[str, Any]) -> list[Grid]:
    """Wall times per stack size and how parallel the reads were."""
    lat = section["latencyMs"]
    grid = Grid(
        f"1. Scaling with {lat} ms per API call (median and min; {section['reps']} "
        f"repetitions, drift check {section.get('driftPerRep', 1)} runs each)",
        [
            "stack",
            "preview s",
            "min",
            "CPU s",
            "Gets",
            "in flight",
            f"Get span s (/{lat} ms)",
            "drift check s",
            "min",
            "CPU s",
            "Gets",
            "in flight",
            f"Get span s (/{lat} ms)",
            "load1 at each preview",
        ],
        note="CPU: user+sys of the command and its descendants (median; load-independent). "
        "Gets, in flight: GetEventCallback calls of the last run and the most served at "
        "once (emulator log). Get span: first start to last end, median; divided by the "
        "latency it is the number of round trips waited for in series (ideal: 1).",
    )
    for name, kinds in section["scenarios"].items():
        row = [name]
        for command in ("preview", "drift"):
            k = kinds[command]
            gets = k["runs"][-1]["getEventCallback"]
            row += [
                _s(k["medianS"]),
                _s(k["minS"]),
                _s(k["cpuMedianS"]),
                str(gets["calls"]),
                str(gets["maxInFlight"]),
                f"{k['getSpanMedianS']:.2f} ({k['serialRoundTrips']:.1f})",
            ]
        row.append(" ".join(_s(r["load1"]) for r in kinds["preview"]["runs"]))
        grid.rows.append(row)
    return [grid]


def counters_grid(section: dict[str, Any]) -> Grid:
    """Calls per operation with verdicts."""
    grid = Grid(
        f"2. API calls per step ({len(section['regions'])} regions, emulator counters)",
        ["step", "operation", "expected", "observed", "other operations", "verdict"],
    )
    for row in section["rows"]:
        grid.rows.append(
            [
                row["step"],
                row["operation"],
                row["expected"],
                row["observed"],
                row["otherOperations"],
                _verdict(row["pass"]),
            ]
        )
    return grid


def drift_grid(section: dict[str, Any]) -> Grid:
    """Drift check against the refreshing preview (and the preview that reads nothing)."""
    med = section["medianS"]
    found = section["found"]
    grid = Grid(
        f"3. Drift check vs pulumi preview (refresh: always) ({section['regions']} regions, "
        f"{section['latencyMs']} ms per call, median of {section['reps']})",
        ["command", "wall s", "x drift check", "drifted fields found"],
        note=f"expected (console edits): {', '.join(section['expected'])}; --refresh=false "
        f"must find none; agree: {'yes' if section['agree'] else 'NO'}; the refresh adds "
        f"{section['refreshAddsS']:.2f} s to a preview; not compared by the drift check: "
        f"{', '.join(section['notComparedByDriftCheck']) or 'none'}",
    )
    grid.rows = [
        [
            "python -m components.drift --format json",
            _s(med["drift"]),
            "1.00",
            ", ".join(found["drift"]),
        ],
        [
            "pulumi preview --json (= --refresh)",
            _s(med["preview"]),
            _s(section["previewOverDrift"]),
            ", ".join(found["preview"]),
        ],
        [
            "pulumi preview --json --refresh=false",
            _s(med["noRefresh"]),
            _s(section["noRefreshOverDrift"]),
            ", ".join(found["noRefresh"]) or "none",
        ],
    ]
    return grid


def startup_grids(section: dict[str, Any]) -> list[Grid]:
    """Start-up inside the language host and the import attribution."""
    grid = Grid(
        f"4. Program start-up in the language host (median of {section['reps']})",
        [
            "program",
            "process start -> program file s",
            "-> first registration s",
            "-> last registration s",
            "preview wall s",
        ],
        note=f"the program adds {section['programAddsS']:.2f} s before its first registration "
        f"({section['programAllRegistrationsS']:.2f} s until its last) over the baseline",
    )
    for kind, med in section["median"].items():
        grid.rows.append(
            [
                kind,
                _s(med["toProgramS"]),
                _s(med["toFirstRegistrationS"]),
                _s(med["toLastRegistrationS"]),
                _s(med["previewWallS"]),
            ]
        )
    imports = section["imports"]
    alicloud = imports["pulumiAlicloud"]
    imp = Grid(
        f"4b. Imports added on top of `import pulumi` (python -X importtime, self time, "
        f"median of {imports['reps']}; total {imports['addedTotalMs']:.0f} ms)",
        ["package", "ms", "modules"],
        note=f"pulumi_alicloud: {alicloud['modulesImported']} modules imported, subpackages "
        f"{', '.join(alicloud['subpackagesImported']) or 'none'} of "
        f"{alicloud['subpackagesAvailable']}",
    )
    for row in imports["packages"][:12]:
        imp.rows.append([row["package"], _s(row["ms"]), str(row["modules"])])
    out = [grid, imp]
    if section.get("plugin"):
        out.append(plugin_grid(section["plugin"]))
    return out


def plugin_grid(section: dict[str, Any]) -> Grid:
    """The ims provider plugin's start-up: alone, and each launch inside a preview."""
    alone = section["alone"]
    inside = section["inPreview"]
    launches = inside["launchesPerPreview"]
    added = inside["addedToPreviewS"]
    imports = ", ".join(f"{r['package']} {r['ms']:.0f}" for r in alone["importsOverSdkMs"][:5])
    grid = Grid(
        "4c. ims provider plugin start-up (start -> port on stdout)",
        ["measure", "median s", "min s", "launches per preview", "added to a preview s"],
        note=f"alone: median of {alone['reps']}, interleaved; in a preview: launch -> "
        f"handshake in the engine's -v=9 log, median of {inside['reps']} (verbose logging "
        f"slows the engine). Imports over the SDK floor {alone['importsOverSdkTotalMs']:.0f} "
        f"ms (importtime, ms): {imports}",
    )
    grid.rows = [
        [
            "plugin alone (provider/venv/bin/python provider 127.0.0.1:1)",
            _s(alone["medianS"]["plugin"]),
            _s(alone["minS"]["plugin"]),
            "",
            "",
        ],
        [
            "SDK floor (same python + import grpc, pulumi provider server)",
            _s(alone["medianS"]["sdkFloor"]),
            _s(alone["minS"]["sdkFloor"]),
            "",
            "",
        ],
    ]
    if "hostCheck" in alone["medianS"]:
        grid.rows.append(
            [
                "language host's venv check before each launch (python -c 'import "
                "pulumi.run.plugin', to exit)",
                _s(alone["medianS"]["hostCheck"]),
                _s(alone["minS"]["hostCheck"]),
                "",
                "",
            ]
        )
    grid.rows += [
        [
            "in pulumi preview (refresh: always)",
            _s(inside["perLaunchMedianS"]),
            "",
            str(launches["preview"]),
            _s(added["preview"]),
        ],
        [
            "in pulumi preview --refresh=false",
            "",
            "",
            str(launches["noRefresh"]),
            _s(added["noRefresh"]),
        ],
    ]
    return grid


def _rss_cell(row: dict[str, int] | None) -> str:
    if not row:
        return "-"
    if row["count"] == 1:
        return _mib(row["maxKiB"])
    return f"{_mib(row['maxKiB'])} (x{row['count']}, sum {_mib(row['sumKiB'])})"


def memory_grid(section: dict[str, Any], startup: dict[str, Any] | None) -> Grid:
    """Peak RSS per process role."""
    runs = section.get("runs") or []
    roles: list[str] = []
    for run in runs:
        roles += [r for r in run["peakRssKiB"] if r not in roles]
    grid = Grid(
        "5. Peak RSS in MiB (VmHWM polled from /proc; several processes: largest (xN, sum))",
        ["command", "stack", *roles, "all processes"],
    )
    for run in runs:
        total = sum(r["sumKiB"] for r in run["peakRssKiB"].values())
        grid.rows.append(
            [
                run["command"],
                run["stack"],
                *(_rss_cell(run["peakRssKiB"].get(r)) for r in roles),
                _mib(total),
            ]
        )
    if startup:
        rss = [r["maxRssKiB"] for r in startup["runs"]["program"]]
        grid.note = f"program ru_maxrss at exit (start-up probe): {_mib(max(rss))} MiB"
    return grid


def _cpu_cell(row: dict[str, int] | None) -> str:
    if not row or "cpuMs" not in row:
        return "-"
    cpu = f"{row['cpuMs'] / 1000:.2f}"
    return cpu if row["count"] == 1 else f"{cpu} (x{row['count']})"


def cpu_grid(section: dict[str, Any]) -> Grid:
    """CPU seconds per process role (the same sampled runs as the peak RSS)."""
    runs = section.get("runs") or []
    roles: list[str] = []
    for run in runs:
        roles += [r for r in run["peakRssKiB"] if r not in roles]
    grid = Grid(
        "5b. CPU seconds per process role (own user+sys from /proc/<pid>/stat, summed over "
        "the role's processes)",
        ["command", "stack", *roles, "all processes"],
        note="read at the same polls as the peak RSS: a process' last interval is missed",
    )
    for run in runs:
        total = sum(r.get("cpuMs", 0) for r in run["peakRssKiB"].values())
        grid.rows.append(
            [
                run["command"],
                run["stack"],
                *(_cpu_cell(run["peakRssKiB"].get(r)) for r in roles),
                f"{total / 1000:.2f}",
            ]
        )
    return grid


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets with the measured values."""
    out: list[dict[str, Any]] = []
    scaling = results.get("scaling")
    if scaling:
        for key, target in (
            ("http/preview", PREVIEW_RATIO_TARGET),
            ("mns/preview", PREVIEW_RATIO_TARGET),
            ("http/drift", DRIFT_RATIO_TARGET),
            ("mns/drift", DRIFT_RATIO_TARGET),
        ):
            r = scaling["ratios"].get(key)
            if r is None:
                continue
            value = r["ratioOfMedians"]
            out.append(
                {
                    "metric": f"{key.replace('/', ' ')} t({r['large']})/t({r['small']})",
                    "value": value,
                    "detail": f"of mins {r['ratioOfMins']:.2f}, "
                    f"per-rep median {r['medianOfPerRepRatios']:.2f}",
                    "target": f"<= {target}",
                    "pass": value <= target,
                }
            )
    counters = results.get("counters")
    if counters:
        checked = [r for r in counters["rows"] if r["pass"] is not None]
        passed = sum(1 for r in checked if r["pass"])
        out.append(
            {
                "metric": "API calls per operation",
                "value": f"{passed}/{len(checked)} checks",
                "detail": "",
                "target": "all",
                "pass": passed == len(checked),
            }
        )
    drift = results.get("driftVsRefresh")
    if drift:
        value = drift["previewOverDrift"]
        out.append(
            {
                "metric": "preview (refresh: always) / drift check",
                "value": value,
                "detail": "",
                "target": f">= {REFRESH_OVER_DRIFT_TARGET}",
                "pass": value >= REFRESH_OVER_DRIFT_TARGET,
            }
        )
        out.append(
            {
                "metric": "drift check and previews agree",
                "value": "yes" if drift["agree"] else "no",
                "detail": "",
                "target": "yes",
                "pass": bool(drift["agree"]),
            }
        )
    startup = results.get("startup")
    if startup:
        value = startup["programAddsS"]
        out.append(
            {
                "metric": "program start-up over baseline (s)",
                "value": value,
                "detail": f"imports {startup['imports']['addedTotalMs']:.0f} ms",
                "target": f"< {STARTUP_ADDED_TARGET_S}",
                "pass": value < STARTUP_ADDED_TARGET_S,
            }
        )
        plug = startup.get("plugin")
        if plug:
            inside = plug["inPreview"]
            out.append(
                {
                    "metric": "ims plugin start-up added to a preview (s)",
                    "value": inside["addedToPreviewS"]["preview"],
                    "detail": f"{inside['launchesPerPreview']['preview']} launches; alone "
                    f"{plug['alone']['medianS']['plugin']:.2f} s each",
                    "target": "info",
                    "pass": None,
                }
            )
    return out


def targets_grid(rows: list[dict[str, Any]]) -> Grid:
    """The verdicts."""
    grid = Grid("Targets", ["metric", "measured", "", "target", "verdict"])
    for row in rows:
        grid.rows.append(
            [row["metric"], _s(row["value"]), row["detail"], row["target"], _verdict(row["pass"])]
        )
    return grid


def grids(results: dict[str, Any]) -> list[Grid]:
    """Every table of a run, in report order."""
    out = [machine_grid(results)]
    if results.get("scaling"):
        out += scaling_grids(results["scaling"])
    if results.get("counters"):
        out.append(counters_grid(results["counters"]))
    if results.get("driftVsRefresh"):
        out.append(drift_grid(results["driftVsRefresh"]))
    if results.get("startup"):
        out += startup_grids(results["startup"])
    if results.get("memory", {}).get("runs"):
        out.append(memory_grid(results["memory"], results.get("startup")))
        out.append(cpu_grid(results["memory"]))
    out.append(targets_grid(results["targets"]))
    return out


def print_tables(results: dict[str, Any], console: Console) -> None:
    """Print every table."""
    for grid in grids(results):
        console.print(grid.rich())


def markdown(results: dict[str, Any]) -> str:
    """Every table as Markdown, plus the commands measured."""
    parts = [g.markdown() for g in grids(results)]
    parts.append("**Commands measured**\n\n" + "\n".join(f"    {c}" for c in results["commands"]))
    return "\n\n".join(parts) + "\n"
