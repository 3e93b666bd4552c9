"""What the module's top-level functions make when they run (functions.py read them with the
module's imports): each layer built and each variable made, resolved, in the function where
it is written. Facts for KF206 (a function run from `call`) and KF112 (a `Lambda` layer's
function); the rules word the findings."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from .. import keras_api as api
from ..functions import FunctionFacts, reached
from ..records import FunctionRecord
from .base import Context, KerasClass

_VARIABLES = api.GET_VARIABLE | api.VARIABLE | api.BACKEND_VARIABLE
# models made of layers built elsewhere: no weight of their own
_CONTAINERS = frozenset({"keras.Model", "keras.Sequential", "keras.models.Model", "keras.models.Sequential"})


@dataclass(frozen=True)
class Made:
    """A layer built or a variable made by a module function, where it is written."""

    function: str  # the module's function whose body makes it
    written: str  # the call as written (`tf.keras.layers.Dense`)
    line: int  # its line in the file
    kind: str  # "layer", "TF1 layer" (`tf.layers.dense(...)`), "TF1 contrib layer", "RNN wrapper" or "variable"


def made_by(ctx: Context, name: str) -> list[Made]:
    """What running the module's function `name` makes (its own body's and the module's
    functions it calls'), in the order written; [] for a name that is no such function."""
    memo: dict[str, list[Made]] = ctx.memo("module-functions-made", dict)
    if name not in memo:
        functions = ctx.imports.functions
        memo[name] = [m for f in reached(functions, name) for m in _made_in(ctx, f, functions[f])]
    return memo[name]


def imported_function(ctx: Context, written: str) -> FunctionRecord | None:
    """The project's function, defined in another module, that a call's name (`helpers.ffn`,
    `ffn` imported `from pkg.helpers`, or `from pkg` whose `__init__` imports it from one of its
    modules: one hop) names, when it makes a layer or a variable; else None."""
    qualified = ctx.imports.qualify_dotted(written)
    if qualified is None or not ctx.index.functions:
        return None
    if qualified not in ctx.index.functions:  # `pkg.ffn`, re-exported by pkg/__init__.py
        qualified = ctx.index.aliases.get(qualified, qualified)
    record = ctx.index.functions.get(qualified)
    if record is None or qualified.rsplit(".", 1)[0] == ctx.imports.module_name:
        return None
    return record


def imported_made(ctx: Context, record: FunctionRecord) -> list[Made]:
    """What running another module's function makes, with the project's classes judged by the
    index now (a layer with weights)."""
    found = []
    for function, written, line, kind in record.made:
        if kind.startswith("class:"):
            qualified = kind[len("class:"):]
            kind = "layer" if ctx.index.is_layer(qualified) and not ctx.index.is_weightless(qualified) else ""
        if kind:
            found.append(Made(function, written, line, kind))
    return found


def what_is_made(made: list[Made] | tuple[Made, ...]) -> str:
    """"a layer", "2 variables", "layers and variables"."""
    kinds = sorted({"layer" if m.kind == "RNN wrapper" else m.kind.rsplit(" ", 1)[-1] for m in made})
    if all(m.kind == "RNN wrapper" for m in made):
        return "an RNN cell wrapper" if len(made) == 1 else f"{len(made)} RNN cell wrappers"
    if len(kinds) > 1:
        return "layers and variables"
    if all(m.kind.startswith("TF1 ") for m in made):
        return "a TF1 layer" if len(made) == 1 else f"{len(made)} TF1 layers"
    return f"a {kinds[0]}" if len(made) == 1 else f"{len(made)} {kinds[0]}s"


def where_made(made: list[Made] | tuple[Made, ...], name: str, of: str = "") -> str:
    """"`tf.keras.layers.Dense`, line 6, and 1 more": the first, where it is written (`of`:
    " of `pkg.helpers`", for another module's function)."""
    first = made[0]
    inside = "" if first.function == name else f" in `{first.function}`"
    more = f", and {len(made) - 1} more" if len(made) > 1 else ""
    return f"`{first.written}`, line {first.line}{of}{inside}{more}"


def _made_in(ctx: Context, name: str, facts: FunctionFacts) -> list[Made]:
    found = []
    for written, line in facts.makes:
        kind = _kind(ctx, written)
        if kind:
            found.append(Made(name, written, line, kind))
    return found


def _kind(ctx: Context, written: str) -> str:
    resolved = ctx.imports.resolve_dotted(written) or ""
    if resolved in _VARIABLES:
        return "variable"
    tf1 = api.TF1_LAYERS.get(resolved[len("tf1.layers."):]) if resolved.startswith("tf1.layers.") else None
    if tf1 is not None:  # `tf.layers.dense(...)`: builds a layer as it runs
        return "" if api.is_weightless_layer("keras.layers." + tf1.keras_class) else "TF1 layer"
    if api.tf1_contrib_layer(resolved):
        return "TF1 contrib layer"  # `tf.contrib.layers.layer_norm(...)`: gone in TF 2
    if resolved in _CONTAINERS:
        return ""  # `Model(inputs, outputs)`, `Sequential([...])`: the layers in them are counted where built
    if api.is_tf1_rnn_wrapper(resolved):
        return "RNN wrapper"  # `DropoutWrapper(cell)`: the weights are the wrapped cell's
    if ctx.index.is_layer_dotted(written, ctx.imports) and not api.is_weightless_layer(resolved):
        return "layer"
    return ""


def module_function(ctx: Context, expr: cst.BaseExpression, bound: set[str]) -> str | None:
    """The name of the module's top-level function `expr` names (a bare name the method does
    not bind itself, nor the module imports), or None."""
    if not isinstance(expr, cst.Name) or expr.value in bound:
        return None
    name = expr.value
    if name not in ctx.imports.functions or name in ctx.imports.bindings:
        return None
    return name


def bound_in(cls: KerasClass, method: str) -> set[str]:
    """The names a method binds itself: a call of one of them is no call of the module's function."""
    return bound_names(cls.methods[method].params, cls.method_nodes[method])


def bound_names(params: cst.Parameters | None, nodes: list[cst.CSTNode]) -> set[str]:
    """The names a scope binds (its parameters, assignments, `:=`, loops, imports, nested functions)."""
    names: set[str] = set()
    if params is not None:
        names.update(p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params))
        for extra in (params.star_arg, params.star_kwarg):
            if isinstance(extra, cst.Param):
                names.add(extra.name.value)
    for node in nodes:
        if isinstance(node, (cst.AssignTarget, cst.AnnAssign, cst.AugAssign, cst.NamedExpr)):
            names.update(n.value for n in _names_in(node.target))
        elif isinstance(node, (cst.For, cst.CompFor)):
            names.update(n.value for n in _names_in(node.target))
        elif isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            names.add(node.name.value)
        elif isinstance(node, cst.AsName):
            names.update(n.value for n in _names_in(node.name))
        elif isinstance(node, cst.ImportAlias) and node.asname is None:
            names.add(cst.Module(body=()).code_for_node(node.name).split(".")[0])
    return names


def _names_in(target: cst.BaseExpression | cst.CSTNode) -> list[cst.Name]:
    if isinstance(target, cst.Name):
        return [target]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in _names_in(e.value)]
    if isinstance(target, cst.StarredElement):
        return _names_in(target.value)
    return []
