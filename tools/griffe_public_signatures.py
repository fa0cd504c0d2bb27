"""A griffe extension for the docs site: signatures in public names only.

The reference renders signatures from the source, where they name what users cannot import:
private bases (``Bases: ClientBase``), module constants as defaults
(``max_download_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES``) and the ``NotGiven`` sentinel.
Once the package is loaded, this rewrites, at build time only:

- a class's bases: only those users can import (exported by the package, or from outside it);
  what a private base gives becomes the class's own members, documented with it;
- a default that names a constant of the package: its value as written (``1024 * 1024 *
  1024``), or ``...``
  when the value is not a plain literal (the ``NOT_GIVEN`` sentinel: the docstring says what
  an omitted argument means);
- ``NotGiven`` in an annotation's union: dropped (it only marks "not given");
- a type alias of a private module in an annotation: spelt out (``OnInterrupt`` becomes
  ``Literal["auto", "abort", "keep"]``);
- the constructor of a class a client makes from a private part (``Flows(driver)``): hidden.

``tests/test_docs_site.py`` checks the built pages for private and constant names.
"""

from __future__ import annotations

import ast
import operator
from typing import Any

import griffe

_SENTINELS = {"NotGiven"}
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}


def _literal(source: str) -> object:
    """Evaluate ``source`` when it is a number, a string, or numbers joined by + - *."""

    def value(node: ast.expr) -> object:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -value(node.operand)  # type: ignore[operator]
        raise ValueError(source)

    return value(ast.parse(source, mode="eval").body)


def _public_homes(obj: griffe.Object) -> list[griffe.Object]:
    """Return the public modules ``obj`` may be exported from: its package, public subpackages."""
    homes, module = [], obj.package
    homes.append(module)
    for part in obj.path.split(".")[1:]:
        if part.startswith("_") or part not in module.members:
            break
        member = module.members[part]
        if not isinstance(member, griffe.Module):
            break
        module = member
        homes.append(module)
    return homes


def _importable(base: str | griffe.Expr, cls: griffe.Object) -> bool:
    """Whether users can import ``base``: from outside the package, or exported by it."""
    path = getattr(base, "canonical_path", str(base))
    name = path.rsplit(".", 1)[-1]
    if not path.startswith(f"{cls.package.name}.") or name.startswith("_"):
        return not name.startswith("_")
    return any(
        name in home.members and not home.members[name].is_private for home in _public_homes(cls)
    )


def _constant_value(default: str | griffe.Expr, scope: griffe.Object) -> str | None:
    """Return what to show for a default naming a package constant, or None to keep it."""
    if not isinstance(default, griffe.ExprName):
        return None
    try:
        target = scope.modules_collection.get_member(default.canonical_path)
    except (KeyError, ValueError, AttributeError, griffe.AliasResolutionError):
        return None
    while isinstance(target, griffe.Alias):
        target = target.final_target
    if not isinstance(target, griffe.Attribute) or target.value is None:
        return None
    source = str(target.value)
    try:
        _literal(source)
    except (ValueError, SyntaxError, TypeError):
        return "..."
    return source  # as written: 8 * 1024 * 1024 reads better than 8388608


def _alias_value(name: griffe.ExprName, scope: griffe.Object) -> str | None:
    """Return the definition of a type alias that ``name`` names, if users cannot import it."""
    try:
        target = scope.modules_collection.get_member(name.canonical_path)
        while isinstance(target, griffe.Alias):
            target = target.final_target
    except (KeyError, ValueError, AttributeError, griffe.AliasResolutionError):
        return None
    private = any(part.startswith("_") for part in target.path.split("."))
    if (
        not isinstance(target, griffe.Attribute)
        or not isinstance(target.value, griffe.Expr)
        or target.annotation is not None
        or not private
        or _importable(target.path, scope)
    ):
        return None
    return str(target.value)


def _expand_aliases(
    annotation: str | griffe.Expr | None, scope: griffe.Object
) -> str | griffe.Expr | None:
    """``annotation`` with private type aliases spelt out (``OnInterrupt`` -> its Literal)."""
    if not isinstance(annotation, griffe.Expr):
        return annotation
    parts, changed = [], False
    for piece in annotation.iterate(flat=True):
        value = _alias_value(piece, scope) if isinstance(piece, griffe.ExprName) else None
        changed = changed or value is not None
        parts.append(value if value is not None else str(piece))
    return "".join(parts) if changed else annotation


def _without_sentinels(annotation: str | griffe.Expr | None) -> str | griffe.Expr | None:
    """``annotation`` with every ``NotGiven`` member of its ``|`` unions dropped."""
    if isinstance(annotation, griffe.ExprBinOp) and annotation.operator == "|":
        left = _without_sentinels(annotation.left)
        right = _without_sentinels(annotation.right)
        if left is None or right is None:
            return left if right is None else right
        return griffe.ExprBinOp(left, "|", right)
    if isinstance(annotation, griffe.ExprName) and annotation.name in _SENTINELS:
        return None
    return annotation


class PublicSignatures(griffe.Extension):
    """Rewrite bases, defaults and annotations of every loaded object (see the module)."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Walk the loaded package once, every name now resolvable."""
        self._walk(pkg, set())

    def _walk(self, obj: griffe.Object, seen: set[str]) -> None:
        if obj.path in seen:
            return
        seen.add(obj.path)
        if isinstance(obj, griffe.Class):
            public = [b for b in obj.bases if _importable(b, obj)]
            if len(public) < len(obj.bases):
                # What the private bases give is part of the class's own surface: keep their
                # members as the class's own (documented with it), then forget the bases.
                for name, inherited in obj.inherited_members.items():
                    if name not in obj.members:
                        alias = griffe.Alias(name, inherited.final_target, parent=obj)
                        obj.set_member(name, alias)
                obj.bases = public
            init = obj.members.get("__init__")
            if isinstance(init, griffe.Function) and any(
                isinstance(p.annotation, griffe.Expr) and not _importable(p.annotation, obj)
                for p in init.parameters
            ):
                # Made by a client from its private driver (client.flows, stream_output()),
                # never by users: no constructor to show.
                del obj.members["__init__"]
        if isinstance(obj, griffe.Function):
            for parameter in obj.parameters:
                shown = _constant_value(parameter.default, obj) if parameter.default else None
                if shown is not None:
                    parameter.default = shown
                if parameter.annotation is not None:
                    annotation = _without_sentinels(parameter.annotation) or "object"
                    parameter.annotation = _expand_aliases(annotation, obj)
            obj.returns = _expand_aliases(obj.returns, obj)
        for member in obj.members.values():
            if not isinstance(member, griffe.Alias):
                self._walk(member, seen)
