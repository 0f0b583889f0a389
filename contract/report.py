"""The contract report: each probe's observations next to what the emulator assumes, rule
results per target, the live run's restore and calls. Written as JSON and Markdown
(``.state/contract-report.{json,md}``) to paste into an issue; secrets never enter it.

Under pytest-xdist every worker writes its part; parts of the same run are merged under a
file lock, an older run's report is replaced.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from contract.probes import NOT_OBSERVABLE, PROBES

REPORT_NAME = "contract-report"
Outcome = Literal["passed", "failed", "disagrees", "skipped"]


@dataclass
class ContractReport:
    """One run's results; ``merge`` adds another worker's part of the same run."""

    run: str
    targets: dict[str, dict[str, Any]] = field(default_factory=dict)
    rules: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    """rule id -> target -> {"outcome", "detail"}."""
    probes: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    """probe id -> target -> {"values": {aspect: observed}, "note"}."""
    restore: dict[str, Any] | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing was recorded (e.g. an xdist worker without contract tests)."""
        return not (self.rules or self.probes)

    def add_rule(self, rule: str, target: str, outcome: Outcome, detail: str = "") -> None:
        """Record one rule test's result on one target."""
        self.rules.setdefault(rule, {})[target] = {"outcome": outcome, "detail": detail}

    def add_observation(
        self, probe: str, target: str, values: Mapping[str, str], note: str = ""
    ) -> None:
        """Record what a probe observed on one target (aspect -> value)."""
        if probe not in PROBES:
            raise ValueError(f"unknown probe {probe!r}")
        known = {a.name for a in PROBES[probe].aspects}
        if not set(values) <= known:
            raise ValueError(f"{probe}: unknown aspects {sorted(set(values) - known)}")
        self.probes.setdefault(probe, {})[target] = {"values": dict(values), "note": note}

    def merge(self, other: ContractReport) -> None:
        """Add ``other`` (a part of the same run) to this report."""
        self.targets.update(other.targets)
        for rule, results in other.rules.items():
            self.rules.setdefault(rule, {}).update(results)
        for probe, observations in other.probes.items():
            self.probes.setdefault(probe, {}).update(observations)
        self.restore = other.restore or self.restore
        self.calls.extend(other.calls)

    def to_json(self) -> dict[str, Any]:
        """Everything, including each aspect's assumption, agreement and switch hint."""
        probes = []
        for probe in PROBES.values():
            observed = self.probes.get(probe.id, {})
            aspects = []
            for aspect in probe.aspects:
                values = {t: o["values"].get(aspect.name, "") for t, o in observed.items()}
                reference = values.get("live") or values.get("emulator", "")
                aspects.append(
                    {
                        "aspect": aspect.name,
                        "emulator_assumes": aspect.assumed,
                        "observed": values,
                        "agrees": _agrees(aspect.assumed, reference),
                        "switch": aspect.switch_hint(reference) if reference else "",
                    }
                )
            notes = {t: o["note"] for t, o in observed.items() if o["note"]}
            probes.append(
                {
                    "id": probe.id,
                    "question": probe.question,
                    "text": probe.text,
                    "aspects": aspects,
                    "notes": notes,
                }
            )
        return {
            "run": self.run,
            "generated": datetime.now(UTC).isoformat(timespec="seconds"),
            "targets": self.targets,
            "probes": probes,
            "rules": {rule: self.rules[rule] for rule in sorted(self.rules)},
            "restore": self.restore,
            "calls": self.calls,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ContractReport:
        """Read back a report written by :func:`write_report` (for merging)."""
        report = cls(str(data.get("run", "")), dict(data.get("targets", {})))
        report.rules = {k: dict(v) for k, v in data.get("rules", {}).items()}
        for probe in data.get("probes", []):
            for aspect in probe["aspects"]:
                for target, value in aspect["observed"].items():
                    entry = report.probes.setdefault(probe["id"], {}).setdefault(
                        target, {"values": {}, "note": probe.get("notes", {}).get(target, "")}
                    )
                    entry["values"][aspect["aspect"]] = value
        report.restore = data.get("restore")
        report.calls = list(data.get("calls", []))
        return report

    def to_markdown(self) -> str:
        """A Markdown summary to paste into an issue."""
        data = self.to_json()
        names = [t for t in ("emulator", "live") if t in self.targets]
        lines = ["# IMS callback contract report", ""]
        for name in names:
            info = ", ".join(f"{k}: {v}" for k, v in self.targets[name].items() if k != "assume")
            lines.append(f"- **{name}**: {info}")
        lines += ["", "## Open questions (ice-api.md §8)", ""]
        header = ["Probe", "§", "Aspect", "Emulator assumes", *names, "Agrees", "Switch"]
        lines += [_row(header), _row(["---"] * len(header))]
        for probe in data["probes"]:
            for aspect in probe["aspects"]:
                observed = [aspect["observed"].get(n, "") or "-" for n in names]
                agrees = {True: "yes", False: "**no**", None: "-"}[aspect["agrees"]]
                switch = f"`{aspect['switch']}`" if aspect["switch"].startswith("IMS_") else ""
                lines.append(
                    _row(
                        [
                            probe["id"],
                            str(probe["question"]),
                            aspect["aspect"],
                            aspect["emulator_assumes"],
                            *observed,
                            agrees,
                            switch or aspect["switch"],
                        ]
                    )
                )
        notes = [
            f"- {p['id']} ({target}): {note}"
            for p in data["probes"]
            for target, note in p["notes"].items()
        ]
        if notes:
            lines += ["", *notes]
        lines += ["", "## Rules (docs/api-contract.md)", ""]
        for name in names:
            counts = Counter(r[name]["outcome"] for r in self.rules.values() if name in r)
            lines.append(f"- {name}: " + ", ".join(f"{n} {o}" for o, n in sorted(counts.items())))
        problems = [
            (rule, name, results[name])
            for rule, results in sorted(self.rules.items())
            for name in names
            if results.get(name, {}).get("outcome") in ("failed", "disagrees")
        ]
        if problems:
            lines += ["", _row(["Rule", "Target", "Outcome", "Detail"]), _row(["---"] * 4)]
            lines += [_row([r, n, res["outcome"], res["detail"]]) for r, n, res in problems]
        if self.restore:
            lines += ["", "## Restore (live)", "", f"- {self.restore['status']}: "]
            lines[-1] += self.restore["detail"]
            lines.append(f"- queues deleted: {len(self.restore['deleted_queues'])}")
            lines += [f"- queue not deleted: {e}" for e in self.restore["queue_errors"]]
        if self.calls:
            lines += ["", "## Calls made (live)", "", _row(["Operation", "Region", "Calls"])]
            lines.append(_row(["---"] * 3))
            counted = Counter((c["operation"], c["region"]) for c in self.calls)
            lines += [_row([op, region, str(n)]) for (op, region), n in sorted(counted.items())]
        return "\n".join(lines) + "\n"


def _agrees(assumed: str, observed: str) -> bool | None:
    if not observed or observed.startswith(NOT_OBSERVABLE):
        return None
    return observed == assumed


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |"


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    with (directory / f".{REPORT_NAME}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def write_report(report: ContractReport, directory: Path) -> tuple[Path, Path]:
    """Write (or merge into, for the same run) ``<directory>/contract-report.{json,md}``."""
    directory.mkdir(parents=True, exist_ok=True)
    json_path = directory / f"{REPORT_NAME}.json"
    md_path = directory / f"{REPORT_NAME}.md"
    with _locked(directory):
        merged = report
        try:
            existing = json.loads(json_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            existing = None
        if isinstance(existing, dict) and existing.get("run") == report.run:
            merged = ContractReport.from_json(existing)
            merged.merge(report)
        for path, text in (
            (json_path, json.dumps(merged.to_json(), indent=2) + "\n"),
            (md_path, merged.to_markdown()),
        ):
            tmp = path.with_suffix(f"{path.suffix}.{os.getpid()}.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
    return json_path, md_path
