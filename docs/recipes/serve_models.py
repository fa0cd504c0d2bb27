"""Serve generated models from a FastAPI app (async): uvicorn serve_models:app --loop asyncio."""

import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI, HTTPException
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from generio import AsyncGenerio, ConflictError, GenerioError, NotFoundError

logger = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open one AsyncGenerio for the app's life, on the app's event loop."""
    # A browser waits 2 minutes at most: a handler that outlives it gives up by then.
    async with AsyncGenerio(download_timeout=120) as client:
        app.state.generio = client
        yield


app = FastAPI(lifespan=lifespan)


@app.get("/models/{flow_id}/{asset_id}")
async def model(flow_id: str, asset_id: str) -> StreamingResponse:
    """Stream one output of a finished flow as the response body."""
    client: AsyncGenerio = app.state.generio
    stream = client.flows.stream_output(flow_id, asset_id)
    try:
        await stream.open()  # errors and the MIME type are known before the response starts
    except NotFoundError:
        raise HTTPException(404, "no such model") from None
    except ConflictError:
        raise HTTPException(409, "the model is not ready yet") from None
    except GenerioError as exc:  # the service kept failing until download_timeout
        logger.warning("model %s/%s: %s", flow_id, asset_id, exc)  # not for the browser
        raise HTTPException(502, "the model service is unavailable; try again") from None
    return StreamingResponse(
        stream, media_type=stream.mime_type, background=BackgroundTask(stream.aclose)
    )
