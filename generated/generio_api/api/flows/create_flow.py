from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.flow import Flow
from ...models.flow_create import FlowCreate
from ...models.http_validation_error import HTTPValidationError
from ...types import Response


def _get_kwargs(
    *,
    body: FlowCreate,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/flows",
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
    *,
    client: AuthenticatedClient | Client,
    body: FlowCreate,
) -> Response[ErrorDetail | Flow | HTTPValidationError]:
    """Create a flow

     Creates a flow from a template. Without `inputs` the flow waits in `created` for uploads and a
    `start` action; with `inputs` it starts at once (`starting`) and cannot be started by hand. Every
    created flow is billed; the service does not de-duplicate retried requests.

    Args:
        body (FlowCreate): The body of `POST /flows`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | Flow | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: FlowCreate,
) -> ErrorDetail | Flow | HTTPValidationError | None:
    """Create a flow

     Creates a flow from a template. Without `inputs` the flow waits in `created` for uploads and a
    `start` action; with `inputs` it starts at once (`starting`) and cannot be started by hand. Every
    created flow is billed; the service does not de-duplicate retried requests.

    Args:
        body (FlowCreate): The body of `POST /flows`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | Flow | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: FlowCreate,
) -> Response[ErrorDetail | Flow | HTTPValidationError]:
    """Create a flow

     Creates a flow from a template. Without `inputs` the flow waits in `created` for uploads and a
    `start` action; with `inputs` it starts at once (`starting`) and cannot be started by hand. Every
    created flow is billed; the service does not de-duplicate retried requests.

    Args:
        body (FlowCreate): The body of `POST /flows`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | Flow | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: FlowCreate,
) -> ErrorDetail | Flow | HTTPValidationError | None:
    """Create a flow

     Creates a flow from a template. Without `inputs` the flow waits in `created` for uploads and a
    `start` action; with `inputs` it starts at once (`starting`) and cannot be started by hand. Every
    created flow is billed; the service does not de-duplicate retried requests.

    Args:
        body (FlowCreate): The body of `POST /flows`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | Flow | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
