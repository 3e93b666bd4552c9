"""The class chain: what a class inherits from the project's bases, in this file or another.

A Keras class with no `call` of its own runs its base's: the methods that `call` reaches
through `self.<method>(...)` are the subclass's when it defines them (OpenNMT-tf's `Encoder.call`
runs `self.encode(...)`, each encoder defines `encode`), so what they build, they build every
call. And what a base's `__init__` sets, a subclass's `__init__` knows after `super().__init__()`.
The scan (`MethodFacts`, kept in `ClassRecord.calls` and `.init_sets`) records what each class
does; `reach` and `inherited_init_sets` read the chain through the index.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from typing import Iterable, Mapping, Protocol, Sequence

from .astwalk import child_nodes
from .names import canonical, expand
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
BRANCH_TYPES = frozenset(_BRANCHES)  # ast's node classes have no subclasses: a look-up by type
# the nodes `MethodFacts.node` reads, besides a branch while it runs once (`BRANCH_TYPES`)
METHOD_READS = frozenset({ast.Call, ast.Assign, ast.If})


# where a walk of a method is: (its first parameter, its calls' places by called method, the
# attributes it assigns go into, run once and unguarded so far, the flag of an `if not <me>.<flag>:`)
Place = tuple[str, dict[str, list[tuple[bool, str]]], set[str], bool, str]


class MethodFacts:
    """The class's methods and their `self.<method>(...)` calls ("m", "m.c", "m.c.once" when m
    runs c exactly once, in no loop, branch or nested function; none under `if not self.<flag>:`
    for a flag the class sets to True, or `self.build()` under `if not self.built:`: those run
    once, as `KerasClass._builds_once` reads them), and the attributes its `__init__` sets that
    no other of its methods assigns. Fed by the scan's one walk of the class (`index._class_facts`),
    node by node of each method's body (a nested class is its own: not fed)."""

    def __init__(self) -> None:
        self.in_init: set[str] = set()
        self.elsewhere: set[str] = set()
        self.flags: set[str] = set()  # the attributes it sets to True
        # method -> called method -> (run once and unguarded, the flag of an `if not self.<flag>:` it is in)
        self.sites: dict[str, dict[str, list[tuple[bool, str]]]] = {}

    def enter(self, method: ast.FunctionDef | ast.AsyncFunctionDef) -> Place:
        """The place of the method's own statements."""
        params = method.args.posonlyargs + method.args.args
        found = self.sites.setdefault(method.name, {})
        return (params[0].arg if params else "", found,
                self.in_init if method.name == "__init__" else self.elsewhere, True, "")

    def node(self, node: ast.AST, place: Place) -> list[tuple[ast.AST, Place]] | None:
        """Reads a node of a method (no name, constant, attribute or class: the walk reads
        those); the children to walk with their places, when they differ from the node's."""
        me, found, _, plain, guard = place
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == me:
                found.setdefault(func.attr, []).append((plain, guard))
        elif isinstance(node, ast.Assign):
            if isinstance(node.value, ast.Constant) and node.value.value is True:
                self.flags.update(t.attr for t in node.targets if isinstance(t, ast.Attribute))
        elif isinstance(node, ast.If) and (flag := _not_flag(node.test, me)):
            return [(node.test, place), *[(child, (me, found, place[2], False, flag)) for child in node.body],
                    *[(child, (me, found, place[2], False, guard)) for child in node.orelse]]
        if plain and isinstance(node, _BRANCHES):
            inner = (me, found, place[2], False, guard)
            return [(child, inner) for child in child_nodes(node)]
        return None

    def facts(self) -> tuple[frozenset[str], frozenset[str]]:
        """(calls, init_sets): see the class."""
        return _calls(self.sites, self.flags), frozenset(self.in_init - self.elsewhere)


def _calls(sites: dict[str, dict[str, list[tuple[bool, str]]]], flags: set[str]) -> frozenset[str]:
    """`MethodFacts`'s "m", "m.c", "m.c.once", from each call's place."""
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


@lru_cache(maxsize=4096)
def _parsed(calls: frozenset[str]) -> dict[str, dict[str, bool]]:
    """A record's `calls`: each method -> the methods it calls -> whether once, unguarded.
    Read only: one record's is asked again by every class built on it (and by the prefilter,
    then the rules, of each), so each is made once."""
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


def keras_layer_bases(index: ClassIndex, bases: Iterable[str], aliases: dict[str, str]) -> list[str]:
    """The last names of the Keras layer classes (`Dense`, `Layer`) that `bases` (resolved names)
    lead to through the project's own bases in any file, in the order a breadth-first walk meets
    them (`aliases`: the project's, through a Keras shim). KF402's rule and trigger both ask it
    (`kernel` set in a subclass of `Dense`)."""
    todo, seen, found = list(bases), set(), []
    while todo:
        base = todo.pop(0)
        if not base or base in seen:
            continue
        seen.add(base)
        project = index.bases_of(base)
        if project:
            todo.extend(project)
        elif (spelled := canonical(expand(base, aliases))).startswith("keras.layers."):
            found.append(spelled.rsplit(".", 1)[-1])
    return found
