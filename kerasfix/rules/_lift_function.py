"""Layers a private function of the module builds each time a Keras layer's `call` runs it
(KF206): the edits that build them once per call site in the layer's `__init__` and pass them
in, or why not. The function gains one parameter per layer it builds, in place of each
construction; each call site passes `self.<attr>`, built in `__init__` from what the site
passes (the analogue of `_lift_helper`'s plan for a private method of the class).

Conservative: every use of the function's name in the module is a call that a Keras layer's
`call` runs exactly once per call, and every layer it builds is written in its own body,
called at once or bound once, from its parameters and the module's names only."""

from __future__ import annotations

import keyword
from dataclasses import dataclass, field

import libcst as cst

from .. import keras_api as api
from ..edits import Edit, Remove, Replace
from ..syntax import is_load, source
from .base import Context, KerasClass, self_name, walk
from .calls import comments_in, keyword_arg, strip_comments
from ._lift import lift_plans
from ._lift_edits import place
from ._lift_helper import helper_sites, runs_once_per_call
from ._lift_plan import ClassLift, Placement
from ._lift_syntax import (builds_weightless, guards_to, inside_construction, local_names,
                           needs_parens_as_arg, only_bound_once, parent_map, parenthesized, snake_case, substitute,
                           usable_literal, usage, with_keyword_only)
from ._module_functions import bound_names, made_by

# what a function makes that no layer built in `__init__` replaces as it is
_NOT_MOVED = {"variable": "makes a variable", "TF1 layer": "builds a TF1 layer",
              "TF1 contrib layer": "calls a `tf.contrib` layer function",
              "RNN wrapper": "builds a TF1 RNN cell wrapper"}
_NESTED = (cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp, cst.FunctionDef, cst.ClassDef)


@dataclass(frozen=True)
class Site:
    """A call of the function that KF206 reports, in a method of a Keras class."""

    cls: KerasClass
    method: str
    call: cst.Call


@dataclass
class _Layer:
    """One construction the function makes: it becomes the parameter `param`."""

    node: cst.Call
    form: str  # "inline" (`Dense(u)(x)`) or "bound" (`d = Dense(u)`)
    statement: cst.SimpleStatementLine | None
    param: str = ""
    # id of a Name it reads -> the parameter it is, and whether it is a whole argument
    reads: dict[int, tuple[str, bool]] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)  # the module's names it reads


def function_fix(ctx: Context, name: str, sites: list[Site]) -> tuple[Edit, ...] | str:
    """The edits of the fix, or why there is none (a phrase for the message)."""
    made = made_by(ctx, name)
    kinds = {m.kind for m in made}
    for kind, why in _NOT_MOVED.items():
        if kind in kinds:
            return f"`{name}` {why}"
    others = sorted({m.function for m in made if m.function != name})
    if others:
        return f"`{name}` builds them in `{others[0]}`, a function it calls"
    func = _definition(ctx.module, name)
    if isinstance(func, str):
        return func
    shape = _shape(func) or _uses(ctx, func, sites)
    if shape:
        return shape
    layers = _layers(ctx, func)
    if isinstance(layers, str):
        return layers
    return _edits(ctx, func, layers, sites)


def _definition(module: cst.Module, name: str) -> cst.FunctionDef | str:
    found = [s for s in module.body if isinstance(s, cst.FunctionDef) and s.name.value == name]
    if not found:
        return f"`{name}` is not defined by a plain `def` at the top of the module"
    if len(found) > 1:
        return f"`{name}` is defined more than once"
    return found[0]


def _shape(func: cst.FunctionDef) -> str:
    """Why the function's own shape keeps it from changing (else "")."""
    name = func.name.value
    if func.decorators:
        return f"`{name}` is decorated"
    if func.asynchronous is not None:
        return f"`{name}` is a coroutine"
    for node in _own_nodes(func):
        if isinstance(node, (cst.Yield, cst.Await)):
            return f"`{name}` is a generator" if isinstance(node, cst.Yield) else f"`{name}` is a coroutine"
        if isinstance(node, (cst.Global, cst.Nonlocal)):
            return f"`{name}` declares a `global`"
    return ""


def _own_nodes(func: cst.FunctionDef) -> list[cst.CSTNode]:
    """The nodes of the function's body, not those of a function, lambda or class nested in it."""
    found: list[cst.CSTNode] = []
    todo: list[cst.CSTNode] = [func.body]
    while todo:
        node = todo.pop()
        found.append(node)
        if not isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            todo.extend(reversed(node.children))
    return found


class _Uses(cst.CSTVisitor):
    """The names `name` read or bound, not as an attribute (`x._ffn`) or a keyword (`f(_ffn=1)`)."""

    def __init__(self, name: str):
        self.name = name
        self.found: list[cst.Name] = []

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name:
            self.found.append(node)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False


def _uses(ctx: Context, func: cst.FunctionDef, sites: list[Site]) -> str:
    """Why some use of the function's name is not a reported call of a Keras layer (else "")."""
    name = func.name.value
    reported = {id(site.call.func) for site in sites}
    classes = {id(cls.node): cls for cls in ctx.keras_classes}
    for statement in ctx.module.body:
        uses = _Uses(name)
        if statement is func:
            for part in (func.params, func.body, func.returns):
                if part is not None:
                    part.visit(uses)
            if uses.found:
                return f"`{name}` refers to itself"
            continue
        statement.visit(uses)
        if statement is not func and isinstance(statement, cst.ClassDef) and id(statement) in classes:
            cls = classes[id(statement)]
            stray = [n for n in uses.found if id(n) not in reported]
            if stray:
                return _stray(cls, stray[0], name)
        elif uses.found:
            where = "at module level"
            if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                kind = "function" if isinstance(statement, cst.FunctionDef) else "class"
                where = f"in the {kind} `{statement.name.value}`"
            return f"`{name}` is also used {where}"
    return ""


def _stray(cls: KerasClass, use: cst.Name, name: str) -> str:
    parent = cls.parents.get(id(use))
    method = parent
    while method is not None and not (isinstance(method, cst.FunctionDef) and cls.methods.get(method.name.value)
                                      is method):
        method = cls.parents.get(id(method))
    where = f"`{cls.node.name.value}.{method.name.value}`" if isinstance(method, cst.FunctionDef) else \
        f"the body of `{cls.node.name.value}`"
    if isinstance(parent, cst.Call) and parent.func is use:
        return f"`{name}` is also called in {where}, not once on every call"
    return f"`{name}` is also used as a value in {where}"


def _enclosure(node: cst.CSTNode, parents: dict[int, cst.CSTNode], stop: cst.CSTNode) -> str:
    """"in a loop", "in a nested function", "under a condition" (the innermost), or ""."""
    if guards_to(node, parents, stop) is None:
        return "on some paths only"
    current = parents.get(id(node))
    while current is not None and current is not stop:
        if isinstance(current, (cst.For, cst.While, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
            return "in a loop"
        if isinstance(current, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return "in a nested function"
        if isinstance(current, (cst.If, cst.IfExp)):
            return "under a condition"
        current = parents.get(id(current))
    return ""


def _layers(ctx: Context, func: cst.FunctionDef) -> list[_Layer] | str:
    """The layers the function builds, each called at once or bound once, in its body (no
    loop, no condition, no nested scope), from its parameters and the module's names."""
    name = func.name.value
    parents = parent_map(func)
    nodes = list(walk(func.body))
    params = _params(func)
    bound = bound_names(func.params, nodes)
    rebound = bound_names(None, nodes)  # what the body binds, parameters bound again included
    param_names = bound_names(func.params, [])
    layers: list[_Layer] = []
    for node in nodes:
        if not (isinstance(node, cst.Call) and ctx.is_layer_class(node.func)) or builds_weightless(ctx, node.func) \
                or inside_construction(node, parents, ctx):
            continue
        if (ctx.resolve(node.func) or "") in api.TF1_RNN_CELL_CLASSES:
            return f"`{name}` builds a TF1 RNN cell (`{source(node.func)}`), which Keras 3 lacks"
        enclosed = _enclosure(node, parents, func)
        if enclosed:
            return f"`{name}` builds a layer {enclosed}"
        statement, form, local = usage(node, parents.get(id(node)), parents, "")
        if form not in ("inline", "bound") or (form == "bound" and (
                not only_bound_once(func, nodes, local) or local in param_names)):
            return f"`{name}` keeps a layer it builds other than calling it at once or binding it once"
        if comments_in(node):
            return f"`{name}` has a comment inside a layer's construction"
        layer = _Layer(node, form, statement)
        for read in walk(node):
            if isinstance(read, _NESTED):
                return f"an argument of a layer `{name}` builds defines its own names"
            if not isinstance(read, cst.Name) or not is_load(read, parents):
                continue
            if read.value in params:
                if read.value in rebound:
                    return f"`{name}` changes its parameter `{read.value}` before building a layer"
                layer.reads[id(read)] = (read.value, isinstance(parents.get(id(read)), cst.Arg))
            elif read.value in bound:
                return f"a layer `{name}` builds reads `{read.value}`, computed in `{name}`"
            else:
                layer.globals.add(read.value)
        layers.append(layer)
    return layers or f"`{name}` builds no layer in its own body"


def _params(func: cst.FunctionDef) -> dict[str, cst.Param]:
    p = func.params
    return {param.name.value: param for param in (*p.posonly_params, *p.params, *p.kwonly_params)}


def _edits(ctx: Context, func: cst.FunctionDef, layers: list[_Layer], sites: list[Site]) -> tuple[Edit, ...] | str:
    """The function's new parameters and constructions, and each site's `__init__` lines and
    arguments."""
    _name_params(func, layers)
    positional = _positional(func, sites)
    edits: list[Edit] = [Replace(func.params, _new_params(func.params, [layer.param for layer in layers], positional))]
    for layer in layers:
        if layer.form == "bound" and layer.param == _local(layer):
            assert layer.statement is not None  # a bound layer has its statement
            edits.append(Remove(layer.statement))
        else:
            edits.append(Replace(layer.node, cst.Name(layer.param)))
    for site in sorted(sites, key=lambda s: (s.cls.node.name.value, s.method)):
        lift = _class_lift(ctx, site.cls)
        moved = _site_edits(lift, func, layers, site, positional)
        if isinstance(moved, str):
            return moved
        edits.extend(moved)
    return tuple(edits)


def _local(layer: _Layer) -> str:
    statement = layer.statement
    if statement is None or comments_in(statement):
        return ""
    assignment = statement.body[0]
    assert isinstance(assignment, cst.Assign)  # what `usage` found: `name = Layer(...)`
    target = assignment.targets[0].target
    return target.value if isinstance(target, cst.Name) else ""


def _name_params(func: cst.FunctionDef, layers: list[_Layer]) -> None:
    """One new parameter per layer: a bound one takes its local's name (the binding goes), an
    inline one the layer's `name=` or class, numbered past every name the function uses."""
    used = {n.value for n in walk(func) if isinstance(n, cst.Name)}
    chosen: set[str] = set()
    for layer in layers:
        local = _local(layer) if layer.form == "bound" else ""
        if local:
            layer.param = local
        else:
            preferred = usable_literal(layer.node) or snake_case(source(layer.node.func).rsplit(".", 1)[-1])
            candidate, number = preferred, 0
            while candidate in used or candidate in chosen or keyword.iskeyword(candidate):
                number += 1
                candidate = f"{preferred}_{number}"
            layer.param = candidate
        chosen.add(layer.param)


def _positional(func: cst.FunctionDef, sites: list[Site]) -> bool:
    """The new parameters go last, positional, when the function has only plain parameters
    without defaults and every site passes each of them by position; else keyword-only."""
    p = func.params
    plain = [*p.posonly_params, *p.params]
    if p.star_arg != cst.MaybeSentinel.DEFAULT or p.kwonly_params or p.star_kwarg is not None or any(
            param.default is not None for param in plain):
        return False
    return all(len(site.call.args) == len(plain) and not any(a.keyword or a.star for a in site.call.args)
               for site in sites)


def _new_params(params: cst.Parameters, names: list[str], positional: bool) -> cst.Parameters:
    if positional:
        return params.with_changes(params=_appended(list(params.params), [cst.Param(cst.Name(n)) for n in names]))
    for name in names:
        params = with_keyword_only(params, name)
    return params


def _with_args(call: cst.Call, args: list[tuple[str, cst.BaseExpression]], positional: bool) -> cst.Call:
    new = [cst.Arg(value) if positional else keyword_arg(name, value) for name, value in args]
    return call.with_changes(args=_appended(list(call.args), new))


_SPACE = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _appended(old: list, new: list) -> list:
    """`new` (parameters or arguments) after `old`, separated as `old` is; a trailing comma
    stays last (`f(\n    x,\n)` gets `    dense,` before its `)`)."""
    if not old:
        return new
    last = old[-1]
    between = old[-2].comma if len(old) > 1 and isinstance(old[-2].comma, cst.Comma) else _SPACE
    if comments_in(between):
        between = _SPACE  # a comment is never copied
    trailing = last.comma if isinstance(last.comma, cst.Comma) else cst.MaybeSentinel.DEFAULT
    new = [item.with_changes(comma=between) for item in new[:-1]] + [new[-1].with_changes(comma=trailing)]
    return [*old[:-1], last.with_changes(comma=between), *new]


def _class_lift(ctx: Context, cls: KerasClass) -> ClassLift:
    """The class's lifter, the one the lift plans allocated their names with (if any)."""
    lifts: dict[int, ClassLift] = ctx.memo("lift-function-classes", dict)
    if id(cls) not in lifts:
        lift = next((plan.lift for plan in lift_plans(ctx) if plan.lift.cls is cls), None) or ClassLift(ctx, cls)
        lift.taken |= set(cls.methods)
        lifts[id(cls)] = lift
    return lifts[id(cls)]


def _bind(func: cst.FunctionDef, call: cst.Call) -> dict[str, tuple[cst.BaseExpression, bool]] | str:
    """What the call binds each parameter to: (the site's expression, True) or (the default
    value, False); or why the call cannot be read."""
    p = func.params
    plain = [*p.posonly_params, *p.params]
    if any(a.star for a in call.args):
        return "passes `*`/`**` arguments"
    given = [a.value for a in call.args if a.keyword is None]
    named = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    values: dict[str, tuple[cst.BaseExpression, bool]] = {}
    for index, param in enumerate([*plain, *p.kwonly_params]):
        key = param.name.value
        if index < len(plain) and index < len(given):
            values[key] = (given[index], True)
        elif key in named and index >= len(p.posonly_params):  # `f(units=...)` never fills `units, /`
            values[key] = (named[key], True)
        elif param.default is not None:
            values[key] = (strip_comments(param.default), False)
    return values


def _site_edits(lift: ClassLift, func: cst.FunctionDef, layers: list[_Layer], site: Site,
                positional: bool) -> list[Edit] | str:
    """The lines building the site's layers once (in `__init__`, or in `build` when sized by
    `call`'s input), and the site passing them."""
    method = site.cls.methods[site.method]
    refused = _site_refusal(lift, func, layers, site)
    if refused:
        return refused
    values = _bind(func, site.call)
    assert not isinstance(values, str)  # _site_refusal read it
    planned = []
    for layer in layers:
        built = _built(lift, func, layer, site, values)
        if isinstance(built, str):
            return built
        planned.append(built)
    me, stem = self_name(method), func.name.value.strip("_") or "function"
    names = [lift.allocate(f"{stem}_{layer.param}") for layer in layers]
    # the site's lines in `__init__` stay together, after everything any of them reads
    attrs = {a for _, placement in planned if placement.where == "__init__" for a in placement.self_attrs}
    if lift.init_returns_early(attrs):
        return f"`{site.cls.node.name.value}.__init__` may return before the lines that would build them"
    edits: list[Edit] = [place(lift, Placement("__init__", self_attrs=attrs) if placement.where == "__init__"
                               else Placement("build"), attr, value, None)
                         for (value, placement), attr in zip(planned, names)]
    args: list[tuple[str, cst.BaseExpression]] = [
        (layer.param, cst.Attribute(value=cst.Name(me), attr=cst.Name(attr))) for layer, attr in zip(layers, names)]
    edits.append(Replace(site.call, lambda updated: _with_args(updated, args, positional)))
    return edits


def _site_refusal(lift: ClassLift, func: cst.FunctionDef, layers: list[_Layer], site: Site) -> str:
    """Why the site cannot pass layers built in `__init__` (else "")."""
    cls, name = site.cls, func.name.value
    method = cls.methods[site.method]
    where = f"`{cls.node.name.value}.{site.method}`"
    if not runs_once_per_call(lift, method):
        known = helper_sites(lift, method)
        count = known if isinstance(known, str) else f"`call` calls it {len(known)} times"
        return f"{where} does not run exactly once per call ({count})"
    enclosed = _enclosure(site.call, cls.parents, method)
    if enclosed:
        return f"{where} calls `{name}` {enclosed}"
    values = _bind(func, site.call)
    if isinstance(values, str):
        return f"{where} {values} to `{name}`"
    missing = sorted({param for layer in layers for param, _ in layer.reads.values() if param not in values})
    if missing:
        return f"{where} calls `{name}` without `{missing[0]}`"
    if lift.init is not None and not isinstance(lift.init.body, cst.IndentedBlock):
        return f"`{cls.node.name.value}.__init__` is written on one line"
    hidden = _hidden_in_init(lift, layers)
    if hidden:
        return f"{hidden}, a name a layer of `{name}` reads"
    return ""


_Values = dict[str, tuple[cst.BaseExpression, bool]]  # a parameter -> (its value, passed by the site)


def _built(lift: ClassLift, func: cst.FunctionDef, layer: _Layer, site: Site,
           values: _Values) -> tuple[cst.BaseExpression, Placement] | str:
    """The layer's construction with what the site passes in place of the parameters it
    reads, as `__init__` (or `build`) spells it, and where it goes; or why it cannot move."""
    method = site.cls.methods[site.method]
    me, where, name = self_name(method), f"`{site.cls.node.name.value}.{site.method}`", func.name.value
    inlined: dict[int, cst.BaseExpression] = {}
    foreign = set(layer.globals)  # names the function reads, which must mean the same in the class
    for read, (param, whole) in layer.reads.items():
        value, from_site = values[param]
        if from_site:
            called = _method_called(value, me)
            if called:
                return f"{where} passes the result of `{me}.{called}(...)`, which `__init__` may call too early"
        else:
            read_names = {n.value for n in walk(value) if isinstance(n, cst.Name)}
            later = sorted(read_names & _set_after(lift.ctx.module, func))
            if later:  # the default holds the value at `def` time; `__init__` would read the new one
                return f"the default of `{param}` reads `{later[0]}`, which the module sets again after `def {name}`"
            foreign |= read_names
        inlined[read] = value if whole and not needs_parens_as_arg(value) else parenthesized(value)
    shadowed = sorted(foreign & local_names(method, site.cls.method_nodes[site.method]))
    if shadowed:
        return f"{where} binds `{shadowed[0]}`, a name a layer of `{name}` reads"
    construction = substitute(layer.node, inlined)
    assert isinstance(construction, cst.Call)  # names are replaced inside it, the call stays
    placement = lift.placement(method, [a.value for a in construction.args])
    if placement.where == "build" and site.method != "call":  # `build` gets `call`'s input only
        placement = Placement("", f"it reads the shape of `{site.method}`'s argument")
    if not placement.where:
        return f"{where} passes to `{name}` what `__init__` cannot compute ({placement.reason})"
    return strip_comments(lift.moved(method, placement, construction)), placement


def _set_after(module: cst.Module, func: cst.FunctionDef) -> set[str]:
    """The module-level names a statement after the function's `def` binds, or that any
    function declares `global`."""
    names = {n.value for g in walk(module) if isinstance(g, cst.Global) for n in (i.name for i in g.names)}
    for statement in module.body[module.body.index(func) + 1:]:
        nodes: list[cst.CSTNode] = []
        todo: list[cst.CSTNode] = [statement]
        while todo:  # the statement's own bindings, not those of a function or class body
            node = todo.pop()
            nodes.append(node)
            if not isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                todo.extend(node.children)
        names |= bound_names(None, nodes)
    return names


def _method_called(value: cst.BaseExpression, me: str) -> str:
    """A method of the instance the expression calls (`self.units_for(...)`): run in `__init__`,
    it may read what is set later."""
    for node in walk(value):
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            target = node.func.value
            if isinstance(target, cst.Name) and target.value == me:
                return node.func.attr.value
    return ""


def _hidden_in_init(lift: ClassLift, layers: list[_Layer]) -> str:
    """"`Block.__init__` binds `WIDTH`" when `__init__` (or `build`) binds itself (a parameter,
    a local) a module-level name a layer reads; else ""."""
    for method in (lift.init, lift.build):
        if method is None:
            continue
        bound = local_names(method, lift.cls.method_nodes[method.name.value])
        hidden = next((n for layer in layers for n in sorted(layer.globals) if n in bound), "")
        if hidden:
            return f"`{lift.cls.node.name.value}.{method.name.value}` binds `{hidden}`"
    return ""
