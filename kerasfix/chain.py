"""The class chain: what a class inherits from the project's bases, in this file or another.

A Keras class with no `call` of its own runs its base's: the methods that `call` reaches
through `self.<method>(...)` are the subclass's when it defines them (OpenNMT-tf's `Encoder.call`
runs `self.encode(...)`, each encoder defines `encode`), so what they build, they build every
call. And what a base's `__init__` sets, a subclass's `__init__` knows after `super().__init__()`.
The scan (`method_facts`, kept in `ClassRecord.calls` and `.init_sets`) records what each class
does; `reach` and `inherited_init_sets` read the chain through the index.
"""

from __future__ import annotations

import ast
from typing import Iterable, Mapping, Protocol, Sequence

from .records import ClassRecord


class ClassIndex(Protocol):
    """What the chain reads of `index.ClassIndex` (which builds on this module)."""

    @property
    def records(self) -> Mapping[str, ClassRecord]: ...

    def bases_of(self, qualified: str, /) -> Sequence[str]: ...

    def project_class(self, qualified: str, /) -> str | None: ...

    def subclasses(self, qualified: str, /) -> Iterable[str]: ...

# what Keras runs on every call of a layer. Not an overridden `__call__`: it bypasses Keras, and
# makes its state once under a guard as often as not (tests/fixtures/KF102/variable_in_dunder_call)
ROOTS = ("call",)
# what runs its body maybe not once: a `self.m(...)` inside is not "once, unguarded"
_BRANCHES = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.Try, ast.IfExp, ast.BoolOp, ast.ListComp, ast.SetComp,
             ast.DictComp, ast.GeneratorExp, ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ExceptHandler,
             ast.Match, *((ast.TryStar,) if hasattr(ast, "TryStar") else ()))
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def method_facts(cls: ast.ClassDef) -> tuple[frozenset[str], frozenset[str]]:
    """The class's methods and their `self.<method>(...)` calls ("m", "m.c", "m.c.once" when m
    runs c exactly once, in no loop, branch or nested function; none under `if not self.<flag>:`
    for a flag the class sets to True, or `self.build()` under `if not self.built:`: those run
    once, as `KerasClass._builds_once` reads them), and the attributes its `__init__` sets that
    no other of its methods assigns."""
    in_init: set[str] = set()
    elsewhere: set[str] = set()
    flags: set[str] = set()  # the attributes it sets to True
    # method -> called method -> (run once and unguarded, the flag of an `if not self.<flag>:` it is in)
    sites: dict[str, dict[str, list[tuple[bool, str]]]] = {}
    for method in cls.body:
        if not isinstance(method, _FUNCTIONS):
            continue
        params = method.args.posonlyargs + method.args.args
        me = params[0].arg if params else ""
        found = sites.setdefault(method.name, {})
        assigned = in_init if method.name == "__init__" else elsewhere
        stack: list[tuple[ast.AST, bool, str]] = [(s, True, "") for s in method.body]
        while stack:
            node, plain, guard = stack.pop()
            if isinstance(node, (ast.Name, ast.Constant, ast.ClassDef)):
                continue  # a name's one child is its context; a nested class has its own `self`
            if isinstance(node, ast.Attribute):
                if isinstance(node.ctx, ast.Store) and isinstance(node.value, ast.Name) and node.value.id == me:
                    assigned.add(node.attr)
                stack.append((node.value, plain, guard))
                continue
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == me):
                found.setdefault(node.func.attr, []).append((plain, guard))
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and node.value.value is True:
                flags.update(t.attr for t in node.targets if isinstance(t, ast.Attribute))
            if isinstance(node, ast.If) and (flag := _not_flag(node.test, me)):
                stack.append((node.test, plain, guard))
                stack.extend((child, False, flag) for child in node.body)
                stack.extend((child, False, guard) for child in node.orelse)
                continue
            inner = plain and not isinstance(node, _BRANCHES)
            stack.extend([(child, inner, guard) for child in ast.iter_child_nodes(node)])
    return _calls(sites, flags), frozenset(in_init - elsewhere)


def _calls(sites: dict[str, dict[str, list[tuple[bool, str]]]], flags: set[str]) -> frozenset[str]:
    """`method_facts`'s "m", "m.c", "m.c.once", from each call's place."""
    calls: set[str] = set()
    for name, found in sites.items():
        calls.add(name)
        for callee, places in found.items():
            kept = [plain for plain, guard in places
                    if not (guard in flags or (guard == "built" and callee == "build"))]
            if kept:
                calls.add(f"{name}.{callee}")
            if kept == [True]:
                calls.add(f"{name}.{callee}.once")
    return frozenset(calls)


def _not_flag(test: ast.expr, me: str) -> str:
    """`flag` for the test `not <me>.flag`, else ""."""
    if (isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Attribute)
            and isinstance(test.operand.value, ast.Name) and test.operand.value.id == me):
        return test.operand.attr
    return ""


def project_bases(index: ClassIndex, qualified: str) -> list[str]:
    """The project's classes a class inherits from, nearest first, left to right (depth first:
    the method resolution order of the chains real code has)."""
    found: list[str] = []
    todo = list(reversed(index.bases_of(qualified)))
    while todo:
        base = todo.pop()
        known = index.project_class(base)
        if known is None or known in found or known == qualified:
            continue
        found.append(known)
        todo.extend(reversed(index.bases_of(known)))
    return found


def _parsed(calls: frozenset[str]) -> dict[str, dict[str, bool]]:
    """A record's `calls`: each method -> the methods it calls -> whether once, unguarded."""
    methods: dict[str, dict[str, bool]] = {}
    for entry in sorted(calls):
        parts = entry.split(".")
        if len(parts) == 1:
            methods.setdefault(parts[0], {})
        else:
            callees = methods.setdefault(parts[0], {})
            callees[parts[1]] = callees.get(parts[1], False) or parts[2:] == ["once"]
    return methods


# a class and its project bases, nearest first: each with its methods -> the methods each calls
# -> whether once, unguarded ("" names the class being read, whose methods come from its parse)
Chain = list[tuple[str, dict[str, dict[str, bool]]]]
Node = tuple[str, str]


def reach(index: ClassIndex | None, qualified: str, own: Mapping[str, set[str]]) -> tuple[set[str], set[str]]:
    """The class's own methods that run on every call (its `call`, or its
    bases', and the methods they call, each resolved through the chain; or a subclass's,
    which may call a method of this class: OpenNMT-tf's `CharConvEmbedder.make_inputs` runs
    `CharEmbedder._embed`), and those of them that run once per call: a root nothing calls,
    or a method that a base's method runs once, unguarded, when that runs once too, and that
    nothing else calls. `own`: each method of the class and the names of the `self.<name>(...)`
    calls in it."""
    mine: dict[str, dict[str, bool]] = {name: dict.fromkeys(called, False) for name, called in own.items()}
    if index is None:
        return _walk([("", mine)])
    bases = project_bases(index, qualified)
    reached, once = _walk([("", mine)] + [(b, _parsed(index.records[b].calls)) for b in bases])
    for sub in index.subclasses(qualified) if index.records.get(qualified) is not None else ():
        chain = [(sub, _parsed(index.records[sub].calls))] + [
            ("" if b == qualified else b, mine if b == qualified else _parsed(index.records[b].calls))
            for b in project_bases(index, sub)]
        reached |= _walk(chain)[0]
    return reached, once


def _walk(chain: Chain) -> tuple[set[str], set[str]]:
    """What the class the chain starts with runs on every call: the methods of "" it reaches,
    and those of them that run once per call (see `reach`)."""
    calls = dict(chain)

    def owner(name: str) -> str | None:
        return next((where for where, methods in chain if name in methods), None)

    roots = [(where, name) for name in ROOTS if (where := owner(name)) is not None]
    incoming: dict[Node, list[tuple[Node, bool]]] = {}
    seen: set[Node] = set()
    todo = list(roots)
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for callee, once in calls[node[0]][node[1]].items():
            target = owner(callee)
            if target is not None:
                incoming.setdefault((target, callee), []).append((node, once))
                todo.append((target, callee))
    own = chain[0][0] == ""

    def runs_once(node: Node, depth: int = 0) -> bool:
        edges = incoming.get(node, [])
        if node in roots:
            return not edges
        return (depth < len(seen) and len(edges) == 1 and edges[0][1] and edges[0][0][0] != ""
                and runs_once(edges[0][0], depth + 1))

    mine = {name for where, name in seen if where == ""}
    return mine, {name for name in mine if own and runs_once(("", name))}


def inherited_init_sets(index: ClassIndex, qualified: str) -> set[str]:
    """The attributes the `__init__` of a project base sets (and no other method of that base
    assigns): known to a subclass's `__init__` after `super().__init__()`."""
    names: set[str] = set()
    for base in project_bases(index, qualified):
        names |= index.records[base].init_sets
    return names
