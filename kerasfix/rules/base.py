"""What a rule is, what it reports, and what it sees of a module."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, ClassVar, Iterable, Iterator, TypeVar

import libcst as cst

from ..chain import reach
from ..edits import Fix
from ..index import ClassIndex
from ..names import ImportMap
from ..target import harmed_lines
from ..triggers import Trigger
from ..syntax import (children, dotted, of_kind, source, walk, walk_no_nested_scopes,  # noqa: F401 - re-exported
                      nodes_outside_classes)


class FixAvailability(enum.Enum):
    """Whether the rule offers a fix for its findings."""

    ALWAYS = "always"
    SOMETIMES = "sometimes"
    NEVER = "never"


class RuleSafety(enum.Enum):
    """How safe the rule's fixes are (a fix itself is `edits.Safety.SAFE` or `UNSAFE`)."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    DEPENDS = "safe or unsafe"  # the rule's `safety_reason` says when
    NONE = "none (report only)"  # no fix


@dataclass(frozen=True)
class Rule:
    """A rule's metadata and its `kerasfix explain` page."""

    code: str
    name: str
    summary: str
    fix: FixAvailability
    safety: RuleSafety
    doc: str  # markdown: What it does / Why is this bad? / Example / Use instead / Fix safety
    safety_reason: str = ""  # when DEPENDS: which case is safe, in a few words
    finds: str = ""  # the rules table's "finds" cell (default: the summary; docs' rules index)
    fixed_by: str = ""  # the rules table's "fix" cell
    valid: tuple[str, ...] = ()  # small modules the rule must stay silent on (tested)
    invalid: tuple[str, ...] = ()  # small modules the rule must report (tested)
    # what a class must contain for the rule to report there: the prefilter parses no other
    trigger: Trigger = Trigger()
    # the next step for a person where no fix is applied (a finding may give its own): concrete,
    # one line, as ruff's help; `tests/test_help.py` fails on a finding left without one
    help: str = ""
    # what the trap does on each Keras line ("3", "2"; "" for nothing), when not harm on both:
    # a finding whose rule harms only a line the project does not target is not reported
    harm: dict[str, str] | None = field(default=None, compare=False, hash=False)
    # the lines a finding may say it harms (`Finding.lines`) where `harm` says nothing: with
    # both, a run for a project on neither line need not run the rule (`reports_on`)
    finding_lines: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if (self.safety is RuleSafety.DEPENDS) != bool(self.safety_reason):
            raise ValueError(f"{self.code}: a reason goes with safety DEPENDS, and only with it")
        if (self.fix is FixAvailability.NEVER) != (self.safety is RuleSafety.NONE):
            raise ValueError(f"{self.code}: safety NONE goes with fix NEVER, and only with it")

    def reports_on(self, target: frozenset[str]) -> bool:
        """Whether a finding of the rule can be reported for a project on the Keras lines
        `target` (`engine.RuleSelection.reports` drops the rest): KF107 cannot on tf_keras."""
        return not (harmed_lines(self.harm) | self.finding_lines).isdisjoint(target)

    @property
    def safety_label(self) -> str:
        """The safety as `kerasfix rules` and SARIF print it."""
        return self.safety_reason or self.safety.value


_T = TypeVar("_T")


@dataclass
class Finding:
    code: str
    node: cst.CSTNode
    message: str
    fix: Fix | None = None
    # A fix that needs other fixes (KF108 removes a variable scope only when this run rewrites
    # the weight calls in it): the nodes (`needs`) that findings of this run must report (the
    # rule knows they are fixable), else the engine reports `otherwise` instead. The rule
    # declares it; the engine knows which rules the run selects.
    needs: tuple[cst.CSTNode, ...] = ()
    otherwise: Finding | None = None
    help: str = ""  # this finding's next step for a person, when the rule's `help` is not concrete enough
    # the Keras lines ("2", "3") this case does harm on, when not its rule's (Rule.harm)
    lines: frozenset[str] | None = None
    # filled in by the engine
    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0  # 1-based, the column after the node's last character


@dataclass
class KerasClass:
    """A class of the module that is a Keras layer or model, with what rules ask of it."""

    node: cst.ClassDef
    qualified: str
    index: ClassIndex | None = None  # the project's classes: what its bases' `call` runs (`chain.reach`)

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
        return {name: nodes_outside_classes(func.body) for name, func in self.methods.items()}

    @cached_property
    def parents(self) -> dict[int, cst.CSTNode]:
        """The parent of every node in the class, by id."""
        parents: dict[int, cst.CSTNode] = {}
        stack: list[cst.CSTNode] = [self.node]
        while stack:  # not `walk`, which would read each node's children a second time
            node = stack.pop()
            below = children(node)
            for child in below:
                parents[id(child)] = node
            stack.extend(below)
        return parents

    def nodes_of(self, method: str, kind: type | tuple[type, ...]) -> list:
        return of_kind(self.method_nodes[method], kind)

    @cached_property
    def _self_calls(self) -> dict[str, set[str]]:
        return {name: called & set(self.methods) for name, called in self._self_call_names.items()}

    @cached_property
    def _self_call_names(self) -> dict[str, set[str]]:
        """Each method -> the names of the `self.<name>(...)` calls in it (a base's methods too)."""
        calls: dict[str, set[str]] = {}
        for name, func in self.methods.items():
            me = self_name(func)
            found: set[str] = set()
            nodes = self.method_nodes[name]
            # a call builds once only under an `if not ...:` of its method: none, no parents to climb
            guarded = any(type(node) is cst.If and type(node.test) is cst.UnaryOperation for node in nodes)
            for node in nodes:
                if (type(node) is cst.Call and isinstance(node.func, cst.Attribute)
                        and isinstance(node.func.value, cst.Name) and node.func.value.value == me
                        and not (guarded and self._builds_once(node, me))):
                    found.add(node.func.attr.value)
            calls[name] = found
        return calls

    def _builds_once(self, call: cst.Call, me: str) -> bool:
        """`self.m(...)` under `if not self.<flag>:`, where the flag is Keras's `built` and m
        is `build` (Keras has built the layer before `call` runs, so this never builds it
        again, measured on both lines), or a flag the class sets to True (gnn's
        `_wrapped_model_is_built`): it runs once, not every call (`chain.MethodFacts` alike)."""
        if not isinstance(call.func, cst.Attribute):
            return False
        child: cst.CSTNode = call
        node = self.parents.get(id(call))
        while node is not None and not isinstance(node, cst.FunctionDef):
            if (isinstance(node, cst.If) and child is node.body and isinstance(node.test, cst.UnaryOperation)
                    and isinstance(node.test.operator, cst.Not)):
                flag = is_self_attribute(node.test.expression, me)
                if (flag == "built" and call.func.attr.value == "build") or flag in self._once_flags:
                    return True
            child, node = node, self.parents.get(id(node))
        return False

    @cached_property
    def _once_flags(self) -> set[str]:
        """The attributes a method of the class sets to `True`."""
        flags: set[str] = set()
        for name, func in self.methods.items():
            me = self_name(func)
            for node in self.method_nodes[name]:
                if type(node) is cst.Assign and isinstance(node.value, cst.Name) and node.value.value == "True":
                    flags.update(a for t in node.targets if (a := is_self_attribute(t.target, me)))
        return flags

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
    def _chain(self) -> tuple[set[str], set[str]]:
        return reach(self.index, self.qualified, self._self_call_names)

    @cached_property
    def call_methods(self) -> set[str]:
        """`call` and the methods it uses, the class's own or a base's (in this
        file or another) through the class chain: whatever they create, they create every call."""
        return self._chain[0]

    @cached_property
    def once_per_call(self) -> set[str]:
        """The methods of `call_methods` that run exactly once per call, unguarded, by the
        chain (`call` itself; `encode` that a base's `call` returns): what they build can
        move as if `call` built it."""
        return self._chain[1]

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
                if type(node) is cst.Attribute and isinstance(node.value, cst.Name) and node.value.value == me:
                    names.add(node.attr.value)
        return names



@dataclass
class Context:
    """One module as the rules see it."""

    module: cst.Module
    imports: ImportMap
    index: ClassIndex
    all_classes: list[cst.ClassDef] = field(default_factory=list)
    keras_classes: list[KerasClass] = field(default_factory=list)
    shared: dict[str, Any] = field(default_factory=dict)  # analyses several rules share, by name

    def memo(self, key: str, compute: Callable[[], _T]) -> _T:
        """What `compute` returns, computed once per module for every rule that asks: rules
        split from one analysis share its walk, and the identity of the fixes it makes (a fix
        shared by two findings is applied once)."""
        if key not in self.shared:
            self.shared[key] = compute()
        return self.shared[key]

    def resolve(self, expr: cst.BaseExpression) -> str | None:
        """The canonical name (see keras_api) an expression refers to, or None."""
        return self.imports.resolve_dotted(dotted(expr))

    def is_layer_class(self, expr: cst.BaseExpression) -> bool:
        """`expr` names a Keras layer class (Keras's own, TF1's, or one of the project's)."""
        return self.index.is_layer_dotted(dotted(expr), self.imports)



class RuleFamily:
    """A rule module's checker: its rule (the registry finds it by this class) and `check`."""

    rules: ClassVar[tuple[Rule, ...]] = ()

    def check(self, ctx: Context) -> Iterator[Finding]:  # pragma: no cover - interface
        raise NotImplementedError


# --- small helpers shared by the rules ------------------------------------------------------


def self_name(func: cst.FunctionDef) -> str:
    params = func.params.params or func.params.posonly_params
    return params[0].name.value if params else "self"


def is_self_attribute(expr: cst.CSTNode | None, me: str) -> str | None:
    """`attr` when expr is `<me>.attr`."""
    if type(expr) is cst.Attribute and type(expr.value) is cst.Name and expr.value.value == me:
        return expr.attr.value
    return None


def _enclosing_function(cls: KerasClass, node: cst.CSTNode, method: cst.FunctionDef) -> cst.CSTNode | None:
    """The lambda or function nested in `method` that `node` is made in (None: the method's
    own body): what is made there is made each time that function runs, not once."""
    current = cls.parents.get(id(node))
    while current is not None and current is not method:
        if isinstance(current, (cst.Lambda, cst.FunctionDef)):
            return current
        current = cls.parents.get(id(current))
    return None


def deferred_function(ctx: Context, cls: KerasClass, node: cst.CSTNode, method: cst.FunctionDef) -> str | None:
    """"lambda layer" / "stored" when `node` is made in a function nested in `method` that runs
    later, not while the method runs: the function of a Keras `Lambda(...)`, or a lambda kept
    on `self`. None otherwise (a helper the method calls itself makes its weights once)."""
    nested = _enclosing_function(cls, node, method)
    if nested is None:
        return None
    parent = cls.parents.get(id(nested))
    if isinstance(parent, cst.Arg):
        call = cls.parents.get(id(parent))
        if isinstance(call, cst.Call) and is_lambda_layer(ctx, call):
            return "lambda layer"
    if isinstance(nested, cst.FunctionDef):
        for other in cls.method_nodes[method.name.value]:
            if (isinstance(other, cst.Call) and is_lambda_layer(ctx, other)
                    and any(isinstance(a.value, cst.Name) and a.value.value == nested.name.value for a in other.args)):
                return "lambda layer"
    if isinstance(parent, cst.Assign) and any(is_self_attribute(t.target, self_name(method)) for t in parent.targets):
        return "stored"
    return None


def is_lambda_layer(ctx: Context, call: cst.Call) -> bool:
    return (ctx.resolve(call.func) or "").endswith("layers.Lambda")


def is_docstring(statement: cst.CSTNode) -> bool:
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr)
            and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))


def free_name(wanted: str, taken: set[str] | frozenset[str]) -> str:
    """`wanted`, with underscores added until no name in `taken` is it."""
    while wanted in taken:
        wanted += "_"
    return wanted
