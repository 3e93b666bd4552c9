"""Command-line values that need no converting skip typer's pydantic conversion.

typer 0.29 converts every parameter's value, a default of None included, through a pydantic
`TypeAdapter` built on first use. Importing pydantic and building the adapters of `check`'s
19 parameters took 0.08 s of CPU out of the 0.36 s of a warm `kerasfix check` on
tensor2tensor (453 files). Almost every value kerasfix gets is already what its annotation
asks for (None, a default string, a count, the list of path strings); those are returned as
they are, as typer's adapter returns them (tests/test_warm_path.py compares the two).
Every other value (a number or a path typed on the command line) goes to typer's own
conversion, so its checks and its error messages stay typer's. A typer without this
conversion (before 0.2x, click's types convert) is left as it is.
"""

from __future__ import annotations

import typing
from typing import Any, Callable


def install() -> None:
    """Once per process, before the first command line is parsed."""
    try:
        from typer.core import _TyperParameter  # typer's own, private: looked up, never assumed
    except ImportError:
        return
    typer_own = getattr(_TyperParameter, "get_runtime_param", None)
    if typer_own is None or typer_own.__module__ == __name__:  # none to replace, or done already
        return

    def get_runtime_param(param: Any) -> _AsGiven:
        return _AsGiven(typer_own)

    _TyperParameter.get_runtime_param = get_runtime_param  # type: ignore[method-assign,assignment]


class _AsGiven:
    """typer's runtime parameter for one value: the value itself when it needs no converting,
    else typer's conversion (built, with pydantic, only then)."""

    def __init__(self, typer_own: Callable[[Any], Any]):
        self.typer_own = typer_own

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        descriptor = param.type_descriptor
        if value is None:  # as typer's RuntimeParam.coerce, before any conversion
            return () if param.multiple or param.nargs == -1 else None
        if as_given(value, descriptor.annotation, descriptor.parameter_info, descriptor.file_annotation):
            return list(value) if isinstance(value, tuple) else value
        return self.typer_own(param).coerce(value, param=param, ctx=ctx)


def as_given(value: Any, annotation: Any, info: Any, file_annotation: Any = None) -> bool:
    """Whether typer would return `value` unchanged (a tuple: as a list) for this annotation:
    a str for `str`, an int for an unbounded `int`, a bool for `bool`, strings for `List[str]`."""
    if file_annotation is not None or getattr(info, "parser", None) is not None:
        return False
    if typing.get_origin(annotation) is list:
        return (typing.get_args(annotation) == (str,) and isinstance(value, (list, tuple))
                and all(type(item) is str for item in value))
    if annotation is int:
        return type(value) is int and info.min is None and info.max is None
    return annotation in (str, bool) and type(value) is annotation


def plain_help_types() -> None:
    """--help without Python's types as typer 0.29 shows them (`<list[str]>`, `<bool>`): a flag
    shows no value (as ruff's help), a repeatable option a `<str>`. Looked up, never assumed: a
    typer without these methods keeps its own help."""
    try:
        from typer.core import TyperArgument, TyperOption
    except ImportError:
        return
    for cls in (TyperOption, TyperArgument):
        typer_own = getattr(cls, "display_type_rich", None)
        if typer_own is None or getattr(typer_own, "kerasfix", False):
            continue
        cls.display_type_rich = _plain(typer_own)  # type: ignore[method-assign]


def _plain(typer_own: Callable[..., Any]) -> Callable[..., Any]:
    def display_type_rich(self: Any, ctx: Any) -> Any:
        shown = typer_own(self, ctx)
        if getattr(self, "is_flag", False) or getattr(self, "count", False):
            return None
        return shown.replace("list[str]", "str") if isinstance(shown, str) else shown

    display_type_rich.kerasfix = True  # type: ignore[attr-defined]
    return display_type_rich
