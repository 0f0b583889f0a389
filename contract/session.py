"""A live contract session: check the settings, record the region, guard the restore.

The live target is a real account, reached with credentials from the standard chain
(components.aliyun.credentials) in one explicit region. With ``IMS_CALLBACKS_EMULATOR`` set
the same session runs against that emulator instead (a rehearsal; the restore record notes
it, so the restore command goes to the same place).
"""

from __future__ import annotations

import os
import re
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from alibabacloud_credentials.client import Client as CredentialClient

from components.aliyun.credentials import describe_source, resolve_credentials
from components.aliyun.endpoints import Transport
from components.aliyun.errors import CredentialError
from components.aliyun.retry import RetryPolicy
from components.core.regions import REGION_IDS
from contract.restore import (
    RecordError,
    RestoreGuard,
    RestoreOutcome,
    RestoreRecord,
    restore_and_clear,
)
from contract.target import Reply, Target

REGION_ENV = "IMS_CONTRACT_REGION"
QUEUE_PREFIX_ENV = "IMS_CONTRACT_QUEUE_PREFIX"
STATE_DIR_ENV = "IMS_CONTRACT_STATE_DIR"
ALLOW_PARK_ENV = "IMS_CONTRACT_ALLOW_PARK"
DEFAULT_QUEUE_PREFIX = "ice-callback-contract-"
DEFAULT_STATE_DIR = Path(__file__).resolve().parents[1] / ".state"
QUEUE_PREFIX_MAX = 80
_PREFIX_RE = re.compile(r"ice-callback-[A-Za-z0-9-]*")
NEEDS = (
    "live contract run needs credentials from the Alibaba Cloud chain (e.g."
    " ALIBABA_CLOUD_ACCESS_KEY_ID + ALIBABA_CLOUD_ACCESS_KEY_SECRET, or ALIBABA_CLOUD_PROFILE)"
    f" and --live-region REGION (or {REGION_ENV})"
)


class NotReadyError(Exception):
    """The live session cannot start; the message says why (nothing was changed)."""


@dataclass(frozen=True)
class LiveConfig:
    """The user's explicit choices for a live run."""

    region: str
    queue_prefix: str
    state_dir: Path
    allow_park: bool

    @property
    def record_path(self) -> Path:
        """This region's restore record."""
        return self.state_dir / f"contract-restore-{self.region}.json"

    @classmethod
    def resolve(
        cls,
        *,
        region: str | None,
        queue_prefix: str | None,
        state_dir: str | None,
        allow_park: bool,
        environ: Mapping[str, str] | None = None,
        need_credentials: bool = True,
    ) -> LiveConfig:
        """Options win over ``IMS_CONTRACT_*`` variables; raises :class:`NotReadyError` with one
        reason when credentials (unless not ``need_credentials``) or the region are missing or
        a choice is invalid. Nothing is called."""
        env = os.environ if environ is None else environ
        region = region or env.get(REGION_ENV) or None
        missing = [] if region else ["region"]
        try:
            if need_credentials:
                describe_source(environ=env)
        except CredentialError as exc:
            missing.insert(0, "credentials" if "no Alibaba Cloud" in str(exc) else str(exc))
        if missing:
            raise NotReadyError(f"{NEEDS}; missing: {', '.join(missing)}")
        assert region is not None  # noqa: S101 - "region" would be missing otherwise
        if region not in REGION_IDS:
            raise NotReadyError(
                f"unknown region {region!r}; one of: {', '.join(sorted(REGION_IDS))}"
            )
        prefix = queue_prefix or env.get(QUEUE_PREFIX_ENV) or DEFAULT_QUEUE_PREFIX
        if not _PREFIX_RE.fullmatch(prefix) or len(prefix) > QUEUE_PREFIX_MAX:
            raise NotReadyError(
                f"queue prefix {prefix!r} must start with ice-callback-, hold only letters,"
                f" digits and hyphens and be at most {QUEUE_PREFIX_MAX} characters"
            )
        return cls(
            region=region,
            queue_prefix=prefix,
            state_dir=Path(state_dir or env.get(STATE_DIR_ENV) or DEFAULT_STATE_DIR),
            allow_park=allow_park or env.get(ALLOW_PARK_ENV, "") in ("1", "true", "yes"),
        )


class LiveSession:
    """Record the region's setting, hand out the live target, restore when closed.

    ``open`` writes the restore record before anything changes and installs the
    :class:`RestoreGuard`; ``close`` (or a signal, or interpreter exit) restores once.
    """

    def __init__(
        self,
        config: LiveConfig,
        credential: CredentialClient | None = None,
        transport: Transport | None = None,
        *,
        announce: bool = True,
    ) -> None:
        """``announce``: print the restore outcome on stderr (off when the caller reports it)."""
        self.config = config
        self._announce = announce
        self.credential = credential or resolve_credentials()
        self.credential_source = "given by the caller" if credential else describe_source()
        self.transport = transport or Transport.from_settings()
        self.outcome: RestoreOutcome | None = None
        self._opened: tuple[RestoreRecord, Target] | None = None
        self._guard = RestoreGuard(self._restore)

    @property
    def target(self) -> Target:
        """The live target of an open session."""
        if self._opened is None:
            raise RuntimeError("the live session is not open")
        return self._opened[1]

    def open(self) -> Target:
        """Record the current setting (file 0600) and return the target; raises NotReadyError."""
        path = self.config.record_path
        if path.exists():
            raise NotReadyError(
                f"{path} is left from an interrupted run: run `python -m contract"
                f" restore --file {path}` first"
            )
        run_prefix = f"{self.config.queue_prefix}{secrets.token_hex(3)}-"
        record = RestoreRecord(self.config.region, run_prefix, {}, self.transport.emulator)

        def remember_queue(name: str) -> None:
            record.queues.append(name)
            record.save(path)

        target = Target(
            "live",
            self.config.region,
            self.credential,
            self.transport,
            queue_prefix=run_prefix,
            retry=RetryPolicy(),
            redact_errors=True,
            own_queues_only=True,
            on_new_queue=remember_queue,
        )
        target.step = "record"
        reply = target.get_callback()
        if not reply.ok:
            raise NotReadyError(f"GetEventCallback answered {reply.outcome}; nothing was changed")
        record.original = {k: v for k, v in reply.callback(mask=False).items() if v}
        if "CallbackType" not in record.original and not self.config.allow_park:
            raise NotReadyError(
                f"{self.config.region} has no callback configured and IMS cannot delete one, so"
                " the run would leave an inert one behind (no events); pass --live-allow-park"
                f" (or {ALLOW_PARK_ENV}=1) to accept that"
            )
        target.initial = Reply(reply.status, reply.callback())
        try:
            record.create(path)
        except RecordError as exc:
            raise NotReadyError(str(exc)) from None
        self._opened = (record, target)
        self._guard.install()
        return target

    def _restore(self) -> RestoreOutcome:
        if self._opened is None:
            return RestoreOutcome("failed", "the session was never opened")
        record, target = self._opened
        try:
            outcome = restore_and_clear(record, self.config.record_path, target)
        except Exception as exc:  # a restore must end in an outcome, never a traceback
            outcome = RestoreOutcome("failed", f"{type(exc).__name__}: {exc}")
        if self._announce:
            print(outcome.summary(self.config.region), file=sys.__stderr__, flush=True)
        if not outcome.ok:
            print(
                f"contract: the restore record is kept: python -m contract restore"
                f" --file {self.config.record_path}",
                file=sys.__stderr__,
                flush=True,
            )
        self.outcome = outcome
        return outcome

    def close(self) -> RestoreOutcome | None:
        """Restore (unless a signal already did) and remove the signal handlers."""
        if self._opened is None:
            return None
        try:
            return self._guard.run()
        finally:
            self._guard.uninstall()
