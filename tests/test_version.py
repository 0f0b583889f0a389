"""One version: the plugin, its schema, the SDKs, the project metadata and the changelog agree."""

from __future__ import annotations

import json
import re
import subprocess
import tomllib

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2_grpc

from components.provider.schema import schema
from components.version import VERSION
from devtools.engine import REPO_ROOT
from devtools.stack import PACKAGE_DIR


def test_the_version_is_a_release_number():
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION)


def test_the_project_takes_its_version_from_the_one_source():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "components.version.VERSION"
    }


def test_the_schema_and_the_committed_sdks_carry_it():
    assert schema()["version"] == VERSION
    setup = (REPO_ROOT / "sdk" / "python" / "setup.py").read_text()
    assert re.search(r'^VERSION = "(.*)"$', setup, re.M)[1] == VERSION  # type: ignore[index]
    plugin = json.loads((REPO_ROOT / "sdk/python/pulumi_ims/pulumi-plugin.json").read_text())
    assert plugin["version"] == VERSION
    package = json.loads((REPO_ROOT / "sdk" / "nodejs" / "package.json").read_text())
    assert (package["version"], package["pulumi"]["version"]) == (VERSION, VERSION)


def test_the_changelog_begins_with_it():
    changelog = (REPO_ROOT / "CHANGELOG.md").read_text()
    first = re.search(r"^## \[?(\d+\.\d+\.\d+)\]?", changelog, re.M)
    assert first is not None
    assert first[1] == VERSION


def test_the_running_plugin_reports_it():
    """The plugin as the language host starts it: the package folder's venv and __main__.py."""
    plugin = subprocess.Popen(
        [str(PACKAGE_DIR / "venv" / "bin" / "python"), str(PACKAGE_DIR), "127.0.0.1:1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert plugin.stdout is not None
        port = int(plugin.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            info = stub.GetPluginInfo(empty_pb2.Empty(), timeout=30)
        assert info.version == VERSION
    finally:
        plugin.terminate()
        plugin.wait(timeout=30)
