from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_detail import ErrorDetail
from ...models.flow_list import FlowList
from ...models.flow_sort_field import FlowSortField
from ...models.flow_state_filter import FlowStateFilter
from ...models.http_validation_error import HTTPValidationError
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    filter_by: FlowStateFilter | None | Unset = UNSET,
    sort_by: FlowSortField | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_filter_by: None | str | Unset
    if isinstance(filter_by, Unset):
        json_filter_by = UNSET
    elif isinstance(filter_by, FlowStateFilter):
        json_filter_by = filter_by.value
    else:
        json_filter_by = filter_by
    params["filter_by"] = json_filter_by

    json_sort_by: str | Unset = UNSET
    if not isinstance(sort_by, Unset):
        json_sort_by = sort_by.value

    params["sort_by"] = json_sort_by

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/flows",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorDetail | FlowList | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = FlowList.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = ErrorDetail.from_dict(response.json())

        return response_401

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorDetail | FlowList | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    filter_by: FlowStateFilter | None | Unset = UNSET,
    sort_by: FlowSortField | Unset = UNSET,
) -> Response[ErrorDetail | FlowList | HTTPValidationError]:
    """List flows

     The account's flows, optionally filtered by state and sorted by a field (ascending; flows without a
    value for the field come last).

    Args:
        filter_by (FlowStateFilter | None | Unset): Only flows in this state.
        sort_by (FlowSortField | Unset): Fields `GET /flows` can sort by. `state` and `status` are
            synonyms.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | FlowList | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        filter_by=filter_by,
        sort_by=sort_by,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    filter_by: FlowStateFilter | None | Unset = UNSET,
    sort_by: FlowSortField | Unset = UNSET,
) -> ErrorDetail | FlowList | HTTPValidationError | None:
    """List flows

     The account's flows, optionally filtered by state and sorted by a field (ascending; flows without a
    value for the field come last).

    Args:
        filter_by (FlowStateFilter | None | Unset): Only flows in this state.
        sort_by (FlowSortField | Unset): Fields `GET /flows` can sort by. `state` and `status` are
            synonyms.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | FlowList | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        filter_by=filter_by,
        sort_by=sort_by,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    filter_by: FlowStateFilter | None | Unset = UNSET,
    sort_by: FlowSortField | Unset = UNSET,
) -> Response[ErrorDetail | FlowList | HTTPValidationError]:
    """List flows

     The account's flows, optionally filtered by state and sorted by a field (ascending; flows without a
    value for the field come last).

    Args:
        filter_by (FlowStateFilter | None | Unset): Only flows in this state.
        sort_by (FlowSortField | Unset): Fields `GET /flows` can sort by. `state` and `status` are
            synonyms.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | FlowList | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        filter_by=filter_by,
        sort_by=sort_by,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    filter_by: FlowStateFilter | None | Unset = UNSET,
    sort_by: FlowSortField | Unset = UNSET,
) -> ErrorDetail | FlowList | HTTPValidationError | None:
    """List flows

     The account's flows, optionally filtered by state and sorted by a field (ascending; flows without a
    value for the field come last).

    Args:
        filter_by (FlowStateFilter | None | Unset): Only flows in this state.
        sort_by (FlowSortField | Unset): Fields `GET /flows` can sort by. `state` and `status` are
            synonyms.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | FlowList | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            filter_by=filter_by,
            sort_by=sort_by,
        )
    ).parsed
