from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="TemplateParameter")


@_attrs_define
class TemplateParameter:
    """One parameter of a template. Every field is optional (our naming).

    Attributes:
        type_ (str | Unset): The JSON type of the value: `string`, `integer`, `number` or `boolean`.
        default (Any | Unset): The value used when the flow does not set one.
        allowed (list[Any] | None | Unset): The allowed values, when restricted.
        description (str | Unset): What the parameter does.
    """

    type_: str | Unset = UNSET
    default: Any | Unset = UNSET
    allowed: list[Any] | None | Unset = UNSET
    description: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        default = self.default

        allowed: list[Any] | None | Unset
        if isinstance(self.allowed, Unset):
            allowed = UNSET
        elif isinstance(self.allowed, list):
            allowed = self.allowed

        else:
            allowed = self.allowed

        description = self.description

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if type_ is not UNSET:
            field_dict["type"] = type_
        if default is not UNSET:
            field_dict["default"] = default
        if allowed is not UNSET:
            field_dict["allowed"] = allowed
        if description is not UNSET:
            field_dict["description"] = description

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = d.pop("type", UNSET)

        default = d.pop("default", UNSET)

        def _parse_allowed(data: object) -> list[Any] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                allowed_type_0 = cast(list[Any], data)

                return allowed_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[Any] | None | Unset, data)

        allowed = _parse_allowed(d.pop("allowed", UNSET))

        description = d.pop("description", UNSET)

        template_parameter = cls(
            type_=type_,
            default=default,
            allowed=allowed,
            description=description,
        )

        template_parameter.additional_properties = d
        return template_parameter

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
