"""One stack's review (.github/actions/review/review.py): the route to the drift, the preview
command, the JSON and the ``Resources:`` block it extracts, and the report files it writes.

``pulumi`` is a stand-in on PATH here (test_steps.py runs the action's steps against the
emulator, test_engine_preview.py with the real CLI); the drift tool is the real one.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.workflows.checks import ACTIONS, MARKER, REPO, load_script

FIXTURES = REPO / "tests" / "drift" / "fixtures"


review = load_script("review", ACTIONS / "review" / "review.py")
combine = load_script("combine", ACTIONS / "report" / "combine.py")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project of another language whose stack files keep no ims-callbacks:callbacks."""
    folder = tmp_path / "project"
    write(folder / "Pulumi.yaml", "name: media\nruntime: nodejs\nstackConfigDir: config\n")
    write(
        folder / "config" / "Pulumi.dev.yaml",
        "config:\n  aws:region: eu-west-1\nencryptionsalt: v1:abc:v1:def\n",
    )
    write(folder / "config" / "Pulumi.kms.yaml", "secretsprovider: awskms://alias/x\n")
    return folder


# --- where things are ---------------------------------------------------------------------------


def test_the_script_finds_its_siblings_from_its_own_folder() -> None:
    # The action runs in a user's workspace: review.py names the wrapper and the tools by its
    # own location (the action's checkout), never by the working directory.
    assert review.OIDC_WRAPPER == ACTIONS / "aliyun-oidc" / "aliyun_oidc.py"
    assert review.OIDC_WRAPPER.is_file()
    assert review.TOOLS_HOME == REPO
    assert (review.TOOLS_HOME / "components" / "drift" / "__main__.py").is_file()


@pytest.mark.parametrize("stack", ["dev", "acme/dev", "acme/ims-callbacks/dev"])
def test_stack_file_follows_stack_config_dir(stack: str, project: Path) -> None:
    assert review.stack_file(REPO, stack) == REPO / "stacks" / "Pulumi.dev.yaml"
    assert review.stack_file(project, stack) == project / "config" / "Pulumi.dev.yaml"


def test_stack_file_without_stack_config_dir(tmp_path: Path) -> None:
    write(tmp_path / "Pulumi.yaml", "name: x\nruntime: yaml\n")
    assert review.stack_file(tmp_path, "prod") == tmp_path / "Pulumi.prod.yaml"


# --- the route ----------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "prod", "local", "acme/dev"])
def test_auto_picks_config_for_this_repository(stack: str) -> None:
    # stacks/Pulumi.<stack>.yaml keeps ims-callbacks:callbacks: the state-free check applies.
    assert review.choose_route("auto", REPO, stack) == "config"


def test_auto_picks_preview_without_the_callbacks_key(project: Path) -> None:
    assert review.choose_route("auto", project, "dev") == "preview"
    assert review.choose_route("auto", project, "kms") == "preview"  # no config at all
    assert review.choose_route("auto", project, "missing") == "preview"  # no stack file


@pytest.mark.parametrize(
    "text",
    [
        "config:\n  ims:callbacks: {}\n",  # another namespace
        "config: [ims-callbacks:callbacks]\n",  # not a mapping
        "- not a stack file\n",
        "config: {unclosed\n",  # not YAML
        "",
    ],
)
def test_auto_picks_preview_for_anything_else(text: str, project: Path) -> None:
    write(project / "config" / "Pulumi.odd.yaml", text)
    assert review.choose_route("auto", project, "odd") == "preview"


def test_an_explicit_route_is_taken_as_given(project: Path) -> None:
    assert review.choose_route("config", project, "dev") == "config"
    assert review.choose_route("preview", REPO, "dev") == "preview"


def test_needs_passphrase(project: Path) -> None:
    # this repository's stacks use the passphrase provider (encryptionsalt)
    assert review.needs_passphrase(REPO, "dev", {}) is True
    assert review.needs_passphrase(REPO, "dev", {"PULUMI_CONFIG_PASSPHRASE": ""}) is True
    assert review.needs_passphrase(REPO, "dev", {"PULUMI_CONFIG_PASSPHRASE": "x"}) is False
    assert review.needs_passphrase(REPO, "dev", {"PULUMI_CONFIG_PASSPHRASE_FILE": "/p"}) is False
    assert review.needs_passphrase(project, "dev", {}) is True
    assert review.needs_passphrase(project, "kms", {}) is False  # another secrets provider
    assert review.needs_passphrase(project, "missing", {}) is False
    assert review.needs_passphrase(project.parent / "nowhere", "dev", {}) is False


# --- commands -----------------------------------------------------------------------------------


def test_wrapped_only_when_the_oidc_action_ran(tmp_path: Path) -> None:
    command = ["pulumi", "preview"]
    assert review.wrapped(command, {}) is command
    assert review.wrapped(command, {"ALIBABA_CLOUD_OIDC_TOKEN_FILE": ""}) is command
    env = {"ALIBABA_CLOUD_OIDC_TOKEN_FILE": str(tmp_path / "token")}
    out = tmp_path / "preview.txt"
    assert review.wrapped(command, env, out) == [
        sys.executable,
        str(ACTIONS / "aliyun-oidc" / "aliyun_oidc.py"),
        "run",
        "--output",
        str(out),
        "--",
        "pulumi",
        "preview",
    ]
    assert review.wrapped(command, env) == [
        sys.executable,
        str(review.OIDC_WRAPPER),
        "run",
        "--",
        "pulumi",
        "preview",
    ]


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ([], 0),
        ([0, 0], 0),
        ([0, 2], 2),
        ([2, 2], 2),
        ([2, 1], 1),
        ([1, 0], 1),
        ([0, 3], 1),
        ([2, 127], 1),
        ([-9, 0], 1),
    ],
)
def test_worst(codes: list[int], expected: int) -> None:
    assert review.worst(codes) == expected


@pytest.mark.parametrize(
    ("stack", "env", "ref"),
    [
        ("dev", {}, "dev"),
        ("dev", {"PULUMI_ORG": "acme"}, "acme/dev"),
        ("other/dev", {"PULUMI_ORG": "acme"}, "other/dev"),
        ("dev", {"PULUMI_ORG": ""}, "dev"),
    ],
)
def test_preview_command(stack: str, env: dict[str, str], ref: str) -> None:
    args = argparse.Namespace(stack=stack)
    command = review.preview_command(args, env, "--json")
    assert command == [
        "pulumi",
        "preview",
        "--refresh",
        "--stack",
        ref,
        "--non-interactive",
        "--json",
    ]


def test_the_review_is_read_only() -> None:
    # The only pulumi command review.py builds is a preview, and none shows secrets.
    source = (ACTIONS / "review" / "review.py").read_text(encoding="utf-8")
    assert set(re.findall(r'"pulumi", "([\w-]+)"', source)) == {"preview"}
    assert "--show-secrets" not in source


# --- the preview's JSON -------------------------------------------------------------------------

NOISE_BEFORE = "warning: A new version of Pulumi is available.\nLogging in...\n"
NOISE_AFTER = "error: update failed\n[redacted] done\n"


@pytest.mark.parametrize("name", ["drifted", "in_sync", "failed", "replace", "program_failed"])
def test_json_document_strips_the_noise_around_the_json(name: str) -> None:
    document = (FIXTURES / f"{name}.json").read_text(encoding="utf-8")
    found = review.json_document(NOISE_BEFORE + document + NOISE_AFTER)
    assert json.loads(found) == json.loads(document)
    assert found.endswith("}\n")
    assert review.json_document(document) == document.rstrip("\n") + "\n"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "error: no stack named 'dev' found\n",
        "}\nerror\n{\n",  # a closing brace before any opening one
        '  {"indented": true}\n',
    ],
)
def test_json_document_without_a_document(text: str) -> None:
    assert review.json_document(text) == ""


@pytest.mark.parametrize(
    ("summary", "text", "parsed"),
    [
        (
            {"same": 2, "update": 3},
            "Resources:\n    ~ 3 to update\n    2 unchanged\n",
            "~ 3 to update, 2 unchanged",
        ),
        (
            {"create": 1, "update": 2, "replace": 1, "delete": 4, "same": 5},
            "Resources:\n    + 1 to create\n    ~ 2 to update\n    +- 1 to replace\n"
            "    - 4 to delete\n    5 unchanged\n",
            "+ 1 to create, ~ 2 to update, +- 1 to replace, - 4 to delete, 5 unchanged",
        ),
        ({"same": 5}, "Resources:\n    5 unchanged\n", "5 unchanged"),
        ({"create": 0, "same": 1, "refresh": 3}, "Resources:\n    1 unchanged\n", "1 unchanged"),
    ],
)
def test_resources_text_round_trips_through_combine(
    summary: dict[str, int], text: str, parsed: str
) -> None:
    rendered = review.resources_text(json.dumps({"steps": [], "changeSummary": summary}))
    assert rendered == text
    assert combine.resources_summary(rendered) == parsed
    # as combine.py meets it in preview.txt, after other output
    assert combine.resources_summary("Previewing update (dev):\n\n" + rendered) == parsed


@pytest.mark.parametrize(
    "document", ["", "not json", "[1, 2]", '{"steps": []}', '{"changeSummary": null}', "{}"]
)
def test_resources_text_without_a_summary(document: str) -> None:
    assert review.resources_text(document) == ""


def test_resources_text_of_the_real_fixtures() -> None:
    drifted = review.resources_text((FIXTURES / "drifted.json").read_text(encoding="utf-8"))
    assert combine.resources_summary(drifted) == "~ 3 to update, 2 unchanged"
    failed = review.resources_text((FIXTURES / "failed.json").read_text(encoding="utf-8"))
    assert failed == ""  # no changeSummary when the refresh failed


# --- the report files, with a stand-in pulumi -----------------------------------------------------


def fake_pulumi(tmp_path: Path, document: str = "", code: int = 0, noise: bool = True) -> Path:
    """A ``pulumi`` that logs its arguments, prints ``document`` (with noise) and exits ``code``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    write(tmp_path / "document.json", document)
    log = tmp_path / "pulumi.log"
    script = f"""#!/bin/sh
echo "$*" >> {log}
{"echo 'warning: a plugin from $PATH'" if noise else ""}
cat {tmp_path / "document.json"}
{"echo 'the end' >&2" if noise else ""}
exit {code}
"""
    write(bin_dir / "pulumi", script).chmod(0o755)
    return log


def env_with(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": f"{tmp_path / 'bin'}:{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "LANG": "C.UTF-8",
        **extra,
    }


def args_for(project: Path, report: Path, stack: str, drift: str, preview: bool = True) -> object:
    return argparse.Namespace(
        stack=stack, project_dir=project, report_dir=report, drift=drift, preview=preview
    )


def files(report: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(report.iterdir())}


def test_preview_route_writes_the_drift_from_the_preview(tmp_path: Path, project: Path) -> None:
    document = (FIXTURES / "drifted.json").read_text(encoding="utf-8")
    log = fake_pulumi(tmp_path, document)
    report = tmp_path / "reports" / "report-dev"
    env = env_with(tmp_path, PULUMI_CONFIG_PASSPHRASE="p", PULUMI_ORG="acme")
    review.review(args_for(project, report, "dev", "auto"), env)
    assert log.read_text() == "preview --refresh --stack acme/dev --non-interactive --json\n"
    out = files(report)
    assert set(out) == {
        "drift.exit",
        "drift.json",
        "drift.md",
        "preview.exit",
        "preview.json",
        "preview.txt",
    }  # preview.log is gone
    assert json.loads(out["preview.json"]) == json.loads(document)
    assert out["preview.exit"] == "0\n"
    assert out["preview.txt"] == "Resources:\n    ~ 3 to update\n    2 unchanged\n"
    assert out["drift.exit"] == "2\n"
    assert out["drift.md"].startswith(MARKER)
    assert json.loads(out["drift.json"])["exitCode"] == 2
    assert json.loads(out["drift.json"])["status"] == "drifted"
    # what the pr-comment action makes of it
    (stack,) = combine.load(report.parent, ["dev"])
    assert (stack.drift_status, stack.preview_state()) == ("drifted", "ok")
    assert combine.preview_cell(stack) == "`~ 3 to update, 2 unchanged`"


def test_preview_route_in_sync(tmp_path: Path, project: Path) -> None:
    fake_pulumi(tmp_path, (FIXTURES / "in_sync.json").read_text(encoding="utf-8"))
    report = tmp_path / "reports" / "report-dev"
    env = env_with(tmp_path, PULUMI_CONFIG_PASSPHRASE="p")
    review.review(args_for(project, report, "dev", "preview"), env)
    assert (report / "drift.exit").read_text() == "0\n"
    assert (report / "preview.txt").read_text() == "Resources:\n    5 unchanged\n"


def test_preview_route_with_a_failed_preview(tmp_path: Path, project: Path) -> None:
    fake_pulumi(tmp_path, (FIXTURES / "failed.json").read_text(encoding="utf-8"), code=255)
    report = tmp_path / "reports" / "report-dev"
    env = env_with(tmp_path, PULUMI_CONFIG_PASSPHRASE="p")
    review.review(args_for(project, report, "dev", "preview"), env)
    assert (report / "preview.exit").read_text() == "255\n"
    assert (report / "drift.exit").read_text() == "1\n"
    # no Resources: block to show: the lines around the JSON and its error diagnostics, never
    # the document itself (it holds every resource's state)
    text = (report / "preview.txt").read_text(encoding="utf-8")
    assert text.splitlines() == [
        "warning: a plugin from $PATH",
        "the end",
        "error: Preview failed: ice:GetEventCallback in cn-beijing failed: Forbidden.RAM "
        + text.split("Forbidden.RAM ", 1)[1].splitlines()[0],
        "error: preview failed",
    ]
    assert '"steps"' not in text


def test_preview_route_without_any_json(tmp_path: Path, project: Path) -> None:
    fake_pulumi(tmp_path, "error: no stack named 'dev' found\n", code=255, noise=False)
    report = tmp_path / "reports" / "report-dev"
    review.review(args_for(project, report, "kms", "preview"), env_with(tmp_path))
    out = files(report)
    assert out["preview.json"] == ""
    assert out["preview.txt"] == "error: no stack named 'dev' found\n"
    assert (out["preview.exit"], out["drift.exit"]) == ("255\n", "1\n")


def test_preview_route_without_the_passphrase_is_an_error(tmp_path: Path) -> None:
    # This repository's stacks need the passphrase: no preview, so no drift either.
    log = fake_pulumi(tmp_path)
    report = tmp_path / "reports" / "report-dev"
    review.review(args_for(REPO, report, "dev", "preview"), env_with(tmp_path))
    assert not log.exists()
    out = files(report)
    assert set(out) == {"drift.exit", "preview.skipped"}
    assert out["drift.exit"] == "1\n"
    assert "no PULUMI_CONFIG_PASSPHRASE" in out["preview.skipped"]


def test_preview_route_when_the_wrapper_fails_first(tmp_path: Path, project: Path) -> None:
    # The OIDC action ran (token file) but the role variables are missing: the wrapper stops
    # before it runs pulumi or writes the output. The report still says so, without a crash.
    log = fake_pulumi(tmp_path, (FIXTURES / "in_sync.json").read_text(encoding="utf-8"))
    report = tmp_path / "reports" / "report-dev"
    token = write(tmp_path / "t", "x.y.z")
    env = env_with(tmp_path, PULUMI_CONFIG_PASSPHRASE="p", ALIBABA_CLOUD_OIDC_TOKEN_FILE=str(token))
    review.review(args_for(project, report, "dev", "preview"), env)
    assert not log.exists()
    out = files(report)
    assert (out["preview.exit"], out["drift.exit"]) == ("1\n", "1\n")
    assert out["preview.json"] == ""


def test_config_route_checks_and_previews(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def drift_check(args: argparse.Namespace, env: Mapping[str, str], report: Path) -> int:
        calls.append(args.stack)
        return 2

    monkeypatch.setattr(review, "drift_check", drift_check)
    log = fake_pulumi(tmp_path, "Resources:\n    3 unchanged\n", noise=False)
    report = tmp_path / "reports" / "report-dev"
    env = env_with(tmp_path, PULUMI_CONFIG_PASSPHRASE="p")
    review.review(args_for(REPO, report, "dev", "auto"), env)
    assert calls == ["dev"]
    assert log.read_text() == (
        "preview --refresh --stack dev --non-interactive --diff --color never --suppress-progress\n"
    )
    assert files(report) == {
        "drift.exit": "2\n",
        "preview.exit": "0\n",
        "preview.txt": "Resources:\n    3 unchanged\n",
    }


def test_config_route_without_preview(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(review, "drift_check", lambda args, env, report: 0)
    log = fake_pulumi(tmp_path)
    report = tmp_path / "reports" / "report-dev"
    env = env_with(tmp_path, PULUMI_CONFIG_PASSPHRASE="p")
    review.review(args_for(REPO, report, "dev", "config", preview=False), env)
    assert not log.exists()
    assert files(report) == {"drift.exit": "0\n", "preview.skipped": "not requested\n"}


def test_config_route_without_the_passphrase_skips_the_preview(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(review, "drift_check", lambda args, env, report: 0)
    log = fake_pulumi(tmp_path)
    report = tmp_path / "reports" / "report-dev"
    review.review(args_for(REPO, report, "dev", "config"), env_with(tmp_path))
    assert not log.exists()
    out = files(report)
    assert set(out) == {"drift.exit", "preview.skipped"}
    (stack,) = combine.load(report.parent, ["dev"])
    assert stack.preview_state() == "skipped"


def test_an_empty_passphrase_is_no_passphrase(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GitHub hands an unset secret to the step as "". The drift tool takes a set variable as
    # the passphrase, even empty, and would fail on it: it must not see the variable at all.
    seen: list[dict[str, str]] = []

    def drift_check(args: argparse.Namespace, env: Mapping[str, str], report: Path) -> int:
        seen.append(dict(env))
        return 2

    monkeypatch.setattr(review, "drift_check", drift_check)
    log = fake_pulumi(tmp_path)
    report = tmp_path / "reports" / "report-dev"
    env = env_with(tmp_path, PULUMI_CONFIG_PASSPHRASE="")
    review.review(args_for(REPO, report, "dev", "config"), env)
    (checked,) = seen
    assert "PULUMI_CONFIG_PASSPHRASE" not in checked
    assert checked["HOME"] == env["HOME"]
    assert env["PULUMI_CONFIG_PASSPHRASE"] == ""  # the caller's mapping is left alone
    assert not log.exists()
    assert set(files(report)) == {"drift.exit", "preview.skipped"}


def test_config_route_when_pulumi_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The setup action ran with pulumi: "false": the preview fails, the review does not crash.
    monkeypatch.setattr(review, "drift_check", lambda args, env, report: 0)
    (tmp_path / "bin").mkdir()
    report = tmp_path / "reports" / "report-dev"
    env = env_with(tmp_path, PULUMI_CONFIG_PASSPHRASE="p") | {"PATH": str(tmp_path / "bin")}
    review.review(args_for(REPO, report, "dev", "config"), env)
    out = files(report)
    assert out["drift.exit"] == "0\n"
    assert out["preview.exit"] == "127\n"
    assert "pulumi" in out["preview.txt"]


def test_run_saves_and_streams_without_the_wrapper(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.txt"
    script = (
        "import sys; print('to stdout', flush=True); print('to stderr', file=sys.stderr); "
        "sys.exit(3)"
    )
    code = review.run([sys.executable, "-c", script], tmp_path, env_with(tmp_path), out)
    assert code == 3
    assert out.read_text(encoding="utf-8") == "to stdout\nto stderr\n"
    assert "to stdout\nto stderr\n" in capfd.readouterr().out


def test_main_parses_what_the_action_passes(tmp_path: Path, project: Path) -> None:
    fake_pulumi(tmp_path, (FIXTURES / "in_sync.json").read_text(encoding="utf-8"))
    report = tmp_path / "reports" / "report-dev"
    argv = ["--stack", "dev", "--project-dir", str(project), "--report-dir", str(report)]
    argv += ["--drift", "preview", "--no-preview"]
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env_with(tmp_path, PULUMI_CONFIG_PASSPHRASE="p").items():
            patch.setenv(key, value)
        assert review.main(argv) == 0
    assert (report / "drift.exit").read_text() == "0\n"
    with pytest.raises(SystemExit) as exc:
        review.main(["--stack", "dev", "--drift", "live"])
    assert exc.value.code == 2
