"""Read a pydantic model from a JSON file with a one-line error on any problem; write one."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Final, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticSerializationError

M = TypeVar("M", bound=BaseModel)

#: Largest JSON file read (a trace of full-RAM reads is a few MiB).
MAX_JSON_BYTES: Final = 1 << 28


def dump_json(model: BaseModel, indent: int) -> str:
    """``model`` as JSON text, ending in a newline.

    A string holding a byte that is not UTF-8 (a path, kept as a lone
    surrogate) is written with that character escaped (``\\udcff``) instead
    of failing.
    """
    try:
        return model.model_dump_json(indent=indent) + "\n"
    except PydanticSerializationError:
        return json.dumps(model.model_dump(mode="json"), indent=indent) + "\n"


def load_json(cls: type[M], path: Path, error: type[Exception], what: str) -> M:
    """``cls`` read from ``path``; ``error(one line)`` when unreadable or malformed."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise error(f"cannot read {what} {path}: not a regular file")
        with open(path, "rb") as fh:
            raw = fh.read(MAX_JSON_BYTES + 1)
        if len(raw) > MAX_JSON_BYTES:
            raise error(f"{what} {path} is larger than {MAX_JSON_BYTES} bytes")
        text = raw.decode("utf-8-sig")  # a byte order mark is allowed
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
