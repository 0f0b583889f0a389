"""A user's own repository: a YAML project on the ims package, reviewed by our actions at a tag.

The repository ``acme/media-app`` holds a Pulumi YAML project with an ``ims:index:EventCallback``
and two workflow jobs that call ``acme/ims-callbacks/.github/actions/{setup,review,pr-comment}``
at ``v<version>``; act resolves that tag to this repository's copy (``--local-repository``).
The stack keeps no callbacks in stack config, so the review renders the drift from
``pulumi preview --refresh --json``.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import yaml

from components.version import VERSION
from tests.workflows.act import events
from tests.workflows.act.checks import assert_no_secrets
from tests.workflows.act.conftest import open_world
from tests.workflows.act.harness import (
    PASSPHRASE,
    REPOSITORY,
    STS,
    ActWorld,
    git_repo,
)

pytestmark = [pytest.mark.workflows, pytest.mark.engine]

CONSUMER = "acme/media-app"
TAG = f"v{VERSION}"
URL = "https://media.example.com/hooks/hangzhou"
CONSOLE_URL = "https://console-edit.example.com/hangzhou"
PR = 42
CHECKOUT = "actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd"  # v6.0.2


def program(package: Path) -> dict[str, object]:
    """The user's Pulumi.yaml: one callback setting, the package from a folder at the tag."""
    return {
        "name": "media-app",
        "runtime": "yaml",
        "options": {"refresh": "always"},
        "packages": {"ims": str(package)},
        "resources": {
            "hangzhou": {
                "type": "ims:index:EventCallback",
                "properties": {
                    "region": "cn-hangzhou",
                    "callbackType": "HTTP",
                    "url": URL,
                    "events": ["ProduceMediaComplete"],
                    "authEnabled": True,
                },
            }
        },
    }


def workflow() -> dict[str, object]:
    """The user's review workflow, calling our actions at the tag."""
    action = f"{REPOSITORY}/.github/actions/{{}}@{TAG}"
    same_repo = "github.event.pull_request.head.repo.full_name == github.repository"
    return {
        "name": "Callbacks review",
        "on": {"pull_request": None},
        "permissions": {},
        "jobs": {
            "review": {
                "if": same_repo,
                "runs-on": "ubuntu-latest",
                "strategy": {"matrix": {"stack": ["dev"]}},
                "environment": "${{ matrix.stack }}-preview",
                "permissions": {"contents": "read", "id-token": "write"},
                "steps": [
                    {"uses": CHECKOUT, "with": {"persist-credentials": False}},
                    {"uses": action.format("setup"), "with": {"working-directory": "infra"}},
                    {
                        "uses": action.format("review"),
                        "env": {
                            "PULUMI_CONFIG_PASSPHRASE": "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
                            "PULUMI_BACKEND_URL": "${{ vars.PULUMI_BACKEND_URL }}",
                        },
                        "with": {
                            "stack": "${{ matrix.stack }}",
                            "working-directory": "infra",
                            "role-arn": "${{ vars.ALIYUN_ROLE_ARN }}",
                            "oidc-provider-arn": "${{ vars.ALIYUN_OIDC_PROVIDER_ARN }}",
                            "sts-endpoint": "${{ vars.ALIYUN_STS_ENDPOINT }}",
                        },
                    },
                ],
            },
            "comment": {
                "needs": "review",
                "if": f"always() && {same_repo}",
                "runs-on": "ubuntu-latest",
                "permissions": {"contents": "read", "pull-requests": "write"},
                "steps": [{"uses": action.format("pr-comment"), "with": {"stacks": '["dev"]'}}],
            },
        },
    }


@pytest.fixture
def consumer(
    tmp_path_factory: pytest.TempPathFactory, tools: tuple[Path, tuple[Path, ...], Path]
) -> Iterator[tuple[ActWorld, Path]]:
    """The user's repository, its dev stack deployed once by hand, our copy at the tag."""
    with ExitStack() as resources:
        world = open_world(
            resources, tmp_path_factory.mktemp("act-consumer"), tools, CONSUMER, ("dev",)
        )
        git_repo(world.repo, f"https://github.com/{REPOSITORY}.git")
        package = world.repo / "provider"
        uv, venv = [sys.executable, "-m", "uv"], str(package / "venv")
        requirements = str(package / "requirements.txt")
        subprocess.run([*uv, "venv", "-q", "--seed", venv], check=True)
        subprocess.run(
            [*uv, "pip", "install", "-q", "--python", venv, "-r", requirements], check=True
        )
        repo = world.root / "media-app"
        infra = repo / "infra"
        (repo / ".github" / "workflows").mkdir(parents=True)
        infra.mkdir()
        (infra / "Pulumi.yaml").write_text(yaml.safe_dump(program(package), sort_keys=False))
        (repo / ".github" / "workflows" / "ims-review.yml").write_text(
            yaml.safe_dump(workflow(), sort_keys=False)
        )
        credentials = {
            "ALIBABA_CLOUD_ACCESS_KEY_ID": STS.access_key_id,
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET": STS.access_key_secret,
            "ALIBABA_CLOUD_SECURITY_TOKEN": STS.security_token,
        }
        world.pulumi("stack", "init", "dev", cwd=infra)
        emulator = world.emulators["dev"].base_url
        world.pulumi("config", "set", "ims:emulator", emulator, cwd=infra)
        world.pulumi("up", "--yes", "--stack", "dev", cwd=infra, env_extra=credentials)
        git_repo(repo, f"https://github.com/{CONSUMER}.git")
        yield world, repo


def test_a_yaml_project_is_reviewed_by_the_actions_at_a_tag(
    consumer: tuple[ActWorld, Path],
) -> None:
    world, repo = consumer
    world.github.add_pull_request(PR)
    world.emulators["dev"].control.console_edit("cn-hangzhou", {"CallbackURL": CONSOLE_URL})
    world.github.reset_calls()

    run = world.run(
        "pull_request",
        "ims-review.yml",
        events.pull_request(PR, repository=CONSUMER),
        repo=repo,
        local_repositories=[(f"{REPOSITORY}@{TAG}", world.repo)],
        secrets={"PULUMI_CONFIG_PASSPHRASE": PASSPHRASE},
    )

    assert run.exit_code == 0, run.log[-4000:]
    assert "dev: drift from preview" in run.log
    (comment,) = world.github.comments_on(PR)
    body = comment["body"]
    table = body.split("\n---\n")[0]
    assert "| `dev` | ⚠️ 1 of 1 region drifted in dev |" in table
    assert "| `~ 1 to update, 1 unchanged` |" in table
    assert "| `cn-hangzhou` | ⚠️ drifted | http | `url` |" in body
    assert f"`{CONSOLE_URL}`" in body
    assert f"`{URL}`" in body
    assert world.sts.calls, "the review must assume the role"
    assert_no_secrets(world, run)
