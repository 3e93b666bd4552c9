"""KF201-KF203: layers built in `call`, TF1 functional layers, and TF1 layer classes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator, Sequence

import libcst as cst

from .. import keras_api as api
from ..edits import AddImport, AddMethod, DropImport, Fix, InsertAfter, InsertBefore, Remove, Replace, Safety
from ..index import tf1_imported_names
from ..names import BUILTIN_NAMES, canonical
from . import docs
from ..syntax import children, dotted
from .base import (Context, Finding, KerasClass, Rule, RuleFamily, is_self_attribute, self_name, source,
                   walk)
from . import weights as from_weights
from .calls import bind, keyword_arg, layout

KF103 = Rule("KF103", "variable-created-in-call", "a weight created inside `call`", "sometimes",
             "unsafe", docs.KF103)
KF201 = Rule("KF201", "layer-created-in-call", "a Keras layer constructed inside `call`", "sometimes",
             "safe, or unsafe via build/loops", docs.KF201)
KF202 = Rule("KF202", "tf1-functional-layer", "a TF1 `tf.layers.<function>` call inside a Keras layer",
             "sometimes", "safe, or unsafe via build", docs.KF202)
KF203 = Rule("KF203", "tf1-layer-class", "a TF1 `tf.layers.<Class>` in a Keras layer or as its base",
             "sometimes", "safe", docs.KF203)

_LOOPS = (cst.For, cst.While, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)


def snake_case(name: str) -> str:
    """Dense -> dense, Conv2DTranspose -> conv2d_transpose, LSTM -> lstm (Keras's own rule)."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


class LayerRules(RuleFamily):
    rules = (KF103, KF201, KF202, KF203)

    def check(self, ctx: Context) -> Iterator[Finding]:
        yield from _tf1_classes(ctx)
        for cls in ctx.keras_classes:
            yield from _ClassLifter(ctx, cls).findings()


# --- where a construction may go -------------------------------------------------------------


@dataclass
class Placement:
    """Where a lifted construction can be built, or why it cannot move."""

    where: str  # "__init__", "build", or "" (cannot move)
    reason: str = ""
    self_attrs: set[str] = field(default_factory=set)  # self attributes it reads


class _ClassLifter:
    """Finds the layers one class builds in `call`, and plans their move to `__init__`."""

    def __init__(self, ctx: Context, cls: KerasClass):
        self.ctx = ctx
        self.cls = cls
        self.taken = set(cls.assigned_attributes) | api.KERAS_RESERVED_ATTRIBUTES
        self.shared: dict[tuple[str, str], str] = {}  # (literal name, constructor code) -> attribute
        self.init = cls.methods.get("__init__")
        self.build = cls.methods.get("build")
        self.module_names = ctx.imports.local_names | set(ctx.imports.bindings) | BUILTIN_NAMES

    def findings(self) -> Iterator[Finding]:
        parents = self.cls.parents
        for name in sorted(self.cls.call_methods):
            func = self.cls.methods[name]
            for node in self.cls.method_nodes[name]:
                if not isinstance(node, cst.Call) or _inside_construction(node, parents, self.ctx):
                    continue
                resolved = self.ctx.resolve(node.func) or ""
                if resolved.startswith("tf1.layers.") and resolved.rsplit(".", 1)[-1] in api.TF1_LAYERS:
                    yield self._tf1_function(func, node, parents, resolved.rsplit(".", 1)[-1])
                elif self.ctx.is_layer_class(node.func) and not api.is_weightless_layer(resolved):
                    finding = self._construction(func, node, parents)
                    if finding:
                        yield finding
                elif resolved in api.GET_VARIABLE | api.VARIABLE | api.BACKEND_VARIABLE or \
                        is_self_attribute(node.func, self_name(func)) in ("add_weight", "add_variable"):
                    yield self._weight(func, node, parents)

    # -- KF201 ---------------------------------------------------------------------------------
    def _construction(self, func: cst.FunctionDef, call: cst.Call, parents) -> Finding | None:
        class_name = source(call.func).rsplit(".", 1)[-1]
        what = f"`{class_name}(...)` built inside `{func.name.value}`: a new layer every call, whose weights no Keras tracks"
        parent = parents.get(id(call))
        me = self_name(func)
        if _in_loop_or_scope(call, parents, func):
            manual = f"{what}; build the layers once in `__init__` (a list for a loop) and use them here"
            return self._in_loop(func, call, parents, class_name, what) or Finding("KF201", call, manual)
        if func.name.value != "call":
            return Finding("KF201", call, f"{what}; build it once in `__init__` as `self.<name>` and have "
                                          f"`{func.name.value}` use it")
        statement, form, local = _usage(call, parent, parents, me)
        if form is None:
            return Finding("KF201", call, f"{what}; build it once in `__init__` as `self.<name>` and use that here")
        if form == "bound" and not _only_bound_once(func, self.cls.method_nodes[func.name.value], local):
            return Finding("KF201", call, f"{what}; `{local}` is assigned more than once, so move it by hand")
        placement = self._placement(func, [a.value for a in call.args])
        if not placement.where:
            return Finding("KF201", call, f"{what}; it cannot move as is: {placement.reason}")
        if form == "self":
            attr = local
            what = (f"`{class_name}(...)` built inside `call`: stored on `self`, but a new layer with fresh "
                    "weights on every call, so nothing is learned")
        else:
            literal = _literal_name(call)
            if literal in api.KERAS_RESERVED_ATTRIBUTES:
                literal = None
            attr = self._allocate(local if form == "bound" else literal or snake_case(class_name))
        new_value = call if placement.where == "__init__" else _shape_to_build(call, func, self._build_param())
        edits = self._lift(func, call, placement, attr, new_value, statement, form, local)
        safety = Safety.SAFE if placement.where == "__init__" else Safety.UNSAFE
        return Finding("KF201", call, f"{what}; build it once in `{placement.where}` as `self.{attr}`",
                       Fix(edits, safety, f"lift into {placement.where}"))

    def _lift(self, func: cst.FunctionDef, call: cst.Call, placement: Placement, attr: str,
              new_value: cst.BaseExpression, statement, form: str, local: str | None) -> tuple:
        """The edits that build `self.<attr> = new_value` where the placement says, and make
        `call` use `self.<attr>`: in place of an inline construction, or instead of the local
        the removed statement bound (or the attribute it set)."""
        edits = [self._place(placement, attr, new_value, statement if form != "inline" else None)]
        target = cst.Attribute(value=cst.Name(self_name(func)), attr=cst.Name(attr))
        if form == "inline":
            edits.append(Replace(call, target))
        else:
            edits.append(Remove(statement))
            if form == "bound":
                edits.extend(Replace(n, target) for n in self._loads(func, local, statement))
        return tuple(edits)

    def _in_loop(self, func: cst.FunctionDef, call: cst.Call, parents, class_name: str, what: str) -> Finding | None:
        """`for n in ITER: x = Dense(n)(x)` directly in `call`, with ITER known in `__init__`:
        build `[Dense(n) for n in ITER]` there and zip it into the loop (unsafe: ITER must
        give the same items on every call)."""
        loop = parents.get(id(call))
        while loop is not None and not isinstance(loop, (cst.For, *_SCOPES, *_LOOPS)):
            loop = parents.get(id(loop))
        if (not isinstance(loop, cst.For) or func.name.value != "call" or loop.orelse is not None
                or loop.asynchronous is not None or _in_loop_or_scope(loop, parents, func)
                or not (isinstance(parents.get(id(call)), cst.Call) and parents[id(call)].func is call)):
            return None
        targets = frozenset(n.value for n in walk(loop.target) if isinstance(n, cst.Name))
        if not targets or not all(isinstance(n, (cst.Name, cst.Tuple, cst.Element, cst.Comma))
                                  for n in walk(loop.target)):
            return None
        constructions = [n for n in walk(loop.body) if isinstance(n, cst.Call) and self.ctx.is_layer_class(n.func)]
        if constructions != [call]:
            return None  # one list per loop keeps the rewritten loop readable
        source_place = self._placement(func, [loop.iter])
        args_place = self._placement(func, [a.value for a in call.args], bound_there=targets)
        if source_place.where != "__init__" or args_place.where != "__init__":
            return None
        attr = self._allocate(f"{snake_case(class_name)}_layers")
        local = self._allocate_local(func, snake_case(class_name))
        built = cst.parse_expression(
            f"[{source(call)} for {source(loop.target)} in {source(loop.iter)}]".replace("\n", " "))
        placement = Placement("__init__", self_attrs=source_place.self_attrs | args_place.self_attrs)
        me = self_name(func)
        target_code, iter_code = source(loop.target), source(loop.iter)
        if not isinstance(loop.target, cst.Name) and not loop.target.lpar:
            target_code = f"({target_code})"

        def zip_layers(updated: cst.For) -> cst.For:
            return updated.with_changes(
                target=cst.parse_expression(f"{target_code}, {local}"),
                iter=cst.parse_expression(f"zip({iter_code}, {me}.{attr})"),
            )

        edits = (self._place(placement, attr, built, None), Replace(loop, zip_layers), Replace(call, cst.Name(local)))
        return Finding("KF201", call, f"{what}; build the loop's layers once in `__init__` as `self.{attr}` "
                                      "and zip them into the loop",
                       Fix(edits, Safety.UNSAFE, "a list of layers"))

    def _allocate_local(self, func: cst.FunctionDef, preferred: str) -> str:
        used = {n.value for n in self.cls.method_nodes[func.name.value] if isinstance(n, cst.Name)}
        name, number = preferred, 0
        while name in used or name in self.module_names:
            number += 1
            name = f"{preferred}_{number}"
        return name

    # -- KF103 ---------------------------------------------------------------------------------
    def _weight(self, func: cst.FunctionDef, call: cst.Call, parents) -> Finding:
        label = source(call.func)
        what = f"`{label}` inside `{func.name.value}` makes a new variable on every call, which no Keras tracks"
        manual = f"{what}; create it once in `build` with `self.add_weight(...)` and use it here"
        me = self_name(func)
        if _in_loop_or_scope(call, parents, func) or func.name.value != "call":
            return Finding("KF103", call, manual)
        statement, form, local = _usage(call, parents.get(id(call)), parents, me)
        form = form or "inline"  # a variable is a value: any expression can read `self.<name>`
        if form == "bound" and not _only_bound_once(func, self.cls.method_nodes["call"], local):
            return Finding("KF103", call, manual)
        build_param = self._build_param()
        converted = from_weights.as_add_weight(self.ctx, call, me)
        if converted is None or build_param is None:
            return Finding("KF103", call, manual)
        placement = self._placement(func, [a.value for a in converted.args])
        if not placement.where:
            return Finding("KF103", call, f"{manual} ({placement.reason})")
        placement = Placement("build", self_attrs=placement.self_attrs)  # weights belong in build
        if form == "inline":
            attr = self._allocate(_literal_name(converted) or "weight")
        elif form == "self":
            attr = local
        else:
            attr = self._allocate(local)
        new_value = _shape_to_build(converted, func, build_param)
        edits = self._lift(func, call, placement, attr, new_value, statement, form, local)
        return Finding("KF103", call, f"{what}; create it once in `build` as `self.{attr}`",
                       Fix(edits, Safety.UNSAFE, "move into build"))

    # -- KF202 ---------------------------------------------------------------------------------
    def _tf1_function(self, func: cst.FunctionDef, call: cst.Call, parents, fname: str) -> Finding:
        spec = api.TF1_LAYERS[fname]
        what = (f"`{source(call.func)}` inside a Keras layer: gone on Keras 3 (AttributeError), "
                "and on tf_keras a new layer every call whose weights are lost")
        manual = f"{what}; build `{spec.keras_class}` once in `__init__` and call it here"
        me = self_name(func)
        if _in_loop_or_scope(call, parents, func) or func.name.value != "call":
            return Finding("KF202", call, manual)
        if isinstance(call.func, cst.Name):
            return Finding("KF202", call, f"{manual}; and remove its import, which itself fails on Keras 3 "
                                          f"(`from ... layers import {call.func.value}`)")
        bound = bind(call, ("inputs",) + spec.params)
        if bound is None or bound.unknown or bound.value("inputs") is None:
            return Finding("KF202", call, f"{manual} (its arguments cannot be read)")
        unsupported = [p for p, harmless in spec.unsupported.items()
                       if bound.value(p) is not None and bound.code(p) not in harmless]
        if unsupported:
            return Finding("KF202", call, f"{manual}; Keras lacks {', '.join(f'`{p}`' for p in unsupported)}")
        spelled, needed_import = self._spell(f"layers.{spec.keras_class}")
        if spelled is None:
            return Finding("KF202", call, f"{manual}; no import here can spell keras.layers.{spec.keras_class}")
        constructor_args = self._constructor_args(call, bound, spec)
        placement = self._placement(func, [a.value for a in constructor_args])
        if not placement.where:
            return Finding("KF202", call, f"{manual}; it cannot move as is: {placement.reason}")
        constructor = cst.parse_expression(f"{spelled}()").with_changes(args=layout(call, constructor_args))
        literal = _literal_name(call)
        reuse = bound.value(api.REUSE_ARGUMENT) is not None and bound.code(api.REUSE_ARGUMENT) not in ("None", "False")
        key = (literal or "", source(constructor))
        edits = []
        if literal and reuse and key in self.shared:
            attr = self.shared[key]  # TF1 shared these variables by name: so does the one layer
        else:
            usable = literal if literal not in api.KERAS_RESERVED_ATTRIBUTES else None
            attr = self._allocate(usable or snake_case(spec.keras_class))
            if placement.where == "build":
                constructor = _shape_to_build(constructor, func, self._build_param())
            edits.append(self._place(placement, attr, constructor, None))
            if literal:
                self.shared.setdefault(key, attr)
        call_args = [cst.Arg(bound.value("inputs"))]
        for param in sorted(spec.call_args):
            value = bound.value(param)
            if value is None:
                default = dict(spec.tf1_defaults).get(param)
                value = cst.parse_expression(default) if default is not None else None
            if value is not None:
                call_args.append(keyword_arg(param, value))
        new_call = cst.Call(func=cst.Attribute(value=cst.Name(me), attr=cst.Name(attr)),
                            args=layout(cst.Call(func=call.func, args=call.args), call_args))
        edits.append(Replace(call, new_call))
        if needed_import:
            edits.append(AddImport(needed_import))
        safety = Safety.SAFE if placement.where == "__init__" else Safety.UNSAFE
        return Finding("KF202", call, f"{what}; build `{spec.keras_class}` once in `{placement.where}` as `self.{attr}`",
                       Fix(tuple(edits), safety, f"lift into {placement.where}"))

    def _constructor_args(self, call: cst.Call, bound, spec: api.Tf1Layer) -> list[cst.Arg]:
        return keras_constructor_args(call, bound, spec)

    # -- shared planning -----------------------------------------------------------------------
    def _placement(self, func: cst.FunctionDef, values: list[cst.BaseExpression],
                   bound_there: frozenset[str] = frozenset()) -> Placement:
        """Where the expressions `values` mean the same as in `func`: `__init__`, `build` (when
        they read the input's shape), or nowhere. `bound_there`: names the new code binds."""
        me = self_name(func)
        call_locals = _local_names(func, self.cls.method_nodes[func.name.value])
        first_input = _first_input(func)
        needs_shape = False
        attrs: set[str] = set()
        for value in values:
            parents = _parents(value)
            for node in walk(value):
                if isinstance(node, (cst.Lambda, cst.ListComp, cst.GeneratorExp, cst.DictComp, cst.SetComp)):
                    return Placement("", "an argument defines its own names")
                if not isinstance(node, cst.Name) or not _is_load(node, parents):
                    continue
                if node.value == me:
                    attr = is_self_attribute(parents.get(id(node)), me)
                    if attr is None:
                        continue
                    attrs.add(attr)
                elif node.value == first_input and _is_shape_access(node, parents):
                    needs_shape = True
                elif node.value in bound_there:
                    continue
                elif node.value in call_locals:
                    return Placement("", f"`{node.value}` is computed in `{func.name.value}`")
                elif node.value not in self.module_names:
                    return Placement("", f"`{node.value}` is not known in `__init__`")
        if attrs and self.init is not None and self_name(self.init) != me:
            return Placement("", f"`__init__` calls its first parameter `{self_name(self.init)}`, not `{me}`")
        unknown = [a for a in attrs if not self._set_in_init(a) and a not in self.cls.methods
                   and not self._class_attribute(a)]
        if unknown and not needs_shape:
            return Placement("", f"`self.{unknown[0]}` is not set in `__init__`")
        if needs_shape:
            if self.build is not None and not self._build_param():
                return Placement("", "it needs the input's shape, and `build` takes none")
            if unknown and not all(self._set_in_init(a) or self._class_attribute(a) for a in unknown):
                return Placement("", f"`self.{unknown[0]}` is not set in `__init__`")
            return Placement("build", self_attrs=attrs)
        return Placement("__init__", self_attrs=attrs)

    def _loads(self, func: cst.FunctionDef, name: str, statement) -> list[cst.Name]:
        inside = {id(n) for n in walk(statement)}
        return [n for n in self.cls.method_nodes[func.name.value]
                if isinstance(n, cst.Name) and n.value == name and id(n) not in inside
                and _is_load(n, self.cls.parents)]

    def _set_in_init(self, attr: str) -> bool:
        return self.init is not None and any(attr in _assigned_self_attrs(s, self_name(self.init))
                                             for s in self.init.body.body)

    def _class_attribute(self, attr: str) -> bool:
        for stmt in self.cls.node.body.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, (cst.Assign, cst.AnnAssign)):
                        targets = small.targets if isinstance(small, cst.Assign) else [small]
                        if any(isinstance(t.target, cst.Name) and t.target.value == attr for t in targets):
                            return True
        return False

    def _build_param(self) -> str | None:
        if self.build is None:
            return "input_shape"
        params = self.build.params.params
        return params[1].name.value if len(params) > 1 else None

    def _allocate(self, preferred: str) -> str:
        base = preferred if preferred.isidentifier() else "layer"
        name, number = base, 0
        while name in self.taken:
            number += 1
            name = f"{base}_{number}"
        self.taken.add(name)
        return name

    def _spell(self, path: str) -> tuple[str | None, str | None]:
        spelled = self.ctx.imports.spell_keras(path)
        if spelled is not None:
            return spelled, None
        if not self.ctx.imports.is_bound("tf"):
            return f"tf.keras.{path}", "import tensorflow as tf"
        return None, None

    def _place(self, placement: Placement, attr: str, value: cst.BaseExpression,
               moved: cst.SimpleStatementLine | None):
        """The edit that builds `self.<attr> = value` where the placement says."""
        method = self.init if placement.where == "__init__" else self.build
        me = self_name(method) if method is not None else "self"
        line = cst.SimpleStatementLine(
            body=[cst.Assign(targets=[cst.AssignTarget(cst.Attribute(value=cst.Name(me), attr=cst.Name(attr)))],
                             value=value)],
        )
        if moved is not None:  # keep the comments that went with the statement
            line = line.with_changes(leading_lines=moved.leading_lines, trailing_whitespace=moved.trailing_whitespace)
        if placement.where == "__init__":
            if method is None:
                return AddMethod(self.cls.node, "def __init__(self, *args, **kwargs):",
                                 ("super().__init__(*args, **kwargs)",), (line,))
            return InsertAfter(self._init_anchor(placement.self_attrs), (line,))
        if method is None:
            return AddMethod(self.cls.node, "def build(self, input_shape):", (), (line,),
                             before_method="call")
        body = list(method.body.body)
        first = body[0]
        if _is_docstring(first) and len(body) > 1:
            return InsertAfter(first, (line,))
        return InsertBefore(first, (line,))

    def _init_anchor(self, attrs: set[str]) -> cst.BaseStatement:
        """The statement of `__init__` after which the new line goes: after `super().__init__`
        and after every statement setting an attribute the construction reads."""
        body = list(self.init.body.body)
        me = self_name(self.init)
        anchor = None
        for index, stmt in enumerate(body):
            if _calls_super_init(stmt) or (attrs & _assigned_self_attrs(stmt, me)):
                anchor = index
        if anchor is None:
            anchor = len(body) - 1
        # never after a final `return`
        if isinstance(body[anchor], cst.SimpleStatementLine) and any(isinstance(s, cst.Return) for s in body[anchor].body):
            anchor = max(anchor - 1, 0)
        return body[anchor]


def keras_constructor_args(call: cst.Call, bound, spec: api.Tf1Layer) -> list[cst.Arg]:
    """The Keras constructor's arguments for a TF1 layer call: positions kept only where the
    Keras class has the same order; inputs, call-time arguments and `reuse` left out."""
    names = {index: name for name, (index, _) in bound.args.items()}
    args: list[cst.Arg] = []
    positional = 0
    for index, arg in enumerate(call.args):
        name = names[index]
        if name == "inputs" or name in spec.call_args or name == api.REUSE_ARGUMENT or name in spec.unsupported:
            continue
        keep_position = (arg.keyword is None and positional == len(args)
                         and positional < len(spec.keras_positional) and spec.keras_positional[positional] == name)
        if keep_position:
            args.append(cst.Arg(arg.value))
            positional += 1
        else:
            args.append(keyword_arg(name, arg.value))
    for param, default in spec.tf1_defaults:
        if param not in spec.call_args and bound.value(param) is None:
            args.insert(0, cst.Arg(cst.parse_expression(default)))  # Keras has no default for it
    return args


# --- KF203 ------------------------------------------------------------------------------------


def _tf1_classes(ctx: Context) -> Iterator[Finding]:
    """`tf.layers.Dense` and friends: as a class's base anywhere, or used inside a Keras class.

    No look at the text first: `class Norm(base.Layer)` names no `layers`, and its import is
    outside the piece of the file being read."""
    calls: dict[int, cst.Call] = {}
    seen: set[int] = set()
    for expr in _tf1_class_sites(ctx, calls):
        if id(expr) in seen:
            continue
        seen.add(id(expr))
        resolved = ctx.resolve(expr) or ""
        name = resolved.rsplit(".", 1)[-1]
        if resolved.startswith("tf1.layers.") and name[:1].isupper():
            yield _tf1_class(ctx, expr, calls.get(id(expr)), api.TF1_LAYER_CLASS_ALIASES.get(name, name))


def _tf1_class_sites(ctx: Context, calls: dict[int, cst.Call]) -> Iterator[cst.BaseExpression]:
    """Every base of every class, and every dotted name (or name imported from TF1's layers)
    read in a Keras class's methods; `calls` learns which of them are called."""
    for node in ctx.all_classes:
        yield from (arg.value for arg in node.bases
                    if arg.keyword is None and isinstance(arg.value, (cst.Name, cst.Attribute)))
    imported = set(tf1_imported_names(ctx.imports))
    for cls in ctx.keras_classes:
        for nodes in cls.method_nodes.values():
            for node in nodes:
                if isinstance(node, cst.Call):
                    calls[id(node.func)] = node
                elif isinstance(node, cst.Attribute) or (
                        isinstance(node, cst.Name) and node.value in imported and _is_load(node, cls.parents)):
                    yield node


def _tf1_class(ctx: Context, expr: cst.BaseExpression, call: cst.Call | None, keras_name: str) -> Finding:
    what = f"`{source(expr)}` is TF1's layer class: {_tf1_class_trap(ctx, expr)}"
    spelled, needed = _spell_keras_layer(ctx, keras_name)
    if spelled is None:
        return Finding("KF203", expr, f"{what}; use `tf.keras.layers.{keras_name}`")
    new_func = cst.parse_expression(spelled)
    spec = api.TF1_LAYER_CLASSES.get(keras_name)
    if call is None or spec is None:
        edit = Replace(expr, new_func)
    else:
        bound = bind(call, api.tf1_class_params(spec))
        problem = _unconvertible(bound)
        if problem:
            return Finding("KF203", expr, f"{what}; use `{spelled}` by hand: {problem}")
        args = keras_constructor_args(call, bound, spec)
        if _same_arguments(call.args, args):  # the call keeps its own layout
            edit = Replace(call, call.with_changes(func=new_func))
        else:
            edit = Replace(call, call.with_changes(func=new_func, args=layout(call, args)))
    edits = (edit, *needed, *_dead_import(ctx, expr))
    return Finding("KF203", expr, f"{what}; use `{spelled}`", Fix(edits, Safety.SAFE, "use the Keras class"))


def _same_arguments(old: Sequence[cst.Arg], new: list[cst.Arg]) -> bool:
    """The new arguments are the old ones, in order, each by position or keyword as before."""
    return len(old) == len(new) and all(
        a.value is b.value and (a.keyword is None) == (b.keyword is None)
        and (a.keyword is None or a.keyword.value == b.keyword.value) for a, b in zip(old, new))


def _tf1_class_trap(ctx: Context, expr: cst.BaseExpression) -> str:
    """What the spelling does on Keras 3 (measured on TF 2.21)."""
    qualified = ctx.imports.qualify_dotted(dotted(expr) or "") or ""
    if qualified.startswith(api.TF1_LAYERS_LEGACY_MODULE + "."):
        return "on Keras 3 it is no Keras layer, and the weights it holds or makes are lost"
    if isinstance(expr, cst.Name):
        return "its import fails on Keras 3 (ImportError)"
    return "gone on Keras 3 (AttributeError)"


def _unconvertible(bound) -> str | None:
    """Why a TF1 layer class's call cannot become the Keras class's, or None."""
    if bound is None:
        return "its arguments cannot be read (`*args`, `**kwargs`, or too many by position)"
    for name in bound.unknown:
        if name in api.KERAS2_ONLY_LAYER_KEYWORDS:
            return api.KERAS2_ONLY_LAYER_KEYWORDS[name]
        if name not in api.KERAS_LAYER_KEYWORDS:
            return f"the Keras class has no `{name}` argument"
    return None


def _spell_keras_layer(ctx: Context, name: str) -> tuple[str | None, tuple[AddImport, ...]]:
    """How the module can say `keras.layers.<name>`, and the import that needs, if any."""
    spelled = ctx.imports.spell_keras(f"layers.{name}")
    if spelled is not None:
        return spelled, ()
    if not ctx.imports.is_bound("tf"):
        return f"tf.keras.layers.{name}", (AddImport("import tensorflow as tf"),)
    return None, ()


def _dead_import(ctx: Context, expr: cst.BaseExpression) -> tuple[DropImport, ...]:
    """The import of TF1's layers this spelling came through (`core_layers`, `Dense`): once the
    fix is in, it may be read nowhere else."""
    head = (dotted(expr) or "").split(".", 1)[0]
    target = ctx.imports.bindings.get(head, "")
    return (DropImport(head),) if canonical(target).startswith("tf1.layers") else ()


# --- small analyses ---------------------------------------------------------------------------


def _parents(func: cst.CSTNode) -> dict[int, cst.CSTNode]:
    parents: dict[int, cst.CSTNode] = {}
    for node in walk(func):
        for child in children(node):
            parents[id(child)] = node
    return parents



def _inside_construction(call: cst.Call, parents, ctx: Context) -> bool:
    """A layer built as an argument of another construction moves with that one."""
    node = parents.get(id(call))
    while node is not None and not isinstance(node, cst.FunctionDef):
        if isinstance(node, cst.Call) and node is not call and (
                ctx.is_layer_class(node.func) or (ctx.resolve(node.func) or "").startswith("tf1.layers.")):
            return True
        node = parents.get(id(node))
    return False


def _in_loop_or_scope(node, parents, func) -> bool:
    current = parents.get(id(node))
    while current is not None and current is not func:
        if isinstance(current, _LOOPS) or isinstance(current, _SCOPES):
            return True
        current = parents.get(id(current))
    return False


def _usage(call: cst.Call, parent, parents, me: str):
    """How the construction is used: (statement, form, local name)."""
    if isinstance(parent, cst.Call) and parent.func is call:
        return None, "inline", None
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
        statement = parents.get(id(parent))
        if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 \
                and isinstance(parents.get(id(statement)), cst.IndentedBlock) \
                and isinstance(parents.get(id(parents.get(id(statement)))), cst.FunctionDef):
            target = parent.targets[0].target
            if isinstance(target, cst.Name):
                return statement, "bound", target.value
            attr = is_self_attribute(target, me)
            if attr is not None:
                return statement, "self", attr
    return None, None, None


def _only_bound_once(func: cst.FunctionDef, nodes: list[cst.CSTNode], name: str) -> bool:
    count = 0
    for node in nodes:
        if isinstance(node, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor, cst.AsName,
                             cst.NamedExpr)):
            target = getattr(node, "target", None) or getattr(node, "name", None)
            if target is not None and any(isinstance(n, cst.Name) and n.value == name for n in walk(target)):
                count += 1
    params = {p.name.value for p in func.params.params}
    return count == 1 and name not in params


def _is_load(node: cst.Name, parents) -> bool:
    parent = parents.get(id(node))
    if isinstance(parent, cst.Attribute) and parent.attr is node:
        return False
    if isinstance(parent, cst.Arg) and parent.keyword is node:
        return False
    if isinstance(parent, (cst.Param, cst.FunctionDef, cst.ClassDef, cst.ImportAlias, cst.AsName)):
        return False
    if isinstance(parent, cst.AssignTarget) and parent.target is node:
        return False
    return True


def _local_names(func: cst.FunctionDef, nodes: list[cst.CSTNode]) -> set[str]:
    names = {p.name.value for p in func.params.params} | {p.name.value for p in func.params.kwonly_params}
    for extra in (func.params.star_arg, func.params.star_kwarg):
        if isinstance(extra, cst.Param):
            names.add(extra.name.value)
    for node in nodes:
        if isinstance(node, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor, cst.NamedExpr)):
            target = node.target
            names.update(n.value for n in walk(target) if isinstance(n, cst.Name))
        elif isinstance(node, cst.AsName):
            names.update(n.value for n in walk(node.name) if isinstance(n, cst.Name))
    params = func.params.params
    return names - ({params[0].name.value} if params else set())


def _first_input(func: cst.FunctionDef) -> str | None:
    params = func.params.params
    return params[1].name.value if len(params) > 1 else None


def _is_shape_access(node: cst.Name, parents) -> bool:
    """`x.shape[...]`: the input's static shape, which `build` receives too."""
    attribute = parents.get(id(node))
    subscript = parents.get(id(attribute))
    return (isinstance(attribute, cst.Attribute) and attribute.attr.value == "shape"
            and isinstance(subscript, cst.Subscript) and subscript.value is attribute)


def _shape_to_build(value: cst.BaseExpression, func: cst.FunctionDef, build_param: str) -> cst.BaseExpression:
    """`x.shape[...]` -> `input_shape[...]` for a construction moved into build."""
    first = _first_input(func)

    class _Shapes(cst.CSTTransformer):
        def leave_Attribute(self, original_node, updated_node):
            if (isinstance(updated_node.value, cst.Name) and updated_node.value.value == first
                    and updated_node.attr.value == "shape"):
                return cst.Name(build_param)
            return updated_node

    return value.visit(_Shapes())


def _literal_name(call: cst.Call) -> str | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "name" and isinstance(arg.value, cst.SimpleString):
            text = arg.value.evaluated_value
            if isinstance(text, str) and text.isidentifier():
                return text
    return None


def _assigned_self_attrs(stmt: cst.CSTNode, me: str) -> set[str]:
    found = set()
    for node in walk(stmt):
        if isinstance(node, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign)):
            attr = is_self_attribute(node.target, me)
            if attr:
                found.add(attr)
    return found


def _calls_super_init(stmt: cst.CSTNode) -> bool:
    for node in walk(stmt):
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "__init__":
            return True
    return False


def _is_docstring(stmt: cst.CSTNode) -> bool:
    return (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1
            and isinstance(stmt.body[0], cst.Expr) and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))
