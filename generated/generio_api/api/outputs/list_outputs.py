from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.output_list import OutputList
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
        "url": "/flows/{flow_id}/outputs".format(
            flow_id=quote(str(flow_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorDetail | HTTPValidationError | OutputList | None:
    if response.status_code == 200:
        response_200 = OutputList.from_dict(response.json())

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
) -> Response[ErrorDetail | HTTPValidationError | OutputList]:
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
) -> Response[ErrorDetail | HTTPValidationError | OutputList]:
    """List a flow's outputs

     The flow's output assets. Only for flows in a terminal state; aborted and failed flows may have
    partial outputs.

    Args:
        flow_id (str): The flow's identifier, as returned by `POST /flows`.
        include_data (bool | Unset): Include each asset's `data` (a data URI) in the list.
            Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | HTTPValidationError | OutputList]
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
) -> ErrorDetail | HTTPValidationError | OutputList | None:
    """List a flow's outputs

     The flow's output assets. Only for flows in a terminal state; aborted and failed flows may have
    partial outputs.

    Args:
        flow_id (str): The flow's identifier, as returned by `POST /flows`.
        include_data (bool | Unset): Include each asset's `data` (a data URI) in the list.
            Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | HTTPValidationError | OutputList
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
) -> Response[ErrorDetail | HTTPValidationError | OutputList]:
    """List a flow's outputs

     The flow's output assets. Only for flows in a terminal state; aborted and failed flows may have
    partial outputs.

    Args:
        flow_id (str): The flow's identifier, as returned by `POST /flows`.
        include_data (bool | Unset): Include each asset's `data` (a data URI) in the list.
            Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | HTTPValidationError | OutputList]
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
) -> ErrorDetail | HTTPValidationError | OutputList | None:
    """List a flow's outputs

     The flow's output assets. Only for flows in a terminal state; aborted and failed flows may have
    partial outputs.

    Args:
        flow_id (str): The flow's identifier, as returned by `POST /flows`.
        include_data (bool | Unset): Include each asset's `data` (a data URI) in the list.
            Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | HTTPValidationError | OutputList
    """

    return (
        await asyncio_detailed(
            flow_id=flow_id,
            client=client,
            include_data=include_data,
        )
    ).parsed
