"""One stack's review: its drift report and preview, written as the files the report action reads.

Usage: ``python review.py --stack NAME [--project-dir DIR] [--report-dir DIR] [--drift ROUTE]
[--no-preview]``, run by the review action with the tools' interpreter. Two routes to the drift:

``config`` (the fast path)
    The project keeps its callbacks in stack config (``ims-callbacks:callbacks``): the
    state-free check ``python -m components.drift`` reads them and GetEventCallback per
    region. No state, engine or secrets provider is needed; the preview (``pulumi preview
    --refresh --diff``) then runs beside it.
``preview`` (any project, language and secrets provider)
    ``pulumi preview --refresh --json``: the refresh reads the live settings, and the steps of
    the ``ims`` resources are the drift (``python -m components.drift --from-preview``).
``auto`` picks ``config`` when the stack file sets ``ims-callbacks:callbacks``.

Cloud commands run through ``aliyun_oidc.py run`` when the OIDC action ran before (so they
get STS credentials, and their output is redacted); otherwise with the job's own environment.
Files written to the report folder: drift.md, drift.json, drift.exit, preview.txt,
preview.exit or preview.skipped (and preview.json on the preview route). The exit code is 0;
the action's last step turns the codes into the job's result.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

CONFIG_KEY = "ims-callbacks:callbacks"
OIDC_WRAPPER = Path(__file__).resolve().parent.parent / "aliyun-oidc" / "aliyun_oidc.py"
TOOLS_HOME = Path(__file__).resolve().parents[3]
_SUMMARY = (("create", "+", "to create"), ("update", "~", "to update"))
_SUMMARY_MORE = (("replace", "+-", "to replace"), ("delete", "-", "to delete"))


def stack_file(project: Path, stack: str) -> Path:
    """``Pulumi.<stack>.yaml`` in the project's ``stackConfigDir``."""
    data = yaml.safe_load((project / "Pulumi.yaml").read_text(encoding="utf-8")) or {}
    folder = data.get("stackConfigDir", ".") if isinstance(data, dict) else "."
    return project / str(folder) / f"Pulumi.{stack.rsplit('/', 1)[-1]}.yaml"


def choose_route(route: str, project: Path, stack: str) -> str:
    """``config`` or ``preview`` for ``--drift auto|config|preview``."""
    if route != "auto":
        return route
    path = stack_file(project, stack)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return "preview"
    config = data.get("config") if isinstance(data, dict) else None
    return "config" if isinstance(config, dict) and CONFIG_KEY in config else "preview"


def needs_passphrase(project: Path, stack: str, env: Mapping[str, str]) -> bool:
    """True when the stack uses the passphrase provider and the job has no passphrase."""
    if env.get("PULUMI_CONFIG_PASSPHRASE") or env.get("PULUMI_CONFIG_PASSPHRASE_FILE"):
        return False
    try:
        text = stack_file(project, stack).read_text(encoding="utf-8")
    except OSError:
        return False
    return any(line.startswith("encryptionsalt:") for line in text.splitlines())


def wrapped(command: list[str], env: Mapping[str, str], output: Path | None = None) -> list[str]:
    """``command`` through the OIDC wrapper when the OIDC action ran, else as it is."""
    if not env.get("ALIBABA_CLOUD_OIDC_TOKEN_FILE"):
        return command
    out = ["--output", str(output)] if output else []
    return [sys.executable, str(OIDC_WRAPPER), "run", *out, "--", *command]


def run(command: list[str], cwd: Path, env: Mapping[str, str], output: Path | None) -> int:
    """Run; stream the output (the wrapper redacts it) and, without the wrapper, save it."""
    full = wrapped(command, env, output)
    try:
        if full is not command or output is None:
            return subprocess.call(full, cwd=cwd, env=dict(env))
        proc = subprocess.run(
            full,
            cwd=cwd,
            env=dict(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            check=False,
        )
    except OSError as err:  # e.g. no pulumi on PATH: a failed step, not a crashed review
        message = f"::error::cannot run {full[0]}: {err.strerror}\n"
        sys.stdout.write(message)
        if output is not None:
            output.write_text(message, encoding="utf-8")
        return 127
    text = proc.stdout.decode("utf-8", errors="replace")
    sys.stdout.write(text)
    output.write_text(text, encoding="utf-8")
    return proc.returncode


def worst(codes: Sequence[int]) -> int:
    """1 (error) wins over 2 (drift) wins over 0 (in sync); anything else is an error."""
    if any(code not in (0, 2) for code in codes):
        return 1
    return 2 if 2 in codes else 0


def drift_check(args: argparse.Namespace, env: Mapping[str, str], report: Path) -> int:
    """The state-free check, Markdown and JSON; its combined exit code."""
    codes = []
    for fmt, name in (("markdown", "drift.md"), ("json", "drift.json")):
        command = [sys.executable, "-m", "components.drift", "--stack", args.stack]
        command += ["--project-dir", str(args.project_dir.resolve())]
        command += ["--format", fmt, "--output", str(report / name)]
        codes.append(run(command, TOOLS_HOME, env, None))
    return worst(codes)


def preview_command(args: argparse.Namespace, env: Mapping[str, str], *extra: str) -> list[str]:
    """``pulumi preview --refresh`` of the stack (``PULUMI_ORG/`` in front when set)."""
    org = env.get("PULUMI_ORG", "")
    ref = args.stack if "/" in args.stack or not org else f"{org}/{args.stack}"
    return ["pulumi", "preview", "--refresh", "--stack", ref, "--non-interactive", *extra]


def json_document(text: str) -> str:
    """The JSON object in ``pulumi preview --json`` output (other lines around it dropped)."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("{")]
    ends = [i for i, line in enumerate(lines) if line.startswith("}")]
    if not starts or not ends or ends[-1] < starts[0]:
        return ""
    return "\n".join(lines[starts[0] : ends[-1] + 1]) + "\n"


def resources_text(document: str) -> str:
    """The CLI's ``Resources:`` block from the preview's ``changeSummary``."""
    try:
        summary = json.loads(document).get("changeSummary") or {}
    except (ValueError, AttributeError):
        return ""
    lines = ["Resources:"]
    for key, sign, words in (*_SUMMARY, *_SUMMARY_MORE):
        if summary.get(key):
            lines.append(f"    {sign} {summary[key]} {words}")
    if summary.get("same"):
        lines.append(f"    {summary['same']} unchanged")
    return "\n".join(lines) + "\n" if len(lines) > 1 else ""


def failure_text(text: str, document: str) -> str:
    """What a failed ``--json`` preview said: its error diagnostics and the lines around the
    JSON document (never the document itself: it holds every resource's state)."""
    inside = set(document.splitlines())
    lines = [line for line in text.splitlines() if line not in inside]
    try:
        diagnostics = json.loads(document).get("diagnostics") or [] if document else []
    except (ValueError, AttributeError):
        diagnostics = []
    for item in diagnostics:
        if isinstance(item, dict) and str(item.get("severity", "")).startswith("error"):
            lines.append(str(item.get("message", "")).rstrip())
    return "\n".join(line for line in lines if line.strip()) + "\n"


def preview_route(args: argparse.Namespace, env: Mapping[str, str], report: Path) -> None:
    """``pulumi preview --refresh --json``, then the drift rendered from it."""
    raw = report / "preview.log"
    code = run(preview_command(args, env, "--json"), args.project_dir, env, raw)
    # The wrapper writes nothing when it fails before running pulumi (its error is in the log).
    text = raw.read_text(encoding="utf-8", errors="replace") if raw.is_file() else ""
    document = json_document(text)
    (report / "preview.json").write_text(document, encoding="utf-8")
    (report / "preview.exit").write_text(f"{code}\n", encoding="utf-8")
    summary = resources_text(document) or failure_text(text, document)
    (report / "preview.txt").write_text(summary, "utf-8")
    raw.unlink(missing_ok=True)
    codes = []
    for fmt, name in (("markdown", "drift.md"), ("json", "drift.json")):
        command = [sys.executable, "-m", "components.drift", "--stack", args.stack]
        command += ["--from-preview", str(report / "preview.json")]
        command += ["--format", fmt, "--output", str(report / name)]
        codes.append(subprocess.call(command, cwd=TOOLS_HOME, env=dict(env)))
    (report / "drift.exit").write_text(f"{worst(codes)}\n", encoding="utf-8")


def review(args: argparse.Namespace, env: Mapping[str, str]) -> None:
    """Write the stack's report files."""
    report: Path = args.report_dir
    report.mkdir(parents=True, exist_ok=True)
    if env.get("PULUMI_CONFIG_PASSPHRASE") == "":
        # An unset secret reaches the step as "": no passphrase (as needs_passphrase reads it),
        # not an empty one, or the drift check would fail on it instead of skipping the keys.
        env = {key: value for key, value in env.items() if key != "PULUMI_CONFIG_PASSPHRASE"}
    route = choose_route(args.drift, args.project_dir, args.stack)
    print(f"{args.stack}: drift from {route}", flush=True)
    if needs_passphrase(args.project_dir, args.stack, env):
        why = "no PULUMI_CONFIG_PASSPHRASE for this stack (the job's environment has none)"
        (report / "preview.skipped").write_text(why + "\n", encoding="utf-8")
        print(f"::notice::preview of {args.stack} skipped: {why}", flush=True)
        if route == "preview":
            (report / "drift.exit").write_text("1\n", encoding="utf-8")
            return
    if route == "config":
        code = drift_check(args, env, report)
        (report / "drift.exit").write_text(f"{code}\n", encoding="utf-8")
        if not args.preview:
            (report / "preview.skipped").write_text("not requested\n", encoding="utf-8")
        elif not (report / "preview.skipped").exists():
            command = preview_command(args, env, "--diff", "--color", "never")
            command.append("--suppress-progress")
            pcode = run(command, args.project_dir, env, report / "preview.txt")
            (report / "preview.exit").write_text(f"{pcode}\n", encoding="utf-8")
        return
    preview_route(args, env, report)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stack", required=True)
    parser.add_argument("--project-dir", type=Path, default=Path())
    parser.add_argument("--report-dir", type=Path, default=Path("report"))
    parser.add_argument("--drift", choices=("auto", "config", "preview"), default="auto")
    parser.add_argument("--no-preview", dest="preview", action="store_false")
    args = parser.parse_args(argv)
    args.project_dir = args.project_dir.resolve()
    args.report_dir = args.report_dir.resolve()
    review(args, os.environ)
    return 0


if __name__ == "__main__":
    sys.exit(main())
