from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.template_parameters import TemplateParameters


T = TypeVar("T", bound="Template")


@_attrs_define
class Template:
    """The blueprint of a flow. Our naming of the docs' vocabulary: only the name (by which flows are created) is required;
    `template_id`, the parameters and the MIME type lists may be missing or named otherwise.

        Attributes:
            name (str): The template's unique name, used to create flows.
            template_id (str | Unset): The template's identifier.
            description (str | Unset): What the template does.
            category (str | Unset): Where the template sits in the catalogue.
            parameters (TemplateParameters | Unset): The template's parameters by name.
            input_types (list[str] | Unset): The MIME types the template accepts as inputs.
            output_types (list[str] | Unset): The MIME types of the outputs.
    """

    name: str
    template_id: str | Unset = UNSET
    description: str | Unset = UNSET
    category: str | Unset = UNSET
    parameters: TemplateParameters | Unset = UNSET
    input_types: list[str] | Unset = UNSET
    output_types: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        template_id = self.template_id

        description = self.description

        category = self.category

        parameters: dict[str, Any] | Unset = UNSET
        if not isinstance(self.parameters, Unset):
            parameters = self.parameters.to_dict()

        input_types: list[str] | Unset = UNSET
        if not isinstance(self.input_types, Unset):
            input_types = self.input_types

        output_types: list[str] | Unset = UNSET
        if not isinstance(self.output_types, Unset):
            output_types = self.output_types

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
            }
        )
        if template_id is not UNSET:
            field_dict["template_id"] = template_id
        if description is not UNSET:
            field_dict["description"] = description
        if category is not UNSET:
            field_dict["category"] = category
        if parameters is not UNSET:
            field_dict["parameters"] = parameters
        if input_types is not UNSET:
            field_dict["input_types"] = input_types
        if output_types is not UNSET:
            field_dict["output_types"] = output_types

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.template_parameters import TemplateParameters  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        template_id = d.pop("template_id", UNSET)

        description = d.pop("description", UNSET)

        category = d.pop("category", UNSET)

        _parameters = d.pop("parameters", UNSET)
        parameters: TemplateParameters | Unset
        if isinstance(_parameters, Unset):
            parameters = UNSET
        else:
            parameters = TemplateParameters.from_dict(_parameters)

        input_types = cast(list[str], d.pop("input_types", UNSET))

        output_types = cast(list[str], d.pop("output_types", UNSET))

        template = cls(
            name=name,
            template_id=template_id,
            description=description,
            category=category,
            parameters=parameters,
            input_types=input_types,
            output_types=output_types,
        )

        template.additional_properties = d
        return template

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
