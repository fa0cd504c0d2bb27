"""`generio templates` and `generio template NAME`: human tables, JSON, unknown names."""

from __future__ import annotations

import json

from tests.helpers.cli import IMAGE_TEMPLATE, OPTIMIZE_TEMPLATE, PROMPT_TEMPLATE, TEMPLATES, Cli


def test_templates_table_is_aligned(cli: Cli) -> None:
    """Every template appears on one line, under a header, columns aligned."""
    result = cli("templates")
    assert result.exit_code == 0
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["NAME", "INPUTS", "DESCRIPTION"]
    assert {row.split()[0] for row in rows} == TEMPLATES
    for column in ("INPUTS", "DESCRIPTION"):
        start = header.index(column)
        assert all(row[start - 2 : start] == "  " and row[start] != " " for row in rows)


def test_templates_json(cli: Cli) -> None:
    """--json prints a parseable list of template objects, and nothing else."""
    result = cli("templates", "--json")
    assert result.exit_code == 0
    templates = json.loads(result.stdout)
    assert {t["name"] for t in templates} == TEMPLATES
    image = next(t for t in templates if t["name"] == IMAGE_TEMPLATE)
    assert "image/png" in image["input_types"]
    assert image["output_types"] == ["model/gltf-binary"]


def test_template_shows_parameters(cli: Cli) -> None:
    """`template NAME` shows inputs, outputs and each parameter's type, default, allowed."""
    result = cli("template", PROMPT_TEMPLATE)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{PROMPT_TEMPLATE}: ")
    assert any(line.split() == ["inputs", "text/plain"] for line in lines)
    assert any(line.split() == ["outputs", "model/gltf-binary"] for line in lines)
    quality = next(line.split() for line in lines if line.strip().startswith("quality "))
    assert quality[:5] == ["quality", "string", "high", "low,", "high"]
    seed = next(line.split() for line in lines if line.strip().startswith("seed "))
    assert seed[:4] == ["seed", "integer", "-1", "-"]
    texture = next(line.split() for line in lines if line.strip().startswith("texture "))
    assert texture[:3] == ["texture", "boolean", "true"]


def test_template_json(cli: Cli) -> None:
    """`template NAME --json` is the template object with typed parameter defaults."""
    result = cli("template", OPTIMIZE_TEMPLATE, "--json")
    assert result.exit_code == 0
    template = json.loads(result.stdout)
    assert template["name"] == OPTIMIZE_TEMPLATE
    assert template["parameters"]["polygon_count"]["type"] == "integer"
    assert template["parameters"]["polygon_count"]["default"] == 100000


def test_unknown_template_is_a_usage_error(cli: Cli) -> None:
    """An unknown template exits 2 with one line naming the templates there are."""
    result = cli("template", "model_teleport")
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("generio: error: unknown template 'model_teleport'")
    assert all(name in line for name in TEMPLATES)
