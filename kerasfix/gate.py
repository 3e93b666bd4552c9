"""The byte look before any parse: whether a file can define Keras layers (or hand Keras to
other modules) at all, read from its class statements and a few import shapes. A file it
rules out is never parsed; `KERASFIX_NO_PREFILTER=1` turns this and the rules' triggers off."""

from __future__ import annotations

import os
import re
from typing import Iterator

from . import keras_api
from .lines import search_lines_saying

# a class statement's bases (up to the first closing parenthesis, over lines), after PEP 695
# type parameters if any, from the keyword on: a pattern that starts with a literal is found by
# a fast scan of the bytes, where one that starts at every line start (`^[ \t]*class`) is tried
# at every byte (45 ms over tensor2tensor's 5 MB, against 4 ms; measured)
_CLASS_STATEMENT = re.compile(rb"class[ \t]+(\w+)[ \t]*(?:\[(?:[^][]|\[[^][]*\])*\][ \t]*)?\(([^)]*)\)")
# bases that make a class anything but a layer, each alone or beside another
PLAIN_BASES = frozenset({b"", b"object", b"Exception", b"ValueError", b"TypeError", b"RuntimeError",
                          b"dict", b"list", b"tuple", b"str", b"int", b"float", b"NamedTuple", b"Enum",
                          *(name.encode() for name in keras_api.TEST_CASE_BASES)})


# Set to 1 to turn every prefilter off (the byte look here, the rules' triggers in prefilter.py):
# slower, never different; tests/test_prefilter.py compares the two.
NO_PREFILTER = "KERASFIX_NO_PREFILTER"


def prefilter_on() -> bool:
    return os.environ.get(NO_PREFILTER) != "1"


# a module that can hand Keras to others without defining a class: `keras = _select_keras()`,
# `import tf_keras as keras`, `Wrapper = keras.layers.Wrapper` (a few files per real tree)
_KERAS_SHIM = re.compile(
    rb"^[ \t]*(?:(?:tf_keras|keras)[ \t]*=[^=]"
    rb"|\w+[ \t]*=[ \t]*[\w.]*\bkeras\.[\w.]*\b[A-Z]\w*[ \t]*\r?$"
    rb"|(?:from[ \t]+[\w.]+[ \t]+)?import[ \t]+(?:[\w.]+[ \t]+as[ \t]+)?(?:tf_)?keras[ \t]*\r?$"
    # a re-export of Keras or of its layers (`from tf_keras import *`, `from tensorflow.keras import layers`)
    rb"|from[ \t]+[\w.]*keras[ \t]+import[ \t]+(?:\*|layers\b))",
    re.MULTILINE,
)

# a module-level name imported in an arm (`try: import extlayers as K`, see `_shim_target`): a
# shim of a `--keras-base` library need not say "keras" (6 of tensor2tensor's 453 files have such
# a line, none without a class). Found from the keyword, then its line's start is checked (35 ms
# over tensor2tensor's 5 MB as `^[ \t]+...`, tried at every byte)
_ARM_IMPORT = re.compile(rb"import[ \t]+[\w.]+[ \t]+as[ \t]+\w+[ \t]*\r?$", re.MULTILINE)
_ARM_IMPORT_INDENT = re.compile(rb"[ \t]+(?:from[ \t]+[\w.]+[ \t]+)?")


def may_define_layers(source: bytes, is_package: bool = False) -> bool:
    """False when every class statement of the file has plain bases (`object`, `Exception`,
    `tf.test.TestCase`, none) and the file binds no Keras for others: such classes are no
    layers and no bases of layers, so the file needs no scan. A package's `__init__` that
    imports is scanned: other modules name classes through its re-exports (OpenNMT-tf's
    `models.Model`, whose layer went unseen)."""
    if not prefilter_on() or (is_package and b"import" in source):
        return True
    return has_plain_classes_only(source) is False or hands_keras_on(source)


def has_plain_classes_only(source: bytes) -> bool | None:
    """Whether every class statement of the file has plain bases; None when it has none."""
    found = None
    for bases in class_bases(source):
        if any(base.strip() not in PLAIN_BASES for base in bases.split(b",")):
            return False
        found = True
    return found


def hands_keras_on(source: bytes, is_package: bool = False) -> bool:
    """The file binds Keras for other modules without a class (`_KERAS_SHIM`, an import in an
    arm), or is a package's `__init__` that imports (its names are other modules' way in)."""
    return ((is_package and b"import" in source) or search_lines_saying(b"keras", _KERAS_SHIM, source)
            or _imports_in_an_arm(source))


# what a module of helpers must say for a function of it to build a layer or make a variable
# (KF206 reports a call of one from another module's layer): TF1's `tf.layers.dense(...)`, a
# Keras layers module's classes imported, a variable factory (keras_api.WEIGHT_FACTORY_NAMES)
# (not `common_layers.`, nor `from tensor2tensor.layers import ...`: of tensor2tensor's modules of
# helpers that a bare `layers.` or `layers import` let in, 41 of 64 made nothing, 0.13 s of ast;
# a project's layer class imported by a module of helpers is left unread)
_MAKER_WORDS = re.compile(rb"\blayers\.|keras\.layers[ \t]+import|get_variable\(|\b[Vv]ariable\(")


# where `_MAKER_WORDS` may match: each of its words from a letter of its own, no `\b` tried at
# every byte (64 ms over tensor2tensor's 5 MB, against 19 ms; measured)
_MAKER_STARTS = re.compile(rb"layers\.|keras\.layers[ \t]+import|get_variable\(|ariable\(")


def may_define_makers(source: bytes) -> bool:
    """A file ruled out by `may_define_layers` whose functions may still build layers or make
    variables: its bytes say a function (`def `) and one of `_MAKER_WORDS`."""
    if not (prefilter_on() and b"def " in source):
        return False
    for match in _MAKER_STARTS.finditer(source):
        start = match.start() - (match.group() == b"ariable(")  # `[Vv]ariable(`: from its first letter
        if _MAKER_WORDS.match(source, start):
            return True
    return False


def _imports_in_an_arm(source: bytes) -> bool:
    """An indented `import a.b as c` or `from a import b as c` line (`_ARM_IMPORT`)."""
    match = _ARM_IMPORT.search(source)
    while match and not _ARM_IMPORT_INDENT.fullmatch(source, source.rfind(b"\n", 0, match.start()) + 1,
                                                     match.start()):
        match = _ARM_IMPORT.search(source, match.start() + 1)
    return match is not None


def class_bases(source: bytes) -> Iterator[bytes]:
    """The bases of the class statements of the source, in order (see `class_statements`)."""
    return (bases for _, bases in class_statements(source))


def class_statements(source: bytes) -> Iterator[tuple[bytes, bytes]]:
    """The name and the bases of each class statement of the source, in order: the `class`
    keyword first on its line (a line starts after \\n or a bare \\r, old Mac files, which
    Python reads)."""
    start = 0
    while match := _CLASS_STATEMENT.search(source, start):
        before = match.start()
        while before and source[before - 1] in b" \t":
            before -= 1
        if before and source[before - 1] not in b"\r\n":  # `subclass A(`: text, no statement
            start = match.start() + 1  # a statement may start inside this match's parentheses
            continue
        yield match.group(1), match.group(2)
        start = match.end()
