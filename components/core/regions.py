"""IMS (ICE 2020-11-09) service regions and their public endpoints.

Source: ice-api.md §5.1. Six regions are in the official endpoint table; Frankfurt and
Dubai are listed as service regions but their endpoints are unconfirmed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    """One IMS region: its id, human name and whether its endpoint is documented."""

    id: str
    name: str
    endpoint_confirmed: bool


IMS_REGIONS: tuple[Region, ...] = (
    Region("cn-shanghai", "China East 2 (Shanghai)", True),
    Region("cn-beijing", "North China 2 (Beijing)", True),
    Region("cn-hangzhou", "China East 1 (Hangzhou)", True),
    Region("cn-shenzhen", "South China 1 (Shenzhen)", True),
    Region("ap-southeast-1", "Singapore", True),
    Region("us-west-1", "US (Silicon Valley)", True),
    Region("eu-central-1", "Germany (Frankfurt)", False),
    Region("me-east-1", "UAE (Dubai)", False),
)

REGION_IDS: frozenset[str] = frozenset(r.id for r in IMS_REGIONS)

_BY_ID: dict[str, Region] = {r.id: r for r in IMS_REGIONS}


def get_region(region: str) -> Region:
    """Return the Region for an id; raise KeyError for an unknown region."""
    return _BY_ID[region]


def ice_host(region: str) -> str:
    """Public ICE OpenAPI host for a region (always explicit; see ice-api.md §0 item 8)."""
    return f"ice.{region}.aliyuncs.com"


def mns_open_host(region: str) -> str:
    """Public MNS management (mns-open 2022-01-19) host for a region."""
    return f"mns-open.{region}.aliyuncs.com"
