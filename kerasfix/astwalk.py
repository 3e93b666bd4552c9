"""The child nodes of an `ast` node, for the scan's walks: `ast.iter_child_nodes` without the
fields that never hold a node the walks read (a name's context, an operator, identifiers), each
node's fields looked up once per node type. Each walk of the scan and of the prefilter
(`index._class_facts`, `functions.function_facts`, `classwalk.class_signals`) takes 15-20% less
CPU so than with `ast.iter_child_nodes` (measured on tensor2tensor's, keras-cv's and addons' files)."""

from __future__ import annotations

import ast

# fields that hold an identifier, a number, a flag, or a node no walk reads (`ctx`, `op`, `ops`)
_SKIPPED = frozenset({"ctx", "op", "ops", "id", "attr", "name", "arg", "module", "level", "kind", "type_comment",
                      "is_async", "conversion", "simple"})
_FIELDS: dict[type, tuple[str, ...]] = {}
_AST = ast.AST


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """The node's children in field order, but for `_SKIPPED`'s fields."""
    kind = type(node)
    fields = _FIELDS.get(kind)
    if fields is None:
        fields = _FIELDS[kind] = tuple(name for name in kind._fields if name not in _SKIPPED)
    found: list[ast.AST] = []
    for name in fields:
        value = getattr(node, name, None)
        if value.__class__ is list:
            found.extend([item for item in value if isinstance(item, _AST)])
        elif isinstance(value, _AST):
            found.append(value)
    return found
