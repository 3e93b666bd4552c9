"""What a rule is, what it reports, and what it sees of a module."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, ClassVar, Iterable, Iterator

import libcst as cst

from ..edits import Fix
from ..index import ClassIndex, prefilter_on
from ..names import ImportMap
from ..syntax import (children, dotted, source, walk, walk_no_nested_scopes,  # noqa: F401 - re-exported
                      walk_outside_classes)


@dataclass(frozen=True)
class Rule:
    """A rule's metadata and its `kerasfix explain` page."""

    code: str
    name: str
    summary: str
    fix: str  # "always" / "sometimes" / "never": whether a fix is offered
    safety: str  # "safe" / "unsafe" / "safe or unsafe, as the page says"
    doc: str  # markdown: What it does / Why is this bad? / Example / Use instead / Fix safety


@dataclass
class Finding:
    code: str
    node: cst.CSTNode
    message: str
    fix: Fix | None = None
    # filled in by the engine
    line: int = 0
    column: int = 0


@dataclass
class KerasClass:
    """A class of the module that is a Keras layer or model, with what rules ask of it."""

    node: cst.ClassDef
    qualified: str

    @cached_property
    def methods(self) -> dict[str, cst.FunctionDef]:
        return {
            stmt.name.value: stmt
            for stmt in self.node.body.body
            if isinstance(stmt, cst.FunctionDef)
        }

    @cached_property
    def method_nodes(self) -> dict[str, list[cst.CSTNode]]:
        """Every node of each method's body, from one walk shared by all the rules; a class
        nested in a method is not entered (it is a class of its own, with its own `self`)."""
        return {name: list(walk_outside_classes(func.body)) for name, func in self.methods.items()}

    @cached_property
    def parents(self) -> dict[int, cst.CSTNode]:
        """The parent of every node in the class, by id."""
        parents: dict[int, cst.CSTNode] = {}
        for node in walk(self.node):
            for child in children(node):
                parents[id(child)] = node
        return parents

    def nodes_of(self, method: str, kind: type | tuple[type, ...]) -> list:
        return [n for n in self.method_nodes[method] if isinstance(n, kind)]

    @cached_property
    def _self_calls(self) -> dict[str, set[str]]:
        calls: dict[str, set[str]] = {}
        for name, func in self.methods.items():
            me = self_name(func)
            found: set[str] = set()
            for node in self.method_nodes[name]:
                if (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
                        and isinstance(node.func.value, cst.Name) and node.func.value.value == me):
                    found.add(node.func.attr.value)
            calls[name] = found & set(self.methods)
        return calls

    def _reach(self, roots: Iterable[str]) -> set[str]:
        seen: set[str] = set()
        todo = [r for r in roots if r in self.methods]
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(self._self_calls.get(name, ()))
        return seen

    @cached_property
    def call_methods(self) -> set[str]:
        """`call` and the methods it uses: whatever they create, they create every call."""
        return self._reach(["call"])

    @cached_property
    def setup_methods(self) -> set[str]:
        """`__init__`, `build`, and helpers only they use."""
        return self._reach(["__init__", "build"]) - self.call_methods

    @cached_property
    def assigned_attributes(self) -> set[str]:
        """Every `self.<attr>` the class assigns, reads or defines."""
        names = {n for n in self.methods}
        for stmt in self.node.body.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, (cst.Assign, cst.AnnAssign)):
                        targets = small.targets if isinstance(small, cst.Assign) else [small]
                        names.update(t.target.value for t in targets if isinstance(t.target, cst.Name))
        for name, func in self.methods.items():
            me = self_name(func)
            for node in self.method_nodes[name]:
                if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == me:
                    names.add(node.attr.value)
        return names

    def defines(self, method: str) -> bool:
        return method in self.methods


@dataclass
class Context:
    """One module as the rules see it."""

    module: cst.Module
    imports: ImportMap
    index: ClassIndex
    source: str = ""
    all_classes: list[cst.ClassDef] = field(default_factory=list)
    keras_classes: list[KerasClass] = field(default_factory=list)
    wants: Callable[[str], bool] = lambda code: True  # is this rule selected?

    def resolve(self, expr: cst.BaseExpression) -> str | None:
        """The canonical name (see keras_api) an expression refers to, or None."""
        return self.imports.resolve_dotted(dotted(expr))

    def is_layer_class(self, expr: cst.BaseExpression) -> bool:
        """`expr` names a Keras layer class (Keras's own, TF1's, or one of the project's)."""
        return self.index.is_layer_dotted(dotted(expr), self.imports)


Checker = Callable[[Context], Iterator[Finding]]


class RuleFamily:
    """One module of rules: their metadata and the checker that reports them."""

    rules: ClassVar[tuple[Rule, ...]] = ()
    # A module whose text holds none of these cannot hold a finding of the family (empty: any).
    triggers: ClassVar[tuple[str, ...]] = ()

    def may_apply(self, text: str) -> bool:
        return not self.triggers or not prefilter_on() or any(t in text for t in self.triggers)

    def check(self, ctx: Context) -> Iterator[Finding]:  # pragma: no cover - interface
        raise NotImplementedError


# --- small helpers shared by the rule families ------------------------------------------------


def self_name(func: cst.FunctionDef) -> str:
    params = func.params.params or func.params.posonly_params
    return params[0].name.value if params else "self"


def is_self_attribute(expr: cst.BaseExpression, me: str) -> str | None:
    """`attr` when expr is `<me>.attr`."""
    if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name) and expr.value.value == me:
        return expr.attr.value
    return None
