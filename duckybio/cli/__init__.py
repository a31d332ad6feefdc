"""The ``duckybio`` command line: one module a subcommand."""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
