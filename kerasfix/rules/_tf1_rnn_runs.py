"""TF1's `dynamic_rnn` / `static_rnn` running a TF1 cell that a Keras class keeps in `__init__`:
the Keras `RNN` layer that computes what the TF1 call returned (KF204's fix), or why not.

Measured on TF 2.21 (both lines for the Keras side, tf_keras for the TF1 side, weights copied
across): `dynamic_rnn(cell, x)` is `RNN(cell, return_sequences=True, return_state=True)(x)`
(outputs and state agree to 1e-7); `static_rnn(cell, xs)` is `tf.unstack(RNN(cell,
return_sequences=True, unroll=True)(tf.stack(xs, axis=1)), axis=1)`; with `sequence_length=L`
both are `RNN(..., zero_output_for_mask=True)(x, mask=tf.sequence_mask(L, maxlen=T))` (the
outputs past each length are zeros, the state is the last valid step's). The last output of a
GRU or basic RNN is its state, so a call whose outputs are not read needs no `return_state`.
"""

from __future__ import annotations

import tokenize
from dataclasses import dataclass

import libcst as cst

from .. import keras_api as api
from ..lines import comments
from ..names import canonical
from .base import Context, KerasClass, free_name, is_self_attribute, self_name, source
from ..syntax import is_load
from .calls import Bound, bind


@dataclass(frozen=True)
class RnnRun:
    """The TF1 call running the cell, and how it becomes a Keras `RNN` (or why it cannot)."""

    kind: str  # "dynamic_rnn" / "static_rnn"
    problem: str  # why it is not rewritten ("" when it is)
    rnn_statement: cst.SimpleStatementLine | None = None  # `self.<rnn> = RNN(self.<cell>, ...)`
    target: cst.CSTNode | None = None  # what `replacement` replaces at the call site
    replacement: cst.CSTNode | None = None


def tf1_rnn_run(ctx: Context, cls: KerasClass, attr: str, cell: str) -> RnnRun | None:
    """The one TF1 RNN call of the class that runs `self.<attr>` (its only use), or None."""
    uses = [(method, node) for method, func in cls.methods.items() for node in cls.method_nodes[method]
            if type(node) is cst.Attribute and is_self_attribute(node, self_name(func)) == attr
            and not isinstance(cls.parents.get(id(node)), cst.AssignTarget)]
    runs = [(method, node, call) for method, node in uses if (call := _run_of(ctx, cls, node)) is not None]
    if not runs:
        return None
    method, _, call = runs[0]
    kind = api.TF1_RNN_RUNS[canonical(ctx.resolve(call.func) or "")]
    if len(runs) > 1:
        return RnnRun(kind, f"{len(runs)} TF1 calls run the cell")
    if len(uses) > 1:
        return RnnRun(kind, "the class uses the cell elsewhere too")
    return _converted(ctx, cls, method, call, kind, attr, cell)


def local_run(ctx: Context, cls: KerasClass, cell: cst.Call) -> str | None:
    """The TF1 RNN call that runs a cell built where it runs (`dynamic_rnn(LSTMCell(4), x)`, or
    through a local name bound to it), if any: its name."""
    run = _run_of(ctx, cls, cell)
    assign = cls.parents.get(id(cell))
    if run is None and isinstance(assign, cst.Assign) and len(assign.targets) == 1:
        local = assign.targets[0].target
        method = next((m for m, nodes in cls.method_nodes.items() if any(n is cell for n in nodes)), None)
        if isinstance(local, cst.Name) and method is not None:
            run = next((found for n in cls.method_nodes[method] if type(n) is cst.Name and n.value == local.value
                        and (found := _run_of(ctx, cls, n)) is not None), None)
    return api.TF1_RNN_RUNS[canonical(ctx.resolve(run.func) or "")] if run is not None else None


def _run_of(ctx: Context, cls: KerasClass, node: cst.CSTNode) -> cst.Call | None:
    """The TF1 RNN call whose cell `node` is, if it is one."""
    arg = cls.parents.get(id(node))
    call = cls.parents.get(id(arg))
    if not (isinstance(arg, cst.Arg) and isinstance(call, cst.Call)):
        return None
    if canonical(ctx.resolve(call.func) or "") not in api.TF1_RNN_RUNS:
        return None
    first = bool(call.args) and call.args[0] is arg and arg.keyword is None
    return call if first or (arg.keyword is not None and arg.keyword.value == "cell") else None


def _converted(ctx: Context, cls: KerasClass, method: str, call: cst.Call, kind: str, attr: str,
               cell: str) -> RnnRun:
    bound = bind(call, api.TF1_RNN_RUN_PARAMS[kind])
    if bound is None or bound.unknown:
        return RnnRun(kind, "its arguments cannot be read")
    passed = {name for name in api.TF1_RNN_RUN_UNMAPPED
              if bound.value(name) is not None and not _is_default(bound.value(name))}
    if cell not in api.TF1_RNN_TUPLE_STATES:
        passed.discard("initial_state")  # one tensor: Keras's `initial_state=`
    problem = next((api.TF1_RNN_RUN_UNMAPPED[name] for name in api.TF1_RNN_RUN_UNMAPPED if name in passed), "")
    tf = _tf_name(ctx)
    if problem or tf is None:
        return RnnRun(kind, problem or "the module has no `tf` to spell `tf.sequence_mask` and `tf.stack` with")
    reads = _reads(cls, method, call)
    if reads is None:
        return RnnRun(kind, "its result is not unpacked as `outputs, state = ...` nor indexed by 0 or 1")
    target, outputs_read, state_read = reads
    if state_read and cell in api.TF1_RNN_TUPLE_STATES:
        return RnnRun(kind, f"the state is read, and `{cell}`'s is TF1's `LSTMStateTuple(c, h)` where the Keras "
                            "cell returns `h, c` apart")
    if kind == "static_rnn" and outputs_read and state_read:
        return RnnRun(kind, "both the list of outputs and the state are read")
    rnn = free_name(f"{attr}_rnn", cls.assigned_attributes)
    site = _call_site(tf, target, f"{self_name(cls.methods[method])}.{rnn}", kind, bound,
                      (outputs_read, state_read), _params(cls, method))
    if not _same_comments(*site):
        return RnnRun(kind, "a comment inside the call would be lost with the arguments a Keras `RNN` drops")
    return RnnRun(kind, "", _rnn_statement(ctx, attr, rnn, kind, bound.value("sequence_length"),
                                           outputs_read, state_read), *site)


def _same_comments(old: cst.CSTNode, new: cst.CSTNode) -> bool:
    try:
        return comments(source(old)) == comments(source(new))
    except (tokenize.TokenError, SyntaxError):  # what the tokenizer cannot read is left to a person
        return False


def _params(cls: KerasClass, method: str) -> set[str]:
    params = cls.methods[method].params
    return {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}


def _is_default(value: cst.BaseExpression | None) -> bool:
    return isinstance(value, cst.Name) and value.value in ("None", "False")


def _tf_name(ctx: Context) -> str | None:
    names = [local for local, target in ctx.imports.module_bindings().items() if canonical(target) == "tf"]
    return "tf" if "tf" in names else (names[0] if names else None)


def _reads(cls: KerasClass, method: str, call: cst.Call) -> tuple[cst.CSTNode, bool, bool] | None:
    """What replaces the call (it, its `[i]`, or the assignment unpacking it), and whether the
    outputs and the state are read."""
    parent = cls.parents.get(id(call))
    if isinstance(parent, cst.SubscriptElement):
        parent = cls.parents.get(id(parent))
    if isinstance(parent, cst.Subscript) and parent.value is call and len(parent.slice) == 1:
        index = parent.slice[0].slice
        if isinstance(index, cst.Index) and isinstance(index.value, cst.Integer) and index.value.value in "01":
            return parent, index.value.value == "0", index.value.value == "1"
        return None
    if not (isinstance(parent, cst.Assign) and len(parent.targets) == 1 and parent.value is call):
        return None
    names = parent.targets[0].target
    if not (isinstance(names, (cst.Tuple, cst.List)) and len(names.elements) == 2
            and all(isinstance(e.value, cst.Name) for e in names.elements)):
        return None
    outputs, state = (e.value.value for e in names.elements)  # type: ignore[attr-defined]  # Names, above
    read = {n.value for n in cls.method_nodes[method] if type(n) is cst.Name and n.value in (outputs, state)
            and _is_read(n, cls.parents)}
    return parent, outputs in read or state not in read, state in read


def _is_read(name: cst.Name, parents: dict[int, cst.CSTNode]) -> bool:
    """Read, not bound: `is_load`, and not an element of an unpacking target (`a, _ = ...`)."""
    node: cst.CSTNode = name
    parent = parents.get(id(node))
    while isinstance(parent, (cst.Element, cst.Tuple, cst.List, cst.StarredElement)):
        node, parent = parent, parents.get(id(parent))
    if node is not name and (isinstance(parent, (cst.AssignTarget, cst.For, cst.CompFor))
                             and parent.target is node):
        return False
    return is_load(name, parents)


def _rnn_statement(ctx: Context, attr: str, rnn: str, kind: str, lengths: cst.BaseExpression | None,
                   outputs_read: bool, state_read: bool) -> cst.SimpleStatementLine:
    options = [("return_sequences", outputs_read), ("return_state", outputs_read and state_read),
               ("unroll", kind == "static_rnn"), ("zero_output_for_mask", lengths is not None)]
    keywords = "".join(f", {name}=True" for name, on in options if on)
    spelled = ctx.imports.spell_keras("layers.RNN")
    return cst.parse_statement(f"self.{rnn} = {spelled}(self.{attr}{keywords})")  # type: ignore[return-value]


def _call_site(tf: str, target: cst.CSTNode, rnn: str, kind: str, bound: Bound, reads: tuple[bool, bool],
               params: set[str]) -> tuple[cst.CSTNode, cst.CSTNode]:
    outputs_read, state_read = reads
    code = cst.Module([]).code_for_node
    inputs, lengths, state = bound.value("inputs"), bound.value("sequence_length"), bound.value("initial_state")
    assert inputs is not None  # bind() gave no unknowns and the call ran: `inputs` is there
    sequence = f"{tf}.stack({code(inputs)}, axis=1)" if kind == "static_rnn" else code(inputs)
    steps = f"len({code(inputs)})" if kind == "static_rnn" else f"{tf}.shape({code(inputs)})[1]"
    mask = ""
    if lengths is not None:  # a parameter may hold None (TF1: every step), which `sequence_mask` refuses
        mask = f"{tf}.sequence_mask({code(lengths)}, maxlen={steps})"
        mask = f", mask={f'None if {code(lengths)} is None else ' if code(lengths) in params else ''}{mask}"
    seed = f", initial_state={code(state)}" if state is not None and not _is_default(state) else ""
    run = f"{rnn}({sequence}{mask}{seed})"
    if kind == "static_rnn" and outputs_read:
        run = f"{tf}.unstack({run}, axis=1)"
    if not isinstance(target, cst.Assign):
        return target, cst.parse_expression(run)
    names = target.targets[0].target
    assert isinstance(names, (cst.Tuple, cst.List))  # `_reads` checked
    if outputs_read and state_read:
        return target, target.with_changes(value=cst.parse_expression(run))
    kept = names.elements[0 if outputs_read else 1].value
    return target, target.with_changes(targets=[target.targets[0].with_changes(target=kept)],
                                       value=cst.parse_expression(run))
