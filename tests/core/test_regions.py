from __future__ import annotations

import dataclasses

import pytest

from components.core.regions import IMS_REGIONS, REGION_IDS, get_region, ice_host, mns_open_host

CONFIRMED = {
    "cn-shanghai",
    "cn-beijing",
    "cn-hangzhou",
    "cn-shenzhen",
    "ap-southeast-1",
    "us-west-1",
}


def test_region_ids():
    assert {"eu-central-1", "me-east-1", *CONFIRMED} == REGION_IDS
    assert len(IMS_REGIONS) == len(REGION_IDS)


@pytest.mark.parametrize("region", sorted(REGION_IDS))
def test_endpoint_confirmation(region):
    assert get_region(region).endpoint_confirmed is (region in CONFIRMED)


def test_region_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        IMS_REGIONS[0].id = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("region", "ice", "mns"),
    [
        ("cn-beijing", "ice.cn-beijing.aliyuncs.com", "mns-open.cn-beijing.aliyuncs.com"),
        (
            "ap-southeast-1",
            "ice.ap-southeast-1.aliyuncs.com",
            "mns-open.ap-southeast-1.aliyuncs.com",
        ),
    ],
)
def test_hosts(region, ice, mns):
    assert ice_host(region) == ice
    assert mns_open_host(region) == mns
