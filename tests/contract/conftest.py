"""Contract tests: one test per rule of docs/api-contract.md and per §8 probe.

A test named ``test_<rule id>`` (``ICE-SET-PUT`` -> ``test_ice_set_put``) that takes ``target``
runs on the emulator and, opt-in, on a real account (``pytest -m live tests/contract
--live-region REGION``, docs/contract.md); one that takes ``emulator_target`` checks an
emulator-only rule. Results and probe observations go to ``<state dir>/contract-report.*``.
"""

from __future__ import annotations

import functools
import os
import re
import socket
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from _pytest.mark.expression import Expression  # what `-m` itself evaluates

from components.aliyun.credentials import resolve_credentials
from components.aliyun.endpoints import Transport
from contract.probes import PROBES
from contract.report import ContractReport, write_report
from contract.session import (
    DEFAULT_QUEUE_PREFIX,
    DEFAULT_STATE_DIR,
    STATE_DIR_ENV,
    LiveConfig,
    LiveSession,
    NotReadyError,
)
from contract.target import Target
from emulator.auth import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET
from emulator.testing import EmulatorProcess, start_emulator

EMULATOR_REGION = "cn-shanghai"
OPT_IN = (
    "live contract target is opt-in: pytest -m live tests/contract --live-region REGION"
    " (docs/contract.md)"
)
UNDER_XDIST = "the live contract run must not use pytest-xdist (-n): run it in one process"
REPORT = pytest.StashKey[ContractReport]()
WRITTEN = pytest.StashKey[tuple[Path, Path]]()
LIVE = pytest.StashKey["LiveSession | str"]()
_ID_LINE = re.compile(r"^\| ((?:[A-Z0-9]+-)+[A-Z0-9]+) \|", re.MULTILINE)
CONTRACT_DOC = Path(__file__).resolve().parents[2] / "docs" / "api-contract.md"


@functools.cache
def contract_ids() -> tuple[str, ...]:
    """Every rule and probe id of docs/api-contract.md, in document order."""
    return tuple(_ID_LINE.findall(CONTRACT_DOC.read_text(encoding="utf-8")))


def function_name(contract_id: str) -> str:
    """``ICE-SET-PUT`` -> ``test_ice_set_put``."""
    return "test_" + contract_id.lower().replace("-", "_")


def contract_id_of(item: pytest.Item) -> str | None:
    """The rule or probe id an item tests (None for the suite's own tests)."""
    name = getattr(item, "originalname", item.name)
    ids = {function_name(i): i for i in contract_ids()}
    return ids.get(name)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contract", "IMS callback contract tests (docs/contract.md)")
    group.addoption("--live-region", help="region of the live run (or IMS_CONTRACT_REGION)")
    group.addoption(
        "--live-queue-prefix",
        help=f"prefix of the queues the live run creates (default {DEFAULT_QUEUE_PREFIX})",
    )
    group.addoption(
        "--live-allow-park",
        action="store_true",
        help="allow a live run in a region without callback (it is left parked, no events)",
    )
    group.addoption(
        "--contract-state-dir",
        help=f"restore record and report directory (or {STATE_DIR_ENV}; default .state)",
    )


def live_selected(markexpr: str) -> bool:
    """True when ``-m`` names ``live`` and selects live-marked tests (``-m live``, or
    ``-m "live or not live"`` for both targets in one report); never for ``-m "not engine"``."""
    if not re.search(r"\blive\b", markexpr):
        return False
    return Expression.compile(markexpr).evaluate(lambda name, **_: name == "live")


def state_dir(config: pytest.Config) -> Path:
    """Where the restore record and the report go."""
    return Path(
        config.getoption("contract_state_dir", None)
        or os.environ.get(STATE_DIR_ENV)
        or DEFAULT_STATE_DIR
    )


def pytest_configure(config: pytest.Config) -> None:
    workerinput = getattr(config, "workerinput", None)
    run = workerinput["testrunuid"] if workerinput else uuid.uuid4().hex
    config.stash[REPORT] = ContractReport(run)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target" in metafunc.fixturenames:
        metafunc.parametrize(
            "target", ["emulator", pytest.param("live", marks=pytest.mark.live)], indirect=True
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    contract_id = contract_id_of(item)
    callspec = getattr(item, "callspec", None)
    name = callspec.params.get("target", "emulator") if callspec else "emulator"
    results = item.config.stash[REPORT]
    relevant = report.when == "call" or not report.passed
    if name == "emulator":
        results.targets.setdefault("emulator", {"kind": "emulator", "region": EMULATOR_REGION})
    is_rule = contract_id is not None and not contract_id.startswith("PROBE-")
    if is_rule and relevant and name in results.targets:
        if report.skipped:
            detail = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else ""
            results.add_rule(contract_id, name, "skipped", detail)
        elif report.failed:
            crash = getattr(report.longrepr, "reprcrash", None)
            detail = crash.message.splitlines()[0][:300] if crash else report.outcome
            results.add_rule(contract_id, name, "disagrees" if name == "live" else "failed", detail)
        else:
            results.add_rule(contract_id, name, "passed")
    return report


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    report = session.config.stash[REPORT]
    if not report.empty:
        session.config.stash[WRITTEN] = write_report(report, state_dir(session.config))


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    session = config.stash.get(LIVE, None)
    if isinstance(session, LiveSession) and session.outcome is not None:
        for line in session.outcome.summary(session.config.region).splitlines():
            terminalreporter.write_line(line)
    written = config.stash.get(WRITTEN, None)
    if written:
        terminalreporter.write_line(f"contract report: {written[1]} (and {written[0].name})")


@pytest.fixture(scope="session")
def emulator_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """The suite's emulator, with the documented rules whatever IMS_EMULATOR_ASSUME says."""
    with start_emulator(tmp_path_factory.mktemp("contract") / "state.json") as emu:
        yield emu


def make_emulator_target(
    emu: EmulatorProcess, region: str = EMULATOR_REGION, **credential: str
) -> Target:
    """A target on ``emu`` (credentials: the default pair, or ``alicloud:*`` config keys)."""
    config = credential or {
        "alicloud:accessKey": DEFAULT_ACCESS_KEY_ID,
        "alicloud:secretKey": DEFAULT_ACCESS_KEY_SECRET,
    }
    return Target(
        "emulator",
        region,
        resolve_credentials(config, {}),
        Transport(emulator=emu.base_url),
        queue_prefix=DEFAULT_QUEUE_PREFIX,
        control=emu.control,
    )


@pytest.fixture
def emulator_target(request: pytest.FixtureRequest, emulator_process: EmulatorProcess) -> Target:
    """A target on the suite's emulator, reset (empty state, no faults, zero counters)."""
    emulator_process.control.reset()
    target = make_emulator_target(emulator_process)
    target.step = contract_id_of(request.node) or request.node.name
    return target


def open_live(config: pytest.Config) -> LiveSession | str:
    """The live session, opened (region recorded) on first use, or why there is none."""
    if LIVE not in config.stash:
        config.stash[LIVE] = _open_live(config)
    return config.stash[LIVE]


def _open_live(config: pytest.Config) -> LiveSession | str:
    if not live_selected(config.getoption("markexpr", "") or ""):
        return OPT_IN
    if hasattr(config, "workerinput"):
        return UNDER_XDIST
    try:
        live_config = LiveConfig.resolve(
            region=config.getoption("live_region", None),
            queue_prefix=config.getoption("live_queue_prefix", None),
            state_dir=str(state_dir(config)),
            allow_park=bool(config.getoption("live_allow_park", False)),
        )
        session = LiveSession(live_config)
        session.open()
    except NotReadyError as exc:
        return str(exc)
    config.stash[REPORT].targets["live"] = {
        "kind": "emulator rehearsal" if session.transport.emulator else "real account",
        "region": live_config.region,
        "credentials": session.credential_source,
        "queue prefix": session.target.queue_prefix,
        "restore record": str(live_config.record_path),
    }
    return session


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip every live test with the same single reason when there is no live session."""
    callspec = getattr(item, "callspec", None)
    if callspec and callspec.params.get("target") == "live":
        session = open_live(item.config)
        if isinstance(session, str):
            pytest.skip(session)


@pytest.fixture(scope="session")
def live_target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """The live target (opened by pytest_runtest_setup); restores the region when done."""
    session = open_live(request.config)
    assert isinstance(session, LiveSession)
    report = request.config.stash[REPORT]
    try:
        yield session.target
    finally:
        outcome = session.close()
        report.restore = outcome.to_json() if outcome else None
        report.calls = [c.to_dict() for c in session.target.journal]


@pytest.fixture
def target(request: pytest.FixtureRequest) -> Target:
    """The target of this parametrized test: ``emulator`` or ``live``."""
    if request.param == "emulator":
        return request.getfixturevalue("emulator_target")
    live = request.getfixturevalue("live_target")
    live.step = contract_id_of(request.node) or request.node.name
    return live


class Observer:
    """Records one probe's observation on one target: ``observe({aspect: value}, note)``."""

    def __init__(self, report: ContractReport, probe: str, target: str) -> None:
        self.report = report
        self.probe = probe
        self.target = target
        self.aspects = [a.name for a in PROBES[probe].aspects]

    def __call__(self, values: Mapping[str, str], note: str = "") -> None:
        self.report.add_observation(self.probe, self.target, values, note)


@pytest.fixture
def observe(request: pytest.FixtureRequest) -> Observer:
    """The observer of this ``test_probe_*`` test on its target."""
    probe = contract_id_of(request.node)
    assert probe, "observe is for test_probe_* tests"
    name = request.node.callspec.params.get("target", "emulator")
    return Observer(request.config.stash[REPORT], probe, name)


@pytest.fixture
def no_network(monkeypatch):
    """Any connection attempt fails the test."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("the dry run tried to connect")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
