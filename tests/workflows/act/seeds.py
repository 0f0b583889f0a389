"""What each stack's account holds before the first deploy, as its stack file expects."""

from __future__ import annotations

from components.aliyun.credentials import resolve_credentials
from components.aliyun.endpoints import Transport
from components.aliyun.mns import MnsClient
from emulator.testing import EmulatorProcess
from tests.queues import queue_settings
from tests.workflows.act.harness import STS

PROD_EXISTING_QUEUE = ("cn-beijing", "ice-callback-prod-beijing")
"""stacks/Pulumi.prod.yaml: cn-beijing delivers to this queue with ``existing: true``."""


def seed_prod(emulator: EmulatorProcess) -> None:
    """Create prod's existing queue (made by another team, not by the stack)."""
    region, name = PROD_EXISTING_QUEUE
    credential = resolve_credentials(
        {
            "alicloud:accessKey": STS.access_key_id,
            "alicloud:secretKey": STS.access_key_secret,
            "alicloud:securityToken": STS.security_token,
        }
    )
    queue = queue_settings(name)
    MnsClient(region, credential, Transport(emulator=emulator.base_url)).create_queue(queue)
    emulator.control.reset_counters()
