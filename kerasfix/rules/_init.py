"""A statement added to a class's `__init__`: shared by the rules that move a layer there
(KF304 from the class body, KF306 from module level)."""

from __future__ import annotations

import libcst as cst

from ..edits import AddMethod, InsertAfter, InsertBefore
from .base import KerasClass, is_docstring, walk


def into_init(cls: KerasClass, line: cst.SimpleStatementLine) -> AddMethod | InsertAfter | InsertBefore:
    """`line` placed in `__init__` right after its `super().__init__(...)` (or first, after the
    docstring); an `__init__` forwarding `*args, **kwargs` is added when the class has none."""
    init = cls.methods.get("__init__")
    if init is None or not isinstance(init.body, cst.IndentedBlock):
        return AddMethod(cls.node, "def __init__(self, *args, **kwargs):", ("super().__init__(*args, **kwargs)",),
                         (line,))
    body = init.body.body
    for statement in body:
        if any(isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) and n.func.attr.value == "__init__"
               for n in walk(statement)):
            return InsertAfter(statement, (line,))
    if is_docstring(body[0]) and len(body) > 1:
        return InsertAfter(body[0], (line,))
    return InsertBefore(body[0], (line,))
