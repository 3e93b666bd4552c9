"""What the lifter knows of one class: where code built in `call` can be built once instead
(`ClassLift.plan`: `__init__`, `build`, or why nowhere), and the attribute names its lifts
allocate (shared by every lift of the class, whichever rule reports it)."""

from __future__ import annotations

import enum
import keyword
from dataclasses import dataclass, field
from functools import cached_property

import libcst as cst

from .. import keras_api as api
from ..chain import inherited_init_sets
from ..names import BUILTIN_NAMES
from ..syntax import is_load
from .calls import Bound
from .base import Context, KerasClass, is_self_attribute, self_name, walk
from ._lift_syntax import (assigned_self_attrs, calls_super_init, condition_of, first_input, guards_to,
                           is_shape_access, local_names, needs_parens_as_arg, only_bound_once, parent_map,
                           parenthesized, self_attrs_read, shape_to_build, snake_case, substitute, top_assignment,
                           top_unpacking)


@dataclass
class Placement:
    """Where a lifted construction can be built, or why it cannot move."""

    where: str  # "__init__", "build", or "" (cannot move)
    reason: str = ""
    self_attrs: set[str] = field(default_factory=set)  # self attributes it reads
    # call-time locals it reads, by the id of each use: the expression that replaces the use
    inlined: dict[int, cst.BaseExpression] = field(default_factory=dict)
    # the statements binding those locals in `call` (removed when nothing else reads them)
    bindings: dict[str, cst.SimpleStatementLine] = field(default_factory=dict)
    blocker: str = ""  # the per-call value that keeps it from moving
    # the `if` tests it was built under, outermost first: (test, True in the body / False in the else)
    guards: list[tuple[cst.BaseExpression, bool]] = field(default_factory=list)


class Blocked(enum.Enum):
    """Why a construction `call` makes cannot move by itself (each rule words it its own way)."""

    IN_LOOP = "in a loop or a nested function"
    NOT_ONCE = "in a method `call` does not run exactly once"  # `reason`: what is known of its calls
    NOT_KEPT = "neither called at once, nor bound to a local, nor stored on `self`"
    REBOUND = "bound to a local assigned more than once"  # `local`: that name
    NO_INITIALIZER = "its initial value maps to no shape and initializer"
    NO_INPUT_SHAPE = "`build` takes no input shape"
    PLACEMENT = "what it reads is known nowhere it could go"  # `placement.reason` says what
    IMPORTED_FUNCTION = "a TF1 layer function imported by name"
    UNREADABLE = "its arguments cannot be read"
    UNSUPPORTED = "an argument Keras lacks"  # `unsupported`: their names
    NO_SPELLING = "no import here can spell the Keras class"
    OUTSIDE_CALL = "in a method `call` does not reach"
    CONTRIB = "a `tf.contrib.layers` function: its defaults are no Keras class's"  # report only


@dataclass(eq=False)
class LiftPlan:
    """One construction that `call` (or a helper it runs) makes anew on every call, and how it
    moves: as `self.<attr>`, built in `placement.where` under `placement.guards`; or why not
    (`blocked`). A fact of the class, shared by the rules: it names no rule."""

    lift: ClassLift  # the class's lifter, which the edits read
    method: cst.FunctionDef  # where it is made
    site: cst.Call  # what makes it
    blocked: Blocked | None = None
    reason: str = ""  # for NOT_ONCE: what keeps the number of calls unknown
    placement: Placement | None = None  # where it can go (or, for PLACEMENT, why nowhere)
    attr: str = ""  # the attribute it becomes
    value: cst.BaseExpression | None = None  # what that attribute is set to, as the lifted code spells it
    # how `call` uses it: called at once ("inline"), bound to a local ("bound"), stored on self ("self")
    form: str | None = None
    statement: cst.SimpleStatementLine | None = None  # the statement binding or storing it
    local: str | None = None  # the local or attribute that statement binds (a loop's layer: its loop name)

    @property
    def target(self) -> str:
        """`__init__` or `build` where it can move, "" when it cannot."""
        return "" if self.blocked or self.placement is None else self.placement.where


@dataclass(eq=False)
class WeightLift(LiftPlan):
    """`tf.Variable`, `tf.get_variable`, a backend variable, `self.add_weight` made in `call`:
    `value` is the `self.add_weight(...)` that `build` makes instead."""


@dataclass(eq=False)
class LoopLift:
    """A `for` loop directly in `call` over what `__init__` knows, and the layers built in it
    that `__init__` can build instead: one list each (a layer's `attr`, `value`), zipped into
    the loop, which binds each layer to its `local`. One fact for the loop's layers: they
    share its rewritten header."""

    loop: cst.For
    layers: list[LayerLift]


@dataclass(eq=False)
class HelperLift:
    """The layers a helper of `call` builds, once per call of the helper: one list each in
    `__init__`, indexed by a new keyword-only argument of the helper (`index_name`) that each
    call site passes (`indices`). One fact for all the helper's layers: they share the argument."""

    helper: cst.FunctionDef
    index_name: str
    layers: list[LayerLift]
    indices: list[tuple[cst.Call, cst.BaseExpression]]
    # every call of the helper is one of `indices`: a private method (`_block`) of a class no
    # class of the project derives from (code elsewhere would call it without the new argument)
    private: bool = False
    # how many times `call` calls it reads nothing the class changes after `__init__` (else an
    # index could run past the lists)
    count_fixed: bool = False


@dataclass(eq=False)
class LayerLift(LiftPlan):
    """A Keras layer (or a project layer class) built in `call`: lifted alone, or as the list
    of a loop (`loop`), or as the list a helper indexes (`helper`)."""

    loop: LoopLift | None = None
    helper: HelperLift | None = None


@dataclass(eq=False)
class Tf1Lift(LiftPlan):
    """A TF1 `tf.layers.<function>(inputs, ...)` call: the Keras layer (`value`) built once, and
    called in its place on `inputs` with the call-time arguments."""

    function: str = ""  # the TF1 function's name, a key of keras_api.TF1_LAYERS (or TF1_CONTRIB_LAYERS)
    contrib: bool = False  # a `tf.contrib.layers` function: reported, never fixed
    unsupported: list[str] = field(default_factory=list)  # for UNSUPPORTED
    bound: Bound | None = None  # its arguments, bound to the TF1 signature
    constructor_args: list[cst.Arg] = field(default_factory=list)
    shares: bool = False  # `reuse=True` of an earlier call's name: that call's layer, nothing built
    needed_import: str | None = None  # what spelling the Keras class takes

    @property
    def spec(self) -> api.Tf1Layer:
        return api.TF1_LAYERS[self.function]

    @property
    def keras_class(self) -> str:
        return api.TF1_CONTRIB_LAYERS[self.function][0] if self.contrib else self.spec.keras_class


class ClassLift:
    """One class's lifter: where a construction of `call` can move, and the names allocated."""

    def __init__(self, ctx: Context, cls: KerasClass):
        self.ctx = ctx
        self.cls = cls
        self.taken = set(cls.assigned_attributes) | api.KERAS_RESERVED_ATTRIBUTES | self.inherited_attributes()
        # a new attribute of a base and one of its subclass shared one layer (`self.dense` in each
        # `__init__`: the subclass's replaced the base's, measured ValueError on both lines). The
        # base's avoid what its subclasses use; a subclass's new ones start with its own name,
        # since the base's fix may run apart (another file, another piece)
        self.taken |= self.hierarchy_attributes(ctx.index.subclasses(cls.qualified))
        self.prefix = f"{snake_case(cls.node.name.value)}_" if self.project_bases() else ""
        self.shared: dict[tuple[str, str], str] = {}  # (literal name, constructor code) -> attribute
        self.init = cls.methods.get("__init__")
        self.build = cls.methods.get("build")
        self.module_names = ctx.imports.local_names | set(ctx.imports.bindings) | BUILTIN_NAMES
        self._orders: dict[str, dict[int, int]] = {}

    def project_bases(self) -> set[str]:
        """The class's bases, through every level, that the project defines."""
        found: set[str] = set()
        todo = list(self.ctx.index.bases_of(self.cls.qualified))
        while todo:
            base = todo.pop()
            if base not in found and base in self.ctx.index.records:
                found.add(base)
                todo.extend(self.ctx.index.bases_of(base))
        return found

    def hierarchy_attributes(self, classes: list[str]) -> set[str]:
        """The attributes the project's `classes` use, from the index and from this module."""
        here = {c.qualified: c for c in self.ctx.keras_classes}
        names: set[str] = set()
        for qualified in classes:
            record = self.ctx.index.records.get(qualified)
            names |= record.attributes if record is not None else set()
            names |= here[qualified].assigned_attributes if qualified in here else set()
        return names

    def inherited_attributes(self) -> set[str]:
        """What the project's bases of the class use: the index's, and those parsed here."""
        names = self.ctx.index.inherited_attributes(self.cls.qualified)
        here = {c.qualified: c for c in self.ctx.keras_classes}
        todo, seen = list(self.ctx.index.bases_of(self.cls.qualified)), set()
        while todo:
            base = todo.pop()
            if base in here and base not in seen:
                seen.add(base)
                names |= here[base].assigned_attributes
                todo.extend(self.ctx.index.bases_of(base))
        return names

    def plan(self, func: cst.FunctionDef, node: cst.CSTNode, parents, values: list[cst.BaseExpression]) -> Placement:
        """Where `node` (a construction reading `values`) can be built once, with the `if`
        tests `call` built it under: they move with it, so it is never built where `call`
        did not build it. Not in `build` for a helper of `call`: its argument's shape is not
        the input's."""
        guards = guards_to(node, parents, func)
        if guards is None:
            return Placement("", "it is built only on some paths (after `and`/`or`, in a `try` or an `except`)")
        tests = [test for test, _ in guards]
        placement = self.placement(func, values + tests)
        if not placement.where:
            return placement
        me = self_name(func)
        changing = sorted(a for test in tests for a in self_attrs_read(test, me) if self.assigned_after_init(a))
        if changing:
            return Placement("", f"it is built only when `self.{changing[0]}` says so, which changes after `__init__`")
        if placement.where == "build" and func.name.value != "call":  # `build` gets `call`'s input only
            return Placement("", f"it reads the shape of `{func.name.value}`'s argument")
        placement.guards = guards
        return placement

    def placement(self, func: cst.FunctionDef, values: list[cst.BaseExpression],
                   bound_there: frozenset[str] = frozenset()) -> Placement:
        """Where the expressions `values` mean the same as in `func`: `__init__`, `build` (when
        they read the input's shape), or nowhere. `bound_there`: names the new code binds.
        Locals `func` computes from what `__init__` knows are inlined."""
        me = self_name(func)
        call_locals = local_names(func, self.cls.method_nodes[func.name.value])
        first = self.input_name(func)
        needs_shape = False
        found = Placement("__init__")
        for value in values:
            parents = parent_map(value)
            for node in walk(value):
                if isinstance(node, (cst.Lambda, cst.ListComp, cst.GeneratorExp, cst.DictComp, cst.SetComp)):
                    return Placement("", "an argument defines its own names")
                if not isinstance(node, cst.Name) or not is_load(node, parents):
                    continue
                if node.value == me:
                    attr = is_self_attribute(parents.get(id(node)), me)
                    if attr is not None:
                        found.self_attrs.add(attr)
                elif node.value == first and is_shape_access(node, parents):
                    needs_shape = True
                elif node.value in bound_there:
                    continue
                elif node.value in call_locals:
                    inner, expr = self.call_local(func, node)
                    if expr is None:
                        return inner
                    needs_shape |= inner.where == "build"
                    found.self_attrs |= inner.self_attrs
                    found.bindings.update(inner.bindings)
                    found.inlined[id(node)] = expr if node is value and not needs_parens_as_arg(expr) \
                        else parenthesized(expr)
                elif node.value not in self.module_names:
                    return Placement("", f"`{node.value}` is not known in `__init__`")
        attrs = found.self_attrs
        if attrs and self.init is not None and self_name(self.init) != me:
            return Placement("", f"`__init__` calls its first parameter `{self_name(self.init)}`, not `{me}`")
        unknown = sorted(a for a in attrs if not self.known_in_init(a))
        if unknown:
            again = unknown[0] in api.KERAS_INIT_ATTRIBUTES
            return Placement("", f"`self.{unknown[0]}` is {'set again after' if again else 'not set in'} `__init__`")
        if not needs_shape and self.init_returns_early(attrs):
            return Placement("", "`__init__` may return before the line that would build it")
        if needs_shape and self.build is not None and not self.build_param():
            return Placement("", "it needs the input's shape, and `build` takes none")
        found.where = "build" if needs_shape else "__init__"
        return found

    def init_anchor_index(self, attrs: set[str]) -> int:
        """The index of the statement of `__init__` after which a new line goes: after
        `super().__init__` and after every statement setting an attribute in `attrs`; never
        after a final `return`."""
        assert self.init is not None  # asked of a class with an `__init__`
        body = list(self.init.body.body)
        me = self_name(self.init)
        anchor = None
        for index, stmt in enumerate(body):
            if calls_super_init(stmt) or (attrs & assigned_self_attrs(stmt, me)):
                anchor = index
        if anchor is None:
            anchor = len(body) - 1
        last = body[anchor]
        if isinstance(last, cst.SimpleStatementLine) and any(isinstance(s, cst.Return) for s in last.body):
            anchor = max(anchor - 1, 0)
        return anchor

    def init_returns_early(self, attrs: set[str]) -> bool:
        """`__init__` holds a `return` up to the statement a new line would follow (`if width is
        None: ...; return`): the line would not run on that path, and `call` would raise
        AttributeError where it built its layer (measured on both lines)."""
        if self.init is None or not isinstance(self.init.body, cst.IndentedBlock):
            return False
        todo: list[cst.CSTNode] = [*self.init.body.body[:self.init_anchor_index(attrs) + 1]]
        while todo:
            node = todo.pop()
            if isinstance(node, cst.Return):
                return True
            if not isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                todo.extend(node.children)
        return False

    def call_local(self, func: cst.FunctionDef, use: cst.Name) -> tuple[Placement, cst.BaseExpression | None]:
        """A local of `func` read by code that moves: computed once, before `use`, at the top of
        `func` (or in a `with` there) from what `__init__` knows? Then the moved code gets its
        expression (the local's own such locals inlined too)."""
        name, fname = use.value, func.name.value
        params = local_names(func, [])  # the parameters
        what = "an argument of" if name in params else "computed in"
        if name == first_input(func) and self.input_name(func) is None:
            what = "the input, bound again in"  # its shape may be another tensor's
        computed = Placement("", f"`{name}` is {what} `{fname}`", blocker=name)
        if not only_bound_once(func, self.cls.method_nodes[fname], name):
            return computed, None
        order = self.order(fname)
        unpacked = top_unpacking(func.body, name, self.input_name(func))
        if unpacked is not None and order.get(id(unpacked[0]), len(order)) < order.get(id(use), -1):
            # a dimension of the input's static shape, as `build` receives it (the statement stays:
            # it binds other names too)
            return Placement("build"), cst.parse_expression(f"{first_input(func)}.shape[{unpacked[1]}]")
        statement = top_assignment(func.body, name)
        if statement is None or order.get(id(statement), len(order)) > order.get(id(use), -1):
            return computed, None
        assignment = statement.body[0]
        assert isinstance(assignment, cst.Assign)  # what top_assignment finds
        value = assignment.value
        inner = self.placement(func, [value])
        if not inner.where:
            blocker = inner.blocker or name
            reason = f"`{name}` is computed in `{fname}` from `{blocker}`" if inner.blocker else \
                f"`{name}` is computed in `{fname}`: {inner.reason}"
            return Placement("", reason, blocker=blocker), None
        expr = substitute(value, inner.inlined)
        inner.inlined, inner.bindings = {}, {name: statement}
        return inner, expr

    def input_name(self, func: cst.FunctionDef) -> str | None:
        """`func`'s first parameter, whose static shape `build` receives, unless `func` binds the
        name again (`x = tf.concat([x, x], -1)`: `x.shape` is then another tensor's, and a layer
        sized from it in `build` computes another width: InvalidArgumentError, measured)."""
        first = first_input(func)
        for node in self.cls.method_nodes[func.name.value]:
            bound = node.name if isinstance(node, cst.AsName) else getattr(node, "target", None) if isinstance(
                node, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor, cst.NamedExpr)) else None
            if bound is not None and any(isinstance(n, cst.Name) and n.value == first for n in walk(bound)):
                return None
        return first

    def order(self, method: str) -> dict[int, int]:
        if method not in self._orders:
            self._orders[method] = {id(n): i for i, n in enumerate(self.cls.method_nodes[method])}
        return self._orders[method]

    def known_in_init(self, attr: str) -> bool:
        """Set in `__init__` (or the class body, or a method), or set by Keras's own
        `super().__init__()` and never reassigned by the class."""
        return (self.set_in_init(attr) or attr in self.cls.methods or self.class_attribute(attr)
                or (attr in api.KERAS_INIT_ATTRIBUTES and not self.assigned_after_init(attr)))

    def assigned_after_init(self, attr: str) -> bool:
        return any(attr in assigned_self_attrs(method, self_name(method))
                   for name, method in self.cls.methods.items() if name != "__init__")

    def moved(self, func: cst.FunctionDef, placement: Placement, value: cst.BaseExpression) -> cst.BaseExpression:
        """`value` as the lifted code spells it: call-time locals inlined, the input's shape
        read from `build`'s argument, and built only when `call` built it."""
        def spell(node: cst.BaseExpression) -> cst.BaseExpression:
            node = substitute(node, placement.inlined)
            param = self.build_param()  # never None where a placement in `build` reads the shape
            return node if placement.where == "__init__" or param is None else shape_to_build(node, func, param)

        value = spell(value)
        if not placement.guards:
            return value
        condition = condition_of([(spell(test), positive) for test, positive in placement.guards])
        return cst.IfExp(test=condition, body=value, orelse=cst.Name("None"))

    def set_in_init(self, attr: str) -> bool:
        """Set by the class's `__init__`, or by a project base's (this file or another) that
        it runs: it has none, or it calls an `__init__` (the lifted line goes after that call)."""
        if self.init is not None and any(attr in assigned_self_attrs(s, self_name(self.init))
                                         for s in self.init.body.body):
            return True
        runs_base = self.init is None or any(calls_super_init(s) for s in self.init.body.body)
        return runs_base and attr in self.base_init_sets

    @cached_property
    def base_init_sets(self) -> set[str]:
        return inherited_init_sets(self.ctx.index, self.cls.qualified)

    def class_attribute(self, attr: str) -> bool:
        for stmt in self.cls.node.body.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, (cst.Assign, cst.AnnAssign)):
                        targets = small.targets if isinstance(small, cst.Assign) else [small]
                        if any(isinstance(t.target, cst.Name) and t.target.value == attr for t in targets):
                            return True
        return False

    def build_param(self) -> str | None:
        if self.build is None:
            return "input_shape"
        params = self.build.params.params
        return params[1].name.value if len(params) > 1 else None

    def allocate(self, preferred: str) -> str:
        usable = preferred.isidentifier() and not keyword.iskeyword(preferred) and not preferred.startswith("__")
        base = preferred if usable else "layer"  # `name="class"` must not become `self.class`
        base = self.prefix + base
        name, number = base, 0
        while name in self.taken:
            number += 1
            name = f"{base}_{number}"
        self.taken.add(name)
        return name

    def spell(self, path: str) -> tuple[str | None, str | None]:
        spelled = self.ctx.imports.spell_keras(path)
        if spelled is not None:
            return spelled, None
        if not self.ctx.imports.is_bound("tf"):
            return f"tf.keras.{path}", "import tensorflow as tf"
        return None, None

    def allocate_local(self, func: cst.FunctionDef, preferred: str, chosen: frozenset[str] = frozenset()) -> str:
        """A name no code of `func` or of the module uses, nor one of `chosen`."""
        used = {n.value for n in self.cls.method_nodes[func.name.value] if isinstance(n, cst.Name)} | chosen
        name, number = preferred, 0
        while name in used or name in self.module_names:
            number += 1
            name = f"{preferred}_{number}"
        return name

