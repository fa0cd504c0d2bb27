"""Serve generated models from a FastAPI app (blocking client): uvicorn serve_models_sync:app."""

import logging

from fastapi import FastAPI, HTTPException
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from generio import ConflictError, Generio, GenerioError, NotFoundError

# Thread-safe: FastAPI runs plain `def` handlers in a thread pool. A browser waits 2
# minutes at most: a handler that outlives it gives up by then.
client = Generio(download_timeout=120)
app = FastAPI()
logger = logging.getLogger(__name__)


@app.get("/models/{flow_id}/{asset_id}")
def model(flow_id: str, asset_id: str) -> StreamingResponse:
    """Stream one output of a finished flow as the response body."""
    stream = client.flows.stream_output(flow_id, asset_id)
    try:
        stream.open()  # errors and the MIME type are known before the response starts
    except NotFoundError:
        raise HTTPException(404, "no such model") from None
    except ConflictError:
        raise HTTPException(409, "the model is not ready yet") from None
    except GenerioError as exc:  # the service kept failing until download_timeout
        logger.warning("model %s/%s: %s", flow_id, asset_id, exc)  # not for the browser
        raise HTTPException(502, "the model service is unavailable; try again") from None
    # Starlette reads the stream in its thread pool, one chunk per call, from any thread.
    return StreamingResponse(
        stream, media_type=stream.mime_type, background=BackgroundTask(stream.close)
    )
