"""A griffe extension for the docs site: Sphinx markup in docstrings, rendered as Markdown.

generio's docstrings are read in two places: ``help()`` and IDEs, where Sphinx roles such
as ``:class:`Generio``` are the usual convention, and the mkdocstrings site, which renders
Markdown and would show the roles verbatim. This rewrites them, at build time only, into
code spans (``:meth:`Flows.wait``` becomes `` `Flows.wait` ``; a leading ``~`` keeps the
last name), and an RST literal-block marker ``::`` at a paragraph's end into ``:``.
Code spans, not cross-references: a role's target is often relative to its module, and an
unresolved reference would fail the ``--strict`` build.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|mod|exc|data|obj|const):`~?([^`]+)`")
_LITERAL = re.compile(r"(\S)::\n(\s*\n)")


def _name(match: re.Match[str]) -> str:
    target = match.group(1)
    shown = target.rsplit(".", 1)[-1] if match.group(0).count("~") else target
    return f"``{shown}``"


def to_markdown(text: str) -> str:
    """Rewrite Sphinx roles into code spans and ``::`` literal-block markers into ``:``."""
    return _LITERAL.sub(r"\1:\n\2", _ROLE.sub(_name, text))


class SphinxRoles(griffe.Extension):
    """Rewrite each loaded object's docstring with :func:`to_markdown`."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Rewrite ``obj``'s docstring in place, before mkdocstrings parses it."""
        if obj.docstring is not None:
            obj.docstring.value = to_markdown(obj.docstring.value)
