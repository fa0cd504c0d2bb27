from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.input_list import InputList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    flow_id: str,
    *,
    include_data: bool | Unset = False,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["include_data"] = include_data

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/flows/{flow_id}/inputs".format(
            flow_id=quote(str(flow_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorDetail | HTTPValidationError | InputList | None:
    if response.status_code == 200:
        response_200 = InputList.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = ErrorDetail.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = ErrorDetail.from_dict(response.json())

        return response_404

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorDetail | HTTPValidationError | InputList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    flow_id: str,
    *,
    client: AuthenticatedClient | Client,
    include_data: bool | Unset = False,
) -> Response[ErrorDetail | HTTPValidationError | InputList]:
    """List a flow's inputs

     The flow's input assets.

    Args:
        flow_id (str): The flow's identifier, as returned by `POST /flows`.
        include_data (bool | Unset): Include each asset's `data` (a data URI) in the list.
            Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | HTTPValidationError | InputList]
    """

    kwargs = _get_kwargs(
        flow_id=flow_id,
        include_data=include_data,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    flow_id: str,
    *,
    client: AuthenticatedClient | Client,
    include_data: bool | Unset = False,
) -> ErrorDetail | HTTPValidationError | InputList | None:
    """List a flow's inputs

     The flow's input assets.

    Args:
        flow_id (str): The flow's identifier, as returned by `POST /flows`.
        include_data (bool | Unset): Include each asset's `data` (a data URI) in the list.
            Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | HTTPValidationError | InputList
    """

    return sync_detailed(
        flow_id=flow_id,
        client=client,
        include_data=include_data,
    ).parsed


async def asyncio_detailed(
    flow_id: str,
    *,
    client: AuthenticatedClient | Client,
    include_data: bool | Unset = False,
) -> Response[ErrorDetail | HTTPValidationError | InputList]:
    """List a flow's inputs

     The flow's input assets.

    Args:
        flow_id (str): The flow's identifier, as returned by `POST /flows`.
        include_data (bool | Unset): Include each asset's `data` (a data URI) in the list.
            Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | HTTPValidationError | InputList]
    """

    kwargs = _get_kwargs(
        flow_id=flow_id,
        include_data=include_data,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    flow_id: str,
    *,
    client: AuthenticatedClient | Client,
    include_data: bool | Unset = False,
) -> ErrorDetail | HTTPValidationError | InputList | None:
    """List a flow's inputs

     The flow's input assets.

    Args:
        flow_id (str): The flow's identifier, as returned by `POST /flows`.
        include_data (bool | Unset): Include each asset's `data` (a data URI) in the list.
            Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | HTTPValidationError | InputList
    """

    return (
        await asyncio_detailed(
            flow_id=flow_id,
            client=client,
            include_data=include_data,
        )
    ).parsed
