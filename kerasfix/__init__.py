"""kerasfix: find and fix Keras layers and models whose weights TensorFlow silently loses.

The Python API, documented in docs/api.md: `check_source`, `fix_source`, `Finding`,
`ParseError`, `RewriteError`.
"""

__version__ = "0.1.0"

from .api import Finding, ParseError, RewriteError, check_source, fix_source  # noqa: E402 - after the version

__all__ = ["Finding", "ParseError", "RewriteError", "__version__", "check_source", "fix_source"]
