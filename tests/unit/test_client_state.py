"""A client's memory: exclusive claims that expire, and the template cache."""

from __future__ import annotations

import pytest

from generio._http.settings import resolve_settings
from generio._jobs import state as _state
from generio._jobs.state import ClientState
from generio._payload.models import Template


def _state_for_test() -> ClientState:
    settings = resolve_settings("k", None, timeout=None, max_retries=2, allow_insecure=False)
    return ClientState(settings)


def test_claims_are_exclusive() -> None:
    """An id can be claimed once: reconciliation never hands it to two calls."""
    state = _state_for_test()
    assert state.claim("f1")
    assert not state.claim("f1")
    assert state.claim("f2")


def test_old_claims_are_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    """Claims older than the retention are dropped, so memory stays bounded."""
    state = _state_for_test()
    for index in range(1000):
        state.claim(f"old{index}")
    monkeypatch.setattr(_state, "CLAIM_RETENTION", -1.0)
    for index in range(1000, 2048):
        state.claim(f"new{index}")
    assert state.claim("old0")  # forgotten: claimable again
    assert len(state._claimed) < 1024


def test_template_cache_by_name_and_id() -> None:
    """A remembered template is found under its name and its id."""
    state = _state_for_test()
    template = Template("t1", "model_optimize", "d", {}, ("model/gltf-binary",), ())
    state.remember([template])
    assert state.cached_template("model_optimize") is template
    assert state.cached_template("t1") is template
    assert state.cached_template("other") is None
