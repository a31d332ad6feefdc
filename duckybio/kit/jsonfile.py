"""Read a pydantic model from a JSON file with a one-line error on any problem."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def load_json(cls: type[M], path: Path, error: type[Exception], what: str) -> M:
    """``cls`` read from ``path``; ``error(one line)`` when unreadable or malformed."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise error(f"{what} {path} is not UTF-8 text") from None
    try:
        return cls.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "top level"
        raise error(f"{what} {path} is malformed at {where}: {first['msg']}") from None
