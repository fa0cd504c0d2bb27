from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.flow import Flow
from ...models.http_validation_error import HTTPValidationError
from ...types import Response


def _get_kwargs(
    flow_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/flows/{flow_id}".format(
            flow_id=quote(str(flow_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorDetail | Flow | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = Flow.from_dict(response.json())

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
) -> Response[ErrorDetail | Flow | HTTPValidationError]:
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
) -> Response[ErrorDetail | Flow | HTTPValidationError]:
    """Get a flow

     The flow's current state and progress. Poll this until the state is terminal (`completed`, `aborted`
    or `failed`).

    Args:
        flow_id (str): The flow's identifier, as returned by `POST /flows`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | Flow | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        flow_id=flow_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    flow_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> ErrorDetail | Flow | HTTPValidationError | None:
    """Get a flow

     The flow's current state and progress. Poll this until the state is terminal (`completed`, `aborted`
    or `failed`).

    Args:
        flow_id (str): The flow's identifier, as returned by `POST /flows`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | Flow | HTTPValidationError
    """

    return sync_detailed(
        flow_id=flow_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    flow_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[ErrorDetail | Flow | HTTPValidationError]:
    """Get a flow

     The flow's current state and progress. Poll this until the state is terminal (`completed`, `aborted`
    or `failed`).

    Args:
        flow_id (str): The flow's identifier, as returned by `POST /flows`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | Flow | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        flow_id=flow_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    flow_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> ErrorDetail | Flow | HTTPValidationError | None:
    """Get a flow

     The flow's current state and progress. Poll this until the state is terminal (`completed`, `aborted`
    or `failed`).

    Args:
        flow_id (str): The flow's identifier, as returned by `POST /flows`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | Flow | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            flow_id=flow_id,
            client=client,
        )
    ).parsed
