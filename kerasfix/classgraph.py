"""Which files' classes can matter, from the class statements and imports of the whole tree,
read as bytes before any parse: a file whose classes all derive, through the tree's own
classes, from plain ones only (`object`, `Exception`, a class from outside the tree that is
neither a Keras or TF1 layer nor a `tf.Module`, as `ClassIndex.is_layer` judges it) defines no
layer and no base of one, and need not be parsed (tensor2tensor: 121 of 218 files, its data
generators' problems, its gym environments, its hooks).

A base is followed through the file's imports, and through a module of the tree that imports
it in turn (a package's `__init__` handing on its module's class). Conservative: a base it
cannot follow to a class statement (a star import, a name bound twice, a name through a
`keras`, anything but a dotted name) may be a layer, and so may every class derived from it.
The bases of every class of a file kept are kept, through every level (a mixin's attributes
are inherited); so are the modules that the files of possible layers import (their names may
alias Keras), the classes a name may mean by its path's suffix, and every class that shares
its module's last name and its own with another (`ClassIndex.by_path_suffix` then answers as
if every file were scanned: a folder of several trees found a layer by suffix). The byte look
of `gate.may_define_layers` still decides first; `KERASFIX_NO_PREFILTER=1` turns this off
with it, and so does `--keras-base` (it may name a class of the tree).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from . import keras_api
from .gate import PLAIN_BASES, class_statements, hands_keras_on
from .names import absolute_module, canonical

ROOT = ""  # a base that cannot be followed: it may be a layer
_PLAIN = frozenset(base.decode() for base in PLAIN_BASES)
_METACLASS = re.compile(r"metaclass\s*=")  # a keyword of the class statement, no base

# `from a.b import c, d as e` / `from . import (x, y)`, found from the keyword (see gate.py)
_FROM = re.compile(rb"from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\r\n#;]*)")
_IMPORT = re.compile(rb"import[ \t]+([^\r\n#;]*)")
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")


@dataclass
class _Module:
    """One file's class statements and import bindings, as its bytes say."""

    name: str
    is_package: bool
    classes: list[tuple[str, list[str]]]  # (class name, its bases' texts)
    bindings: dict[str, str] = field(default_factory=dict)  # local name -> absolute target ("" if twice)
    imported: set[str] = field(default_factory=set)  # every absolute module name it imports from
    star: bool = False

    def bind(self, local: str, target: str) -> None:
        before = self.bindings.get(local)
        self.bindings[local] = target if before is None or before == target else ROOT

    def absolute(self, dots: int, module: str) -> str | None:
        """`from ..a import b`'s module, as `names.ImportMap` reads it."""
        return absolute_module(self.name, self.is_package, module, dots)


@dataclass
class Matter:
    """What `classes_that_matter` found."""

    files: set[str]  # the files worth scanning for their classes (see there)
    maybe: dict[str, frozenset[str]]  # module name -> its classes that may be layers or `tf.Module`s
    # every module the files scanned may import (those kept, a package's `__init__`, a file
    # saying `keras`): a module of helpers none imports makes nothing a layer can call (KF206)
    imported: set[str]


def classes_that_matter(files: Iterable[tuple[str, bytes, str, bool]]) -> Matter:
    """Of the files (path, bytes, module name, is a package's `__init__`), those holding a class
    that may be a layer or a `tf.Module`, or a base of one, or a module such a file imports;
    and the classes that may be layers."""
    files = list(files)
    modules = {path: _read(data, name, is_package) for path, data, name, is_package in files}
    # a class of a module that binds Keras for others may be bound again to Keras's (`Base = keras.layers.Layer`)
    shims = {name for path, data, name, is_package in files
             if modules[path].classes and hands_keras_on(data, is_package)}
    by_name: dict[str, list[str]] = {}
    defined: dict[tuple[str, str], list[list[str]]] = {}
    for path, read in modules.items():
        by_name.setdefault(read.name, []).append(path)
        for cls, bases in read.classes:
            if read.name not in shims:
                defined.setdefault((read.name, cls), []).append(bases)
    # modules kept as re-exporters (a name imported from them that is no class of theirs), and
    # those whose class a name may mean by its path's suffix (`ClassIndex.by_path_suffix`)
    wanted: set[str] = set()
    refs: dict[tuple[str, str], set[tuple[str, str] | str]] = {}
    reads: dict[str, list[_Module]] = {}
    for read in modules.values():
        reads.setdefault(read.name, []).append(read)
    tree = (by_name, defined, _suffixes(defined), reads)
    for read in modules.values():
        for cls, bases in read.classes:
            followed = (_follow(base, read, tree, wanted) for base in bases)
            refs.setdefault((read.name, cls), set()).update(ref for ref in followed if ref is not None)
    maybe = _derived_from_roots(refs)
    kept = {module for module, _ in maybe} | wanted | shims | _shared_suffixes(defined)
    for module in {module for module, _ in maybe}:
        for path in by_name[module]:
            kept |= modules[path].imported & by_name.keys()
    _with_bases(kept, by_name, modules, refs)
    maybe_by_module: dict[str, set[str]] = {}
    for module, cls in maybe:
        maybe_by_module.setdefault(module, set()).add(cls)
    paths = {path for module in kept for path in by_name.get(module, ())}
    imported = set().union(*(read.imported for path, read in modules.items() if path in paths or not read.classes))
    return Matter(paths, {module: frozenset(names) for module, names in maybe_by_module.items()}, imported)


def _suffixes(defined: dict[tuple[str, str], list[list[str]]]) -> dict[str, set[str]]:
    """Each dotted suffix (a module and a class at least) of the tree's classes -> their modules."""
    table: dict[str, set[str]] = {}
    for module, cls in defined:
        parts = f"{module}.{cls}".split(".")
        for cut in range(len(parts) - 1):
            table.setdefault(".".join(parts[cut:]), set()).add(module)
    return table


def _shared_suffixes(defined: dict[tuple[str, str], list[list[str]]]) -> set[str]:
    """The modules of the classes that share their module's last name and their own with
    another class of the tree (`models.net.Net` and `app.models.net.Net`): whatever name
    `ClassIndex.by_path_suffix` is asked for, it answers as if every file were scanned."""
    modules: dict[str, set[str]] = {}
    for module, cls in defined:
        modules.setdefault(f"{module.rpartition('.')[2]}.{cls}", set()).add(module)
    return {module for found in modules.values() if len(found) > 1 for module in found}


def _with_bases(kept: set[str], by_name: dict[str, list[str]], modules: dict[str, _Module],
                refs: dict[tuple[str, str], set[tuple[str, str] | str]]) -> None:
    """Adds to the modules kept those of the bases of their classes, through every level."""
    todo = list(kept)
    while todo:
        for path in by_name.get(todo.pop(), ()):
            read = modules[path]
            for cls, _ in read.classes:
                for ref in refs[(read.name, cls)]:
                    if isinstance(ref, tuple) and ref[0] not in kept:
                        kept.add(ref[0])
                        todo.append(ref[0])


def _derived_from_roots(refs: dict[tuple[str, str], set[tuple[str, str] | str]]) -> set[tuple[str, str]]:
    """The classes with a base that cannot be followed, and every class derived from one."""
    derived: dict[tuple[str, str] | str, list[tuple[str, str]]] = {}
    for key, targets in refs.items():
        for target in targets:
            derived.setdefault(target, []).append(key)
    maybe: set[tuple[str, str]] = set()
    todo = list(derived.get(ROOT, ()))
    while todo:
        key = todo.pop()
        if key not in maybe:
            maybe.add(key)
            todo.extend(derived.get(key, ()))
    return maybe


_Tree = tuple[dict[str, list[str]], dict[tuple[str, str], list[list[str]]], dict[str, set[str]],
              dict[str, list[_Module]]]


def _follow(base: str, module: _Module, tree: _Tree, wanted: set[str]) -> tuple[str, str] | str | None:
    """The tree's class a base names, (module, class); ROOT when it cannot be followed (the
    modules it may still lead to are `wanted`); None for a plain base."""
    defined = tree[1]
    if base in _PLAIN or _METACLASS.match(base):
        return None
    if not _DOTTED.fullmatch(base):
        return ROOT
    head, _, rest = base.partition(".")
    target = module.bindings.get(head)
    if target is None:
        own = (module.name, head)
        return own if not rest and own in defined and not module.star else ROOT
    if not target:
        return ROOT
    return _follow_name(f"{target}.{rest}" if rest else target, tree, wanted, 4)


def _follow_name(full: str, tree: _Tree, wanted: set[str], hops: int) -> tuple[str, str] | str | None:
    """`_follow` of an absolute dotted name; through a module of the tree that imports the
    name (a package's `__init__` handing on its module's class), `hops` times at most."""
    by_name, defined, suffixes, reads = tree
    owner, _, cls = full.rpartition(".")
    if (owner, cls) in defined:
        return owner, cls
    parts = full.split(".")
    by_suffix = set().union(*(suffixes.get(".".join(parts[cut:]), set()) for cut in range(len(parts) - 1)))
    if by_suffix:  # the index may take it for one of those classes (`ClassIndex.by_path_suffix`)
        wanted |= by_suffix
        return ROOT
    if owner in by_name and hops:
        targets = {read.bindings.get(cls) for read in reads[owner]}
        if len(targets) == 1 and (handed := targets.pop()):  # bound once, by an import: where it comes from
            wanted.add(owner)
            return _follow_name(handed, tree, wanted, hops - 1)
    while owner:  # a name a module of the tree hands on: that module's names are wanted
        if owner in by_name:
            wanted.add(owner)
            return ROOT
        owner = owner.rpartition(".")[0]
    return ROOT if _may_be_keras(full, parts) else None


def _may_be_keras(full: str, parts: list[str]) -> bool:
    """A name from outside the tree, as the index judges it (`ClassIndex.is_layer`,
    `is_tf_module`): a Keras or TF1 layer class, a `tf.Module`, or a name through a `keras`
    (`check -v` lists such bases when it cannot follow them)."""
    name = canonical(full)
    return ("keras" in parts or "tf_keras" in parts or keras_api.is_keras_layer_class(name)
            or keras_api.is_tf_module_class(name))


def _read(data: bytes, name: str, is_package: bool) -> _Module:
    module = _Module(name, is_package, [(cls.decode(), [b.strip().decode("utf-8", "replace")
                                                        for b in bases.split(b",")])
                                        for cls, bases in class_statements(data)])
    if not (module.classes or hands_keras_on(data, is_package)):
        return module  # no class, and binds nothing for others: never scanned
    for match in _line_starts(_FROM, data):
        dots, source, names = match.groups()
        base = module.absolute(len(dots), source.decode())
        if base is None:
            continue
        module.imported.add(base)
        if names.strip() == b"*":
            module.star = True
            continue
        for part in names.strip(b"()").split(b","):
            words = part.split()
            if len(words) == 1 or (len(words) == 3 and words[1] == b"as"):
                target = f"{base}.{words[0].decode()}" if base else words[0].decode()
                module.imported.add(target)
                module.bind(words[-1].decode(), target)
    for match in _line_starts(_IMPORT, data):
        for part in match.group(1).split(b","):
            words = part.split()
            if len(words) == 1:
                full = words[0].decode()
                module.imported.add(full)
                module.bind(full.split(".", 1)[0], full.split(".", 1)[0])
            elif len(words) == 3 and words[1] == b"as":
                module.imported.add(words[0].decode())
                module.bind(words[2].decode(), words[0].decode())
    return module


def _line_starts(pattern: re.Pattern, data: bytes):
    """The pattern's matches that start a statement: only blanks before them on their line."""
    for match in pattern.finditer(data):
        before = match.start()
        while before and data[before - 1] in b" \t":
            before -= 1
        if not before or data[before - 1] in b"\r\n;":
            yield match
