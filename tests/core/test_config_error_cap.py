"""ConfigError shows at most MAX_SHOWN_PROBLEMS problems; ``problems`` keeps them all."""

from __future__ import annotations

import pickle

import pytest

from components.core.errors import MAX_SHOWN_PROBLEMS, ConfigError, ConfigProblem
from components.core.rules import MAX_EVENTS
from components.core.stack_config import load_settings


def error_with(count: int) -> ConfigError:
    return ConfigError(ConfigProblem(f"p{i}", f"m{i}") for i in range(count))


def test_the_cap_is_one_hundred():
    assert MAX_SHOWN_PROBLEMS == 100


@pytest.mark.parametrize(
    ("count", "last_line"),
    [
        (1, "  ims-callbacks:p0: m0"),
        (99, "  ims-callbacks:p98: m98"),
        (100, "  ims-callbacks:p99: m99"),  # exactly at the cap: no summary line
        (101, "  ... and 1 more problem (fix the ones above and rerun)"),
        (102, "  ... and 2 more problems (fix the ones above and rerun)"),
        (10_000, "  ... and 9900 more problems (fix the ones above and rerun)"),
    ],
)
def test_rendering_is_capped_at_the_boundary(count: int, last_line: str):
    err = error_with(count)
    lines = str(err).splitlines()
    noun = "problem" if count == 1 else "problems"
    assert lines[0] == f"{count} {noun} in the stack configuration; nothing was changed:"
    shown = min(count, 100)
    assert lines[1 : 1 + shown] == [f"  ims-callbacks:p{i}: m{i}" for i in range(shown)]
    assert len(lines) == 1 + shown + (count > 100)
    assert lines[-1] == last_line
    assert err.shown_problems() == tuple(line[2:] for line in lines[1:])
    assert err.headline() == lines[0]
    assert len(err.problems) == count  # the complete list stays available
    assert err.problems[-1] == ConfigProblem(f"p{count - 1}", f"m{count - 1}")


def test_capped_error_pickles_with_every_problem():
    err = error_with(150)
    copy = pickle.loads(pickle.dumps(err))  # noqa: S301
    assert copy.problems == err.problems
    assert str(copy) == str(err)


def test_a_hundred_thousand_events_are_one_problem_at_the_events_path():
    """A region with 100,000 events is rejected by its length, before any entry is checked."""
    callbacks = {
        "regions": {
            "cn-beijing": {"delivery": "mns", "events": [f"BadEvent{i}" for i in range(100_000)]}
        }
    }
    with pytest.raises(ConfigError) as info:
        load_settings({"ims-callbacks:callbacks": callbacks}, project="p", stack="s")
    assert [(p.path, p.message) for p in info.value.problems] == [
        (
            "callbacks.regions.cn-beijing.events",
            f"lists 100000 events; at most {MAX_EVENTS} (each event type once)",
        )
    ]


def test_hundreds_of_bad_events_give_a_short_report():
    """Bad events up to the limit in two regions: load_settings finds all, str(err) shows 100."""
    events = [f"BadEvent{i}" for i in range(MAX_EVENTS)]
    callbacks = {
        "regions": {
            "cn-beijing": {"delivery": "mns", "events": events},
            "cn-shanghai": {"delivery": "mns", "events": events},
        }
    }
    with pytest.raises(ConfigError) as info:
        load_settings({"ims-callbacks:callbacks": callbacks}, project="p", stack="s")
    err = info.value
    count = 2 * MAX_EVENTS
    assert len(err.problems) == count
    assert [p.path for p in err.problems[:2]] == [
        "callbacks.regions.cn-beijing.events[0]",
        "callbacks.regions.cn-beijing.events[1]",
    ]
    text = str(err)
    lines = text.splitlines()
    assert lines[0].startswith(f"{count} problems in the stack configuration")
    assert len(lines) == 102
    assert "BadEvent99'" in lines[100]
    assert "cn-shanghai" not in text
    assert lines[-1] == f"  ... and {count - 100} more problems (fix the ones above and rerun)"
