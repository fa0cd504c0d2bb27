from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.flow_state import FlowState
from ..types import UNSET, Unset

T = TypeVar("T", bound="Flow")


@_attrs_define
class Flow:
    """One run of a template. Only the identifier is required: the docs guarantee the other fields' content, not their
    presence or names, so a client must not depend on them.

        Attributes:
            flow_id (str): The flow's identifier.
            template (str | Unset): The name of the template the flow runs.
            parameters (Any | Unset): The template's parameters after defaults were applied.
            additional (Any | Unset): Any JSON the client attached to the flow.
            state (FlowState | str | Unset): The flow's state. Terminal states are `completed`, `aborted` and `failed`.
                Other values may be added; treat an unknown state as still running.
            progress (float | Unset): From 0.0 to 1.0; it only grows.
            created_at (datetime.datetime | Unset): When the flow was created.
            started_at (datetime.datetime | None | Unset): When the flow started; null until then.
            finished_at (datetime.datetime | None | Unset): When the flow reached a terminal state; null until then.
    """

    flow_id: str
    template: str | Unset = UNSET
    parameters: Any | Unset = UNSET
    additional: Any | Unset = UNSET
    state: FlowState | str | Unset = UNSET
    progress: float | Unset = UNSET
    created_at: datetime.datetime | Unset = UNSET
    started_at: datetime.datetime | None | Unset = UNSET
    finished_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        flow_id = self.flow_id

        template = self.template

        parameters = self.parameters

        additional = self.additional

        state: str | Unset
        if isinstance(self.state, Unset):
            state = UNSET
        elif isinstance(self.state, FlowState):
            state = self.state.value
        else:
            state = self.state

        progress = self.progress

        created_at: str | Unset = UNSET
        if not isinstance(self.created_at, Unset):
            created_at = self.created_at.isoformat()

        started_at: None | str | Unset
        if isinstance(self.started_at, Unset):
            started_at = UNSET
        elif isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        finished_at: None | str | Unset
        if isinstance(self.finished_at, Unset):
            finished_at = UNSET
        elif isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "flow_id": flow_id,
            }
        )
        if template is not UNSET:
            field_dict["template"] = template
        if parameters is not UNSET:
            field_dict["parameters"] = parameters
        if additional is not UNSET:
            field_dict["additional"] = additional
        if state is not UNSET:
            field_dict["state"] = state
        if progress is not UNSET:
            field_dict["progress"] = progress
        if created_at is not UNSET:
            field_dict["created_at"] = created_at
        if started_at is not UNSET:
            field_dict["started_at"] = started_at
        if finished_at is not UNSET:
            field_dict["finished_at"] = finished_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        flow_id = d.pop("flow_id")

        template = d.pop("template", UNSET)

        parameters = d.pop("parameters", UNSET)

        additional = d.pop("additional", UNSET)

        def _parse_state(data: object) -> FlowState | str | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                state_type_0 = FlowState(data)

                return state_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(FlowState | str | Unset, data)

        state = _parse_state(d.pop("state", UNSET))

        progress = d.pop("progress", UNSET)

        _created_at = d.pop("created_at", UNSET)
        created_at: datetime.datetime | Unset
        if isinstance(_created_at, Unset):
            created_at = UNSET
        else:
            created_at = datetime.datetime.fromisoformat(_created_at)

        def _parse_started_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        started_at = _parse_started_at(d.pop("started_at", UNSET))

        def _parse_finished_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        finished_at = _parse_finished_at(d.pop("finished_at", UNSET))

        flow = cls(
            flow_id=flow_id,
            template=template,
            parameters=parameters,
            additional=additional,
            state=state,
            progress=progress,
            created_at=created_at,
            started_at=started_at,
            finished_at=finished_at,
        )

        flow.additional_properties = d
        return flow

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
