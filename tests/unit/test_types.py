"""The facade's Literal vocabularies say what the spec's enums say."""

from __future__ import annotations

from typing import get_args

import pytest
from generio_api.models import Action as SpecAction
from generio_api.models import FlowSortField as SpecSortField
from generio_api.models import FlowState as SpecState

from generio import FlowAction, FlowSortField, FlowState


@pytest.mark.parametrize(
    ("facade", "spec"),
    [(FlowState, SpecState), (FlowSortField, SpecSortField), (FlowAction, SpecAction)],
    ids=["FlowState", "FlowSortField", "FlowAction"],
)
def test_literals_match_the_spec(facade: object, spec: type) -> None:
    """Each Literal holds exactly the values of the generated enum it stands for."""
    assert set(get_args(facade)) == {member.value for member in spec}  # type: ignore[attr-defined]
