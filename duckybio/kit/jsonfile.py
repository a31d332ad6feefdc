"""Read a pydantic model from a JSON file with a one-line error on any problem."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Final, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)

#: Largest JSON file read (a trace of full-RAM reads is a few MiB).
MAX_JSON_BYTES: Final = 1 << 28


def load_json(cls: type[M], path: Path, error: type[Exception], what: str) -> M:
    """``cls`` read from ``path``; ``error(one line)`` when unreadable or malformed."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise error(f"cannot read {what} {path}: not a regular file")
        with open(path, "rb") as fh:
            raw = fh.read(MAX_JSON_BYTES + 1)
        if len(raw) > MAX_JSON_BYTES:
            raise error(f"{what} {path} is larger than {MAX_JSON_BYTES} bytes")
        text = raw.decode("utf-8")
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
