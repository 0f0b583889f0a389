"""The owner tag: ``owner_value`` (<= 128 chars, unique), ``with_owner`` and ``owned_by``."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from components.core.ownership import OWNER_TAG, owned_by, owner_value, with_owner
from components.core.rules import MAX_TAG_VALUE, MAX_TAGS, check_tags
from tests.queues import queue_settings

QUEUE = queue_settings("ice-callback", tags=(("env", "prod"), ("team", "media")))


# -- owner_value ------------------------------------------------------------------------------


def test_owner_tag_key_is_the_reserved_key():
    assert OWNER_TAG == "ims-callbacks-stack"


def test_owner_value_is_project_slash_stack():
    assert owner_value("ims-callbacks", "dev") == "ims-callbacks/dev"


def test_owner_value_of_exactly_128_characters_is_kept():
    project, stack = "p" * 60, "s" * 67  # 60 + "/" + 67 = 128
    assert owner_value(project, stack) == f"{project}/{stack}"
    assert len(owner_value(project, stack)) == MAX_TAG_VALUE == 128


@pytest.mark.parametrize("stack_length", [115, 200, 1000])  # 13 + 1 + 115 = 129
def test_long_owner_value_is_shortened_with_a_hash(stack_length):
    project, stack = "ims-callbacks", "s" * stack_length
    full = f"{project}/{stack}"
    digest = hashlib.sha256(full.encode()).hexdigest()[:16]
    value = owner_value(project, stack)
    assert len(value) == MAX_TAG_VALUE
    assert value == f"{full[:111]}#{digest}"
    assert value.startswith("ims-callbacks/sss")


def test_long_owner_values_sharing_a_prefix_stay_distinct():
    prefix = "team-" + "x" * 150
    first = owner_value("ims-callbacks", prefix + "-a")
    second = owner_value("ims-callbacks", prefix + "-b")
    assert first != second
    assert first[:111] == second[:111]  # only the hash tells them apart
    assert len(first) == len(second) == MAX_TAG_VALUE


def test_owner_value_is_deterministic():
    stack = "z" * 300
    assert owner_value("ims-callbacks", stack) == owner_value("ims-callbacks", stack)


def test_owner_value_is_a_valid_tag_value():
    for stack in ("dev", "y" * 500):
        assert check_tags({"owner-probe": owner_value("ims-callbacks", stack)})


# -- with_owner -------------------------------------------------------------------------------


def test_with_owner_adds_the_tag_and_keeps_the_others_sorted():
    owned = with_owner(QUEUE, "ims-callbacks/dev")
    assert owned.tags == (
        ("env", "prod"),
        ("ims-callbacks-stack", "ims-callbacks/dev"),
        ("team", "media"),
    )
    assert owned == replace(QUEUE, tags=owned.tags)  # nothing else changes
    assert QUEUE.tags == (("env", "prod"), ("team", "media"))  # the input is untouched


def test_with_owner_sorts_unsorted_tags():
    queue = replace(QUEUE, tags=(("zeta", "1"), ("alpha", "2")))
    assert [k for k, _ in with_owner(queue, "p/s").tags] == ["alpha", OWNER_TAG, "zeta"]


def test_with_owner_on_a_queue_without_tags():
    assert with_owner(replace(QUEUE, tags=()), "p/s").tags == ((OWNER_TAG, "p/s"),)


def test_with_owner_replaces_a_previous_owner_tag():
    twice = with_owner(with_owner(QUEUE, "p/old"), "p/new")
    assert dict(twice.tags)[OWNER_TAG] == "p/new"
    assert len(twice.tags) == 3


def test_most_user_tags_plus_the_owner_tag_fit_the_mns_limit_of_20():
    tags = check_tags({f"k{i:02}": "v" for i in range(MAX_TAGS)})
    owned = with_owner(replace(QUEUE, tags=tuple(tags.items())), "p/s")
    assert len(owned.tags) == 20


def test_check_tags_rejects_the_owner_key_as_user_tag():
    with pytest.raises(ValueError, match="'ims-callbacks-stack' is set by ims-callbacks itself"):
        check_tags({OWNER_TAG: "ims-callbacks/dev"})


# -- owned_by ---------------------------------------------------------------------------------


def test_owned_by_true_for_this_stacks_tag():
    assert owned_by(dict(with_owner(QUEUE, "ims-callbacks/dev").tags), "ims-callbacks/dev") is True


@pytest.mark.parametrize(
    "tags",
    [
        {OWNER_TAG: "ims-callbacks/prod"},  # another stack
        {OWNER_TAG: "other-project/dev"},  # another project
        {OWNER_TAG: ""},
        {"env": "prod"},  # no owner tag at all
        {},
        {"Ims-Callbacks-Stack": "ims-callbacks/dev"},  # keys are case-sensitive
    ],
)
def test_owned_by_false_for_any_other_tags(tags):
    assert owned_by(tags, "ims-callbacks/dev") is False


def test_owned_by_tells_apart_two_hashed_long_owners():
    prefix = "s" * 200
    mine, theirs = owner_value("p", prefix + "1"), owner_value("p", prefix + "2")
    assert owned_by({OWNER_TAG: mine}, mine) is True
    assert owned_by({OWNER_TAG: theirs}, mine) is False
