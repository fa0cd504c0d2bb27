from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.asset_status import AssetStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="Asset")


@_attrs_define
class Asset:
    """An input or output file of a flow. The service documents `asset_id`; some of its material reads `id`: clients should
    accept either.

        Attributes:
            asset_id (str | Unset): The asset's identifier.
            id (str | Unset): The asset's identifier under the name the vendor's quickstart reads; the same value as
                `asset_id` when both are sent.
            status (AssetStatus | str | Unset): The asset's processing status. `ready` and `available` both mean the data
                can be fetched. Other values may be added.
            processed (datetime.datetime | None | Unset): When the asset was processed.
            additional (Any | Unset): Any JSON the client attached to the input; copied to the corresponding output.
            data (None | str | Unset): The content as a data URI (`data:<MIME type>;base64,<data>`) or, for a text prompt,
                the plain text. Present only when requested or when fetching a single asset.
            error (None | str | Unset): Why processing failed, when it did.
    """

    asset_id: str | Unset = UNSET
    id: str | Unset = UNSET
    status: AssetStatus | str | Unset = UNSET
    processed: datetime.datetime | None | Unset = UNSET
    additional: Any | Unset = UNSET
    data: None | str | Unset = UNSET
    error: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        asset_id = self.asset_id

        id = self.id

        status: str | Unset
        if isinstance(self.status, Unset):
            status = UNSET
        elif isinstance(self.status, AssetStatus):
            status = self.status.value
        else:
            status = self.status

        processed: None | str | Unset
        if isinstance(self.processed, Unset):
            processed = UNSET
        elif isinstance(self.processed, datetime.datetime):
            processed = self.processed.isoformat()
        else:
            processed = self.processed

        additional = self.additional

        data: None | str | Unset
        if isinstance(self.data, Unset):
            data = UNSET
        else:
            data = self.data

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if asset_id is not UNSET:
            field_dict["asset_id"] = asset_id
        if id is not UNSET:
            field_dict["id"] = id
        if status is not UNSET:
            field_dict["status"] = status
        if processed is not UNSET:
            field_dict["processed"] = processed
        if additional is not UNSET:
            field_dict["additional"] = additional
        if data is not UNSET:
            field_dict["data"] = data
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        asset_id = d.pop("asset_id", UNSET)

        id = d.pop("id", UNSET)

        def _parse_status(data: object) -> AssetStatus | str | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = AssetStatus(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AssetStatus | str | Unset, data)

        status = _parse_status(d.pop("status", UNSET))

        def _parse_processed(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                processed_type_0 = datetime.datetime.fromisoformat(data)

                return processed_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        processed = _parse_processed(d.pop("processed", UNSET))

        additional = d.pop("additional", UNSET)

        def _parse_data(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        data = _parse_data(d.pop("data", UNSET))

        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        asset = cls(
            asset_id=asset_id,
            id=id,
            status=status,
            processed=processed,
            additional=additional,
            data=data,
            error=error,
        )

        asset.additional_properties = d
        return asset

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
