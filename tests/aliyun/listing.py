"""ListQueue for tests: the product never lists queues, tests check what a region holds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.aliyun.mns import MnsClient

PAGE_SIZE = 50


def _page(client: MnsClient, prefix: str, page: int) -> dict[str, Any]:
    from alibabacloud_mns_open20220119.models import ListQueueRequest

    request = ListQueueRequest(queue_name=prefix or None, page_num=page, page_size=PAGE_SIZE)
    return client._call("ListQueue", lambda: client._client().list_queue(request))


def list_queues(client: MnsClient, prefix: str = "") -> list[str]:
    """Names of the client's region's queues starting with ``prefix``, sorted (all pages)."""
    names: set[str] = set()
    page = 1
    while True:
        data = _page(client, prefix, page)
        items = data.get("PageData") or []
        names.update(str(q.get("QueueName", "")) for q in items if isinstance(q, Mapping))
        if not items or page >= int(data.get("Pages") or 0):
            break
        page += 1
    return sorted(n for n in names if n.startswith(prefix))
