from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.flow import Flow
from ...models.flow_action import FlowAction
from ...models.http_validation_error import HTTPValidationError
from ...types import Response


def _get_kwargs(
    flow_id: str,
    *,
    body: FlowAction,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/flows/{flow_id}".format(
            flow_id=quote(str(flow_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
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
    body: FlowAction,
) -> Response[ErrorDetail | Flow | HTTPValidationError]:
    """Start or abort a flow

     `start` moves a `created` flow that was created without inputs to `starting`; `abort` moves a
    `starting` or `running` flow to `aborting`, then `aborted`.

    Args:
        flow_id (str): The flow's identifier, as returned by `POST /flows`.
        body (FlowAction): The body of `PATCH /flows/{flow_id}`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | Flow | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        flow_id=flow_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    flow_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: FlowAction,
) -> ErrorDetail | Flow | HTTPValidationError | None:
    """Start or abort a flow

     `start` moves a `created` flow that was created without inputs to `starting`; `abort` moves a
    `starting` or `running` flow to `aborting`, then `aborted`.

    Args:
        flow_id (str): The flow's identifier, as returned by `POST /flows`.
        body (FlowAction): The body of `PATCH /flows/{flow_id}`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | Flow | HTTPValidationError
    """

    return sync_detailed(
        flow_id=flow_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    flow_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: FlowAction,
) -> Response[ErrorDetail | Flow | HTTPValidationError]:
    """Start or abort a flow

     `start` moves a `created` flow that was created without inputs to `starting`; `abort` moves a
    `starting` or `running` flow to `aborting`, then `aborted`.

    Args:
        flow_id (str): The flow's identifier, as returned by `POST /flows`.
        body (FlowAction): The body of `PATCH /flows/{flow_id}`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | Flow | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        flow_id=flow_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    flow_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: FlowAction,
) -> ErrorDetail | Flow | HTTPValidationError | None:
    """Start or abort a flow

     `start` moves a `created` flow that was created without inputs to `starting`; `abort` moves a
    `starting` or `running` flow to `aborting`, then `aborted`.

    Args:
        flow_id (str): The flow's identifier, as returned by `POST /flows`.
        body (FlowAction): The body of `PATCH /flows/{flow_id}`.

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
            body=body,
        )
    ).parsed
