"""The three templates of the service, and validation of a flow's parameters against them.

Parameter errors are produced by pydantic itself (strict types, unknown names forbidden), so
the 422 bodies are exactly what a FastAPI service with typed parameter models would send.
"""

from __future__ import annotations

from typing import Any, Literal

from attrs import frozen
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

__all__ = ["TEMPLATES", "ParameterError", "TemplateSpec", "find_template"]

Kind = Literal["prompt", "image", "model"]


class _Generate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    quality: Literal["low", "high"] = "high"
    seed: StrictInt = Field(default=-1, ge=-1)
    texture: StrictBool = True


class _Optimize(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    polygon_count: StrictInt = Field(default=100000, gt=0)


_GENERATE_PARAMETERS: dict[str, dict[str, Any]] = {
    "quality": {
        "type": "string",
        "default": "high",
        "allowed": ["low", "high"],
        "description": "Mesh and texture quality.",
    },
    "seed": {
        "type": "integer",
        "default": -1,
        "allowed": None,
        "description": "Random seed; -1 picks one at random.",
    },
    "texture": {
        "type": "boolean",
        "default": True,
        "allowed": None,
        "description": "Generate PBR textures.",
    },
}


class ParameterError(Exception):
    """Parameters a template rejects.

    ``errors`` are pydantic's, with locations relative to the parameters object.
    """

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("invalid parameters")
        self.errors = errors


@frozen
class TemplateSpec:
    """One template: its public description and how the emulator runs it.

    Attributes:
        template_id: The id ``GET /templates/{template_id}`` also accepts.
        name: The name flows are created with.
        description: What it does.
        category: Where it sits in the catalogue.
        parameters: The public parameter descriptions.
        input_types: MIME types accepted as inputs (``image/jpg`` is accepted too).
        kind: Which output the emulator derives from an input.
        model: The pydantic model that validates parameters.
    """

    template_id: str
    name: str
    description: str
    category: str
    parameters: dict[str, dict[str, Any]]
    input_types: tuple[str, ...]
    kind: Kind
    model: type[BaseModel]

    def to_json(self) -> dict[str, Any]:
        """Render the Template object of the API."""
        return {
            "template_id": self.template_id,
            "name": self.name,
            "description": self.description,
            "category": self.category,
            "parameters": self.parameters,
            "input_types": list(self.input_types),
            "output_types": ["model/gltf-binary"],
        }

    def accepts(self, mime: str) -> bool:
        """Whether inputs of this MIME type are accepted (``image/jpg`` means JPEG)."""
        return ("image/jpeg" if mime == "image/jpg" else mime) in self.input_types

    def validate_parameters(self, raw: dict[str, Any] | None) -> dict[str, Any]:
        """Return the parameters with defaults applied.

        Raises:
            ParameterError: With pydantic's errors for unknown names, wrong types and
                disallowed values.
        """
        try:
            return self.model.model_validate(raw or {}).model_dump()
        except ValidationError as exc:
            raise ParameterError([dict(e) for e in exc.errors(include_url=False)]) from None


TEMPLATES: tuple[TemplateSpec, ...] = (
    TemplateSpec(
        template_id="tpl-model-generate-fromprompt",
        name="model_generate_fromprompt",
        description="3D model from a text prompt",
        category="Assets → 3D Model",
        parameters=_GENERATE_PARAMETERS,
        input_types=("text/plain",),
        kind="prompt",
        model=_Generate,
    ),
    TemplateSpec(
        template_id="tpl-model-generate-fromimage",
        name="model_generate_fromimage",
        description="3D model from an image or sketch",
        category="Assets → 3D Model",
        parameters=_GENERATE_PARAMETERS,
        input_types=("image/png", "image/jpeg", "image/tiff", "image/webp"),
        kind="image",
        model=_Generate,
    ),
    TemplateSpec(
        template_id="tpl-model-optimize",
        name="model_optimize",
        description="Reduce the polygon count of a 3D model",
        category="Assets → 3D Model",
        parameters={
            "polygon_count": {
                "type": "integer",
                "default": 100000,
                "allowed": None,
                "description": "The target number of polygons.",
            }
        },
        input_types=("model/gltf-binary",),
        kind="model",
        model=_Optimize,
    ),
)

_BY_KEY = {key: t for t in TEMPLATES for key in (t.template_id, t.name)}


def find_template(key: str) -> TemplateSpec | None:
    """Return the template with this id or name, or None."""
    return _BY_KEY.get(key)
