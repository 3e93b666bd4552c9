"""Deliberate one-time lazy initialisation: a layer or weight made on the first call only,
under `if self.<attr> is None:`, into an attribute `__init__` sets to None (tensorflow/gnn's
HGT layer, in a helper `call` runs inside `tf.init_scope()`). Measured (issue 18's brief), each
variant called twice, eagerly and in a `tf.function`: tf_keras tracks it (2 weights, 1 for an
`add_weight`); Keras 3 raises ValueError ("You cannot add new elements of state ... to a layer
that is already built"). So it is a trap on Keras 3 only, and not "a new layer every call"."""

from __future__ import annotations

import libcst as cst

from .base import KerasClass, is_self_attribute, self_name

KERAS3_ONLY = frozenset({"3"})


def lazy_attribute(cls: KerasClass, method: cst.FunctionDef, site: cst.CSTNode) -> str | None:
    """The attribute whose `is None` guards `site`, made in `method` (itself, or where another
    method calls `method`), when `__init__` sets that attribute to None; else None."""
    nulled = _set_to_none_in_init(cls)
    if not nulled:
        return None
    me = self_name(method)
    guard = _none_guard(cls, site, me)
    if guard in nulled:
        return guard
    name = method.name.value
    asserted = _asserted_none(cls, name, me) & nulled  # gnn's helper: `assert self._norms is None`
    if asserted:
        return sorted(asserted)[0]
    for other, func in cls.methods.items():
        if other == name:
            continue
        caller = self_name(func)
        for node in cls.method_nodes[other]:
            if (isinstance(node, cst.Call) and is_self_attribute(node.func, caller) == name
                    and _none_guard(cls, node, caller) in nulled):
                return _none_guard(cls, node, caller)
    return None


def lazy_message(what: str, attr: str) -> str:
    return (f"{what} on the first call only (while `self.{attr}` is None): right on tf_keras, but Keras 3 raises "
            "ValueError (state added to a layer already built); make it in `build(self, input_shape)`, naming "
            "it from the input shape")


def _set_to_none_in_init(cls: KerasClass) -> set[str]:
    init = cls.methods.get("__init__")
    if init is None:
        return set()
    me = self_name(init)
    found: set[str] = set()
    for node in cls.method_nodes["__init__"]:
        if isinstance(node, cst.Assign) and isinstance(node.value, cst.Name) and node.value.value == "None":
            found.update(a for t in node.targets if (a := is_self_attribute(t.target, me)))
    return found


def _asserted_none(cls: KerasClass, method: str, me: str) -> set[str]:
    """The attributes the method asserts to be None: it runs once, before they are set."""
    found: set[str] = set()
    for node in cls.method_nodes[method]:
        if isinstance(node, cst.Assert) and _is_none_test(node.test):
            assert isinstance(node.test, cst.Comparison)  # _is_none_test says so
            found.update(a for a in [is_self_attribute(node.test.left, me)] if a)
    return found


def _is_none_test(test: cst.BaseExpression) -> bool:
    return (isinstance(test, cst.Comparison) and len(test.comparisons) == 1
            and isinstance(test.comparisons[0].operator, cst.Is)
            and isinstance(test.comparisons[0].comparator, cst.Name)
            and test.comparisons[0].comparator.value == "None")


def _none_guard(cls: KerasClass, node: cst.CSTNode, me: str) -> str | None:
    """`attr` of the nearest enclosing `if <me>.attr is None:` of node."""
    parent = cls.parents.get(id(node))
    while parent is not None and not isinstance(parent, cst.FunctionDef):
        if isinstance(parent, cst.If) and _is_none_test(parent.test):
            assert isinstance(parent.test, cst.Comparison)  # _is_none_test says so
            return is_self_attribute(parent.test.left, me)
        parent = cls.parents.get(id(parent))
    return None
