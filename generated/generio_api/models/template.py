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
    """The blueprint of a flow.

    Attributes:
        template_id (str): The template's identifier.
        name (str): The template's unique name, used to create flows.
        description (str): What the template does.
        parameters (TemplateParameters): The template's parameters by name.
        input_types (list[str]): The MIME types the template accepts as inputs.
        output_types (list[str]): The MIME types of the outputs.
        category (str | Unset): Where the template sits in the catalogue.
    """

    template_id: str
    name: str
    description: str
    parameters: TemplateParameters
    input_types: list[str]
    output_types: list[str]
    category: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        template_id = self.template_id

        name = self.name

        description = self.description

        parameters = self.parameters.to_dict()

        input_types = self.input_types

        output_types = self.output_types

        category = self.category

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "template_id": template_id,
                "name": name,
                "description": description,
                "parameters": parameters,
                "input_types": input_types,
                "output_types": output_types,
            }
        )
        if category is not UNSET:
            field_dict["category"] = category

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.template_parameters import TemplateParameters  # noqa: PLC0415

        d = dict(src_dict)
        template_id = d.pop("template_id")

        name = d.pop("name")

        description = d.pop("description")

        parameters = TemplateParameters.from_dict(d.pop("parameters"))

        input_types = cast(list[str], d.pop("input_types"))

        output_types = cast(list[str], d.pop("output_types"))

        category = d.pop("category", UNSET)

        template = cls(
            template_id=template_id,
            name=name,
            description=description,
            parameters=parameters,
            input_types=input_types,
            output_types=output_types,
            category=category,
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
