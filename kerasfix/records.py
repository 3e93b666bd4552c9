"""One class as the tree knows it (`ClassRecord`): made by the ast scan of its file, kept in
the cache as its row, held by the `ClassIndex`."""

from __future__ import annotations

from typing import NamedTuple


def _dotted(name) -> bool:
    return isinstance(name, str) and all(part.isidentifier() for part in name.split("."))


def _names(value, check=_dotted) -> bool:
    return isinstance(value, list) and all(check(name) for name in value)


def _identifier(name) -> bool:
    return isinstance(name, str) and name.isidentifier()


class ClassRecord(NamedTuple):
    """What the tree knows of one class: made by the ast scan of its file, kept in the cache
    as its `row()`, and held by the `ClassIndex`. One shape from the scan to the index. A
    named tuple, not a dataclass: the index goes to the workers with every batch of files, and
    unpickling 794 frozen dataclasses (tensor2tensor's) took 4x the time of the tuples."""

    qualified: str
    bases: tuple[str, ...]  # qualified
    overrides: frozenset[str] = frozenset()  # methods of OVERRIDABLE it defines: their calls are left alone
    owns_state: bool = True  # its own code may create a weight or a sub-layer (see `_makes_state`)
    attributes: frozenset[str] = frozenset()  # `self.<name>`s, methods and class-level names it uses
    variables: tuple[str, ...] = ()  # see `_init_variables`
    # lines of the top-level statement holding it (decorators included), for the prefilter: from
    # this run's own scan only, never from the cache (what shapes a rewrite is read from the file)
    span: tuple[int, int] | None = None
    # its methods and the `self.<method>(...)` calls in each (see `chain.MethodFacts`): "m" for a
    # method it defines, "m.c" for `self.c(...)` in m, "m.c.once" when m runs it once, unguarded
    calls: frozenset[str] = frozenset()
    # the attributes its `__init__` sets and no other method of it assigns again
    init_sets: frozenset[str] = frozenset()

    def row(self) -> list:
        """The cache's JSON form (no span)."""
        return [self.qualified, list(self.bases), sorted(self.overrides), self.owns_state,
                sorted(self.attributes), list(self.variables), sorted(self.calls), sorted(self.init_sets)]

    @classmethod
    def from_row(cls, row) -> ClassRecord | None:
        """The record of a cache row, or None when the row is not of that shape: a cache file
        is input like any other, every name in it is checked to be a dotted identifier."""
        if not (isinstance(row, list) and len(row) == 8 and _dotted(row[0]) and _names(row[1])
                and _names(row[2]) and isinstance(row[3], bool)
                and _names(row[4], _identifier) and _names(row[5], _identifier)
                and _names(row[6]) and _names(row[7], _identifier)):
            return None
        return cls(row[0], tuple(row[1]), frozenset(row[2]), row[3], frozenset(row[4]), tuple(row[5]),
                   calls=frozenset(row[6]), init_sets=frozenset(row[7]))

    def merged(self, other: ClassRecord) -> ClassRecord:
        """Two classes of one qualified name (nested classes of one module may share it): the
        first one's bases and variables (the other's when it has none), every name either uses
        or overrides, and weightless when either is."""
        return ClassRecord(self.qualified, self.bases, self.overrides | other.overrides,
                           self.owns_state and other.owns_state, self.attributes | other.attributes,
                           self.variables or other.variables, self.span, self.calls | other.calls,
                           _both(self, other))


def _both(one: ClassRecord, other: ClassRecord) -> frozenset[str]:
    """What two classes of one name both set in `__init__`; the one's alone when the other was
    read without its methods (a record `add_module` made from libcst has no `calls`)."""
    if not other.calls:
        return one.init_sets
    return other.init_sets if not one.calls else one.init_sets & other.init_sets


class FunctionRecord(NamedTuple):
    """A module's top-level function that builds a layer or makes a variable when it runs
    (itself or through its module's functions it calls): what KF206 reports at a call of it
    from another module's layer. Made by the ast scan of its file, kept in the cache."""

    qualified: str  # `pkg.helpers.ffn`
    line: int
    # (the function whose body makes it, the call as written, its line, its kind): kind is
    # "layer", "TF1 layer", "TF1 contrib layer", "RNN wrapper", "variable", or "class:<qualified>", a project
    # class the index judges
    made: tuple[tuple[str, str, int, str], ...]

    def row(self) -> list:
        return [self.qualified, self.line, [list(m) for m in self.made]]

    @classmethod
    def from_row(cls, row) -> FunctionRecord | None:
        if not (isinstance(row, list) and len(row) == 3 and _dotted(row[0]) and isinstance(row[1], int)
                and isinstance(row[2], list) and all(_made(m) for m in row[2])):
            return None
        return cls(row[0], row[1], tuple((m[0], m[1], m[2], m[3]) for m in row[2]))


_MADE_KINDS = frozenset({"layer", "TF1 layer", "TF1 contrib layer", "RNN wrapper", "variable"})


def _made(m) -> bool:
    return (isinstance(m, list) and len(m) == 4 and _identifier(m[0]) and _dotted(m[1]) and isinstance(m[2], int)
            and isinstance(m[3], str) and (m[3] in _MADE_KINDS
                                           or (m[3].startswith("class:") and _dotted(m[3][6:]))))
