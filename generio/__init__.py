"""generio: the Python SDK for the GENERIO Flows API.

>>> from generio import Generio
>>> with Generio() as client:  # the key from $GENERIO_API_KEY
...     result = client.run("model_generate_fromprompt", "a wooden chair", out_dir="models")
...     print(result.paths)

``Generio``, ``AsyncGenerio``, the batch types (and the generated client below them) load on
first use, so ``import generio`` stays about as light as ``import httpx``.
"""

import os as _os
import typing as _typing

from generio._errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ClientClosedError,
    ConfigurationError,
    ConflictError,
    DownloadTimeoutError,
    FieldError,
    GenerioError,
    IdempotencyConflictError,
    InputError,
    LookupIncompleteError,
    MissingExtraError,
    NotFoundError,
    OutputSaveError,
    PermissionDeniedError,
    RateLimitError,
    ResponseTooLargeError,
    ServerError,
    ValidationError,
    WrongEventLoopError,
)
from generio._jobs.options import KeyLookup
from generio._outcomes import FlowFailed, FlowNotStarted, WaitTimeout
from generio._payload.marker import IDEMPOTENCY_FIELD
from generio._payload.models import Asset, Flow, Output, ProgressCallback, RunResult, Template
from generio._types import FlowAction, FlowSortField, FlowState

if _os.environ.get("GENERIO_LOG"):  # one look-up when unset; see generio/_logswitch.py
    from generio._logswitch import configure_from_environment as _configure_log

    _configure_log()

if _typing.TYPE_CHECKING:
    from generio._drivers.streams import AsyncOutputStream, OutputStream
    from generio._jobs.batch import Job, JobError, Step
    from generio._jobs.batch_progress import BatchProgress
    from generio._payload import data_uri
    from generio._surface.async_client import AsyncGenerio
    from generio._surface.async_flows import AsyncFlows
    from generio._surface.client import Generio
    from generio._surface.flows import Flows
    from generio._surface.templates import AsyncTemplates, Templates
    from generio._version import __version__

__all__ = [  # noqa: RUF022 - plain sorted(), as tests/test_public_api.py checks
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "Asset",
    "AsyncFlows",
    "AsyncGenerio",
    "AsyncOutputStream",
    "AsyncTemplates",
    "AuthenticationError",
    "BatchProgress",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "DownloadTimeoutError",
    "FieldError",
    "Flow",
    "FlowAction",
    "FlowFailed",
    "FlowNotStarted",
    "FlowSortField",
    "FlowState",
    "Flows",
    "Generio",
    "GenerioError",
    "IDEMPOTENCY_FIELD",
    "IdempotencyConflictError",
    "InputError",
    "Job",
    "JobError",
    "KeyLookup",
    "LookupIncompleteError",
    "MissingExtraError",
    "NotFoundError",
    "Output",
    "OutputSaveError",
    "OutputStream",
    "PermissionDeniedError",
    "ProgressCallback",
    "RateLimitError",
    "ResponseTooLargeError",
    "RunResult",
    "ServerError",
    "Step",
    "Template",
    "Templates",
    "ValidationError",
    "WaitTimeout",
    "WrongEventLoopError",
    "__version__",
    "data_uri",
]

# name -> (module, attribute or None for the module itself)
_LAZY = {
    "AsyncFlows": ("generio._surface.async_flows", "AsyncFlows"),
    "AsyncGenerio": ("generio._surface.async_client", "AsyncGenerio"),
    "BatchProgress": ("generio._jobs.batch_progress", "BatchProgress"),
    "Job": ("generio._jobs.batch", "Job"),
    "JobError": ("generio._jobs.batch", "JobError"),
    "Step": ("generio._jobs.batch", "Step"),
    "AsyncOutputStream": ("generio._drivers.streams", "AsyncOutputStream"),
    "AsyncTemplates": ("generio._surface.templates", "AsyncTemplates"),
    "Flows": ("generio._surface.flows", "Flows"),
    "OutputStream": ("generio._drivers.streams", "OutputStream"),
    "Templates": ("generio._surface.templates", "Templates"),
    "Generio": ("generio._surface.client", "Generio"),
    "__version__": ("generio._version", "__version__"),
    "data_uri": ("generio._payload.data_uri", None),
}


def __getattr__(name: str) -> _typing.Any:
    """Load the clients, ``data_uri`` and ``__version__`` on first access (PEP 562)."""
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'generio' has no attribute {name!r}") from None
    import importlib

    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
