from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.asset import Asset
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...types import Response


def _get_kwargs(
    flow_id: str,
    asset_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/flows/{flow_id}/outputs/{asset_id}".format(
            flow_id=quote(str(flow_id), safe=""),
            asset_id=quote(str(asset_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Asset | ErrorDetail | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = Asset.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = ErrorDetail.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = ErrorDetail.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = ErrorDetail.from_dict(response.json())

        return response_409

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Asset | ErrorDetail | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    flow_id: str,
    asset_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Asset | ErrorDetail | HTTPValidationError]:
    """Download an output

     One output asset with its `data`, a data URI such as `data:model/gltf-binary;base64,...`. Only for
    flows in a terminal state.

    Args:
        flow_id (str): The flow's identifier, as returned by `POST /flows`.
        asset_id (str): The asset's identifier (`asset_id` in asset objects).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Asset | ErrorDetail | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        flow_id=flow_id,
        asset_id=asset_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    flow_id: str,
    asset_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Asset | ErrorDetail | HTTPValidationError | None:
    """Download an output

     One output asset with its `data`, a data URI such as `data:model/gltf-binary;base64,...`. Only for
    flows in a terminal state.

    Args:
        flow_id (str): The flow's identifier, as returned by `POST /flows`.
        asset_id (str): The asset's identifier (`asset_id` in asset objects).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Asset | ErrorDetail | HTTPValidationError
    """

    return sync_detailed(
        flow_id=flow_id,
        asset_id=asset_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    flow_id: str,
    asset_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Asset | ErrorDetail | HTTPValidationError]:
    """Download an output

     One output asset with its `data`, a data URI such as `data:model/gltf-binary;base64,...`. Only for
    flows in a terminal state.

    Args:
        flow_id (str): The flow's identifier, as returned by `POST /flows`.
        asset_id (str): The asset's identifier (`asset_id` in asset objects).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Asset | ErrorDetail | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        flow_id=flow_id,
        asset_id=asset_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    flow_id: str,
    asset_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Asset | ErrorDetail | HTTPValidationError | None:
    """Download an output

     One output asset with its `data`, a data URI such as `data:model/gltf-binary;base64,...`. Only for
    flows in a terminal state.

    Args:
        flow_id (str): The flow's identifier, as returned by `POST /flows`.
        asset_id (str): The asset's identifier (`asset_id` in asset objects).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Asset | ErrorDetail | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            flow_id=flow_id,
            asset_id=asset_id,
            client=client,
        )
    ).parsed
