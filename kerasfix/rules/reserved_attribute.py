"""KF402: an assignment to a Keras property that has no setter (`self.layers = [...]`)."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from .. import keras_api as api
from ..chain import keras_layer_bases
from ..edits import Fix, Replace, Safety
from ..triggers import Trigger
from .base import (Context, Finding, FixAvailability, KerasClass, Rule, RuleFamily, RuleSafety, free_name,
                   is_self_attribute, self_name, source)

DOC = """\
## What it does
Finds `self.<name> = ...` in a Keras layer or model where `<name>` is a Keras property with
no setter: `weights`, `variables`, `trainable_weights`, `losses`, `metrics`, `input`,
`output`, `dtype` on both lines, `layers` in a `Model`, `name`, `input_shape`, `updates` and
more on tf_keras (the full list, measured on both lines, is `READ_ONLY_ATTRIBUTES` in
`keras_api.py`). An attribute that holds the class's own things (`layers`, `weights`,
`input`, ...) is renamed everywhere in the class (`self.layers` becomes `self.sublayers`).

## Why is this bad?
The assignment raises `AttributeError` (Keras 3: "`Model.layers` attribute is reserved";
tf_keras: "can't set attribute"), so the class cannot even be built. Code written for
TF 1.x-era Keras, or ported from a plain class, used these names freely.

## Example
```python
class Tower(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.layers = [tf.keras.layers.Dense(4), tf.keras.layers.Dense(2)]

    def call(self, x):
        for layer in self.layers:
            x = layer(x)
        return x
```

## Use instead
```python
class Tower(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.sublayers = [tf.keras.layers.Dense(4), tf.keras.layers.Dense(2)]

    def call(self, x):
        for layer in self.sublayers:
            x = layer(x)
        return x
```

A subclass of a Keras layer whose weight Keras 3 exposes as a property with no setter
(`kernel` of `Dense`, `EinsumDense`, `Conv1D`/`2D`/`3D`; `embeddings` of `Embedding`:
`BUILTIN_READ_ONLY_WEIGHTS` in `keras_api.py`, measured) that assigns it is reported too.
`self.kernel = fake_quant(self.kernel)` in `call` (a quantizing `Dense`, issue 17 §4c) raises
AttributeError on Keras 3; on tf_keras the tensor replaces the variable, which drops out of
`weights` (2 weights become 1: the kernel is never trained nor saved) and every call quantizes
the last result again (measured). The way out is a local: `kernel = fake_quant(self.kernel)`,
used in the layer's own computation (`tf.matmul(inputs, kernel)`, the bias, the activation)
in place of `super().call(inputs)`, which keeps both weights on both lines (measured). In
`build` or `__init__` (`self.kernel = self.add_weight(...)`) it raises on Keras 3 only. Both
are reported, never fixed: the computation must be written by a person.

## Fix safety
The rename touches every `self.<name>` of the class. It is safe when no class of the tree (in
any file kerasfix indexes: the package around the files it is given) that derives from this
one, at any depth, uses `self.<name>`; unsafe otherwise, and the message names the subclass,
because that subclass would then read (or set) Keras's own property instead, and must be
renamed by hand too. A subclass whose names the scan could not record counts as one that
uses it. Code outside the class hierarchy that reads the attribute of an instance
(`tower.layers`) is not looked for: it then reads Keras's own property. Keras's own settings
(`name`, `dtype`, `dtype_policy`, ...) are reported, not renamed: pass them to
`super().__init__(name=..., dtype=...)`. A class that defines the name itself (its own
property with a setter) is not reported.
"""

KF402 = Rule(
    code="KF402",
    name="read-only-keras-attribute",
    summary="an assignment to a read-only Keras property (`self.layers = ...`, `self.weights = ...`)",
    finds=(
        "`self.layers = [...]` in a Model, `self.weights = ...`, any Keras property with no setter "
        "(AttributeError), `self.kernel = ...` in a `Dense`/`Conv2D`/`Embedding` subclass"
    ),
    fixed_by=(
        "renamed in the class (`self.sublayers`), safe when no subclass in any file uses the name; Keras's own "
        "settings (`name`, `dtype`) and built-in weights (`kernel`) reported"
    ),
    fix=FixAvailability.SOMETIMES,
    safety=RuleSafety.DEPENDS,
    safety_reason="safe when no subclass uses the name, else unsafe",
    doc=DOC,
    trigger=Trigger(reserved_assign=True),
    help=("rename your attribute (`self.sublayers` for `self.layers`, `self.weight_list` for `self.weights`) "
          "wherever the class and its subclasses use it; a name goes to `super().__init__(name=...)`"),
)


class ReservedAttributes(RuleFamily):
    rules = (KF402,)

    def check(self, ctx: Context) -> Iterator[Finding]:
        for cls in ctx.keras_classes:
            model = ctx.index.is_model(cls.qualified)
            own = _defined_in_body(cls)
            first: dict[str, cst.Attribute] = {}
            for target in _assigned_self_attributes(cls):
                name = target.attr.value
                lines, models_only = api.READ_ONLY_ATTRIBUTES.get(name, ("", False))
                if lines and (model or not models_only) and name not in own and not _dead(cls, target):
                    first.setdefault(name, target)
            for name, target in first.items():
                yield _finding(ctx, cls, name, target)
            yield from _builtin_weights(ctx, cls, own)


def _builtin_weights(ctx: Context, cls: KerasClass, own: set[str]) -> Iterator[Finding]:
    """`self.kernel = ...` in a subclass of a Keras layer whose `kernel` Keras 3 makes a
    property with no setter (keras_api.BUILTIN_READ_ONLY_WEIGHTS): reported, once per name."""
    base = _keras_layer_base(ctx, cls)
    if base is None:
        return
    done: set[str] = set()
    for target in _assigned_self_attributes(cls):
        name = target.attr.value
        if base in api.BUILTIN_READ_ONLY_WEIGHTS.get(name, ()) and name not in own and name not in done:
            done.add(name)
            yield _builtin_finding(cls, base, name, target)


def _keras_layer_base(ctx: Context, cls: KerasClass) -> str | None:
    """The Keras layer class (its last name) the class derives from, through the project's
    bases in any file; None for a class outside Keras (`Layer` and `Model` have no such weight)."""
    bases = [ctx.resolve(b.value) or "" for b in cls.node.bases] + list(ctx.index.bases_of(cls.qualified))
    found = keras_layer_bases(ctx.index, bases, ctx.index.aliases)
    return found[0] if found else None


def _builtin_finding(cls: KerasClass, base: str, name: str, target: cst.Attribute) -> Finding:
    """In `call` (or what it runs): AttributeError on Keras 3; on tf_keras the tensor replaces
    the variable, which leaves `weights` (never trained nor saved) and each call transforms the
    last result (measured). Elsewhere (`build`): Keras 3 only. The way out is a local."""
    method = next(m for m, nodes in cls.method_nodes.items() if any(n is target for n in nodes))
    what = f"`self.{name} = ...` in a subclass of `{base}`: Keras 3 makes `{name}` a property with no setter " \
           "(AttributeError)"
    if method in cls.call_methods:
        value = _assigned_value(cls, target)
        code = source(value) if value is not None and len(source(value)) <= 60 else f"f(self.{name})"
        return Finding(KF402.code, target, (
            f"{what}; on tf_keras the tensor replaces the `{name}` variable, which drops out of `weights` (never "
            f"trained nor saved) and each call transforms the last result; compute with a local instead "
            f"(`{name} = {code}`) and use it in the layer's own computation in place of `super().call(...)`"),
            lines=api.LINE_CODES[api.BOTH_LINES])
    return Finding(KF402.code, target, f"{what}; tf_keras accepts it; keep the weight under a name of your own, "
                                       f"or leave `{name}` to `{base}.build`", lines=api.LINE_CODES[api.KERAS_3])


def _defined_in_body(cls: KerasClass) -> set[str]:
    """Names the class body itself defines: methods, properties, class attributes."""
    names = set(cls.methods)
    for statement in cls.node.body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                targets = small.targets if isinstance(small, cst.Assign) else (
                    [small] if isinstance(small, cst.AnnAssign) else [])
                names.update(t.target.value for t in targets if isinstance(t.target, cst.Name))
    return names


def _assigned_self_attributes(cls: KerasClass) -> Iterator[cst.Attribute]:
    """Every `self.<name>` that a statement of a method assigns, in source order."""
    for method, func in cls.methods.items():
        me = self_name(func)
        for node in cls.method_nodes[method]:
            if type(node) is cst.Assign:  # exact types: see syntax.of_kind
                targets = [t.target for t in node.targets]
            elif type(node) is cst.AnnAssign or type(node) is cst.AugAssign:
                targets = [node.target]
            else:
                continue
            for target in targets:
                elements = [e.value for e in target.elements] if isinstance(target, (cst.Tuple, cst.List)) else [target]
                yield from (e for e in elements if isinstance(e, cst.Attribute) and is_self_attribute(e, me))


def _dead(cls: KerasClass, target: cst.Attribute) -> bool:
    """`if self.name is None: self.name = ...`: Keras always sets `name`, `dtype` and
    `dtype_policy`, so the write never runs (measured on both lines)."""
    name = target.attr.value
    if name not in api.ALWAYS_SET_ATTRIBUTES:
        return False
    node = cls.parents.get(id(target))
    while node is not None and not isinstance(node, cst.FunctionDef):
        if isinstance(node, cst.If) and _is_none_test(node.test, name):
            return True
        node = cls.parents.get(id(node))
    return False


def _is_none_test(test: cst.BaseExpression, name: str) -> bool:
    return (isinstance(test, cst.Comparison) and len(test.comparisons) == 1
            and isinstance(test.comparisons[0].operator, cst.Is)
            and isinstance(test.comparisons[0].comparator, cst.Name)
            and test.comparisons[0].comparator.value == "None"
            and isinstance(test.left, cst.Attribute) and test.left.attr.value == name
            and isinstance(test.left.value, cst.Name) and test.left.value.value == "self")


def _assigned_value(cls: KerasClass, target: cst.Attribute) -> cst.BaseExpression | None:
    parent = cls.parents.get(id(target))
    if isinstance(parent, cst.AssignTarget):
        parent = cls.parents.get(id(parent))
    return parent.value if isinstance(parent, (cst.Assign, cst.AnnAssign)) else None


def _harmed(cls: KerasClass, name: str, target: cst.Attribute) -> tuple[str, frozenset[str]]:
    """Where the write does harm, in words and as target.py's lines. `self.name = None` works
    on Keras 3 but makes a layer a functional model then rejects (ValueError, measured)."""
    lines, _ = api.READ_ONLY_ATTRIBUTES[name]
    value = _assigned_value(cls, target)
    if name == "name" and isinstance(value, cst.Name) and value.value == "None":
        return "AttributeError on tf_keras; on Keras 3 a ValueError once the layer is used", api.LINE_CODES[
            api.BOTH_LINES]
    return f"AttributeError on {lines}", api.LINE_CODES[lines]


def _uses(cls: KerasClass, name: str) -> list[cst.Attribute]:
    found: list[cst.Attribute] = []
    for method, func in cls.methods.items():
        me = self_name(func)
        found.extend(node for node in cls.method_nodes[method]
                     if isinstance(node, cst.Attribute) and is_self_attribute(node, me) == name)
    return found


def _finding(ctx: Context, cls: KerasClass, name: str, target: cst.Attribute) -> Finding:
    harm, lines = _harmed(cls, name, target)
    what = f"`self.{name} = ...`: `{name}` is a read-only Keras property ({harm})"
    renamed = api.READ_ONLY_RENAMES.get(name)
    if renamed is None:
        return Finding(KF402.code, target, f"{what}; it is Keras's to set: pass it to "
                       f"`super().__init__({name}=...)` or keep your value under another name", lines=lines)
    new = free_name(renamed, cls.assigned_attributes | set(api.KERAS_RESERVED_ATTRIBUTES))
    users = _subclasses_using(ctx, cls, name)
    safety = Safety.UNSAFE if users else Safety.SAFE
    edits = tuple(Replace(use.attr, cst.Name(new)) for use in _uses(cls, name))
    why = f" (`{users[0]}` derives from this class and may use the old name)" if users else ""
    return Finding(KF402.code, target, f"{what}; keep yours as `self.{new}`{why}", Fix(edits, safety), lines=lines)


def _subclasses_using(ctx: Context, cls: KerasClass, name: str) -> list[str]:
    """The project's subclasses, in any file of the tree, that use `self.<name>` (or whose
    names the scan did not record): renaming in this class alone would leave them Keras's."""
    here = cls.qualified.rpartition(".")[0]
    return [sub.rpartition(".")[2] if sub.rpartition(".")[0] == here else sub
            for sub in ctx.index.subclasses(cls.qualified) if ctx.index.may_use(sub, name)]
