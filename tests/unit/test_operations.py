"""Operations stay in step with the spec without loading the generated client."""

from __future__ import annotations

from generio_api.models import FlowSortField

from generio._http.operations import SORT_FIELDS


def test_sort_fields_match_the_generated_enum() -> None:
    """The spelled-out sort fields are exactly the generated FlowSortField values."""
    assert set(SORT_FIELDS) == {field.value for field in FlowSortField}
