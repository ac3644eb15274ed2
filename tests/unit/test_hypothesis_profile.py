"""The property suites run on the Hypothesis profile tests/conftest.py loads."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.skipif(
    os.environ.get("HYPOTHESIS_PROFILE", "ci") != "ci",
    reason="HYPOTHESIS_PROFILE asks for another profile",
)


def test_the_loaded_profile_is_derandomized_and_prints_blobs() -> None:
    assert settings.get_current_profile_name() == "ci"
    loaded = settings.get_profile("ci")
    assert loaded.derandomize
    assert loaded.database is None
    assert loaded.print_blob


def examples_drawn() -> list[bytes]:
    """The examples a property test with its own max_examples draws, as the suites do."""
    drawn: list[bytes] = []

    @settings(max_examples=20)
    @given(st.binary(min_size=16))
    def record(data: bytes) -> None:
        drawn.append(data)

    record()
    return drawn


def test_a_property_test_draws_the_same_examples_on_every_run() -> None:
    first = examples_drawn()
    assert len(first) == 20
    assert examples_drawn() == first
