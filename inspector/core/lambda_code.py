"""What a stored Lambda would do, decoded without running it: the names and constants in its bytecode.

Only behind --trust-code: `marshal.loads` executes nothing, but CPython documents it as unsafe on crafted data
(it can crash the interpreter), so hostile files never reach it without the user's say-so.
"""

from __future__ import annotations

import base64
import binascii
import marshal
import types
from typing import Any


def lambda_payload(config: dict[str, Any]) -> str | None:
    """The serialized bytecode of a Lambda layer's function, in any Keras version's layout."""
    function = config.get("function")
    if isinstance(function, dict) and function.get("class_name") == "__lambda__":
        inner = function.get("config")
        code = inner.get("code") if isinstance(inner, dict) else None
        return code if isinstance(code, str) else None
    if isinstance(function, list) and function and isinstance(function[0], str):
        return function[0]
    if isinstance(function, str) and config.get("function_type") == "lambda":
        return function
    return None


def describe_lambda(config: dict[str, Any]) -> dict[str, Any]:
    """Names and constants the function refers to, or why it could not be decoded."""
    payload = lambda_payload(config)
    if payload is None:
        function = config.get("function")
        module = function.get("module") if isinstance(function, dict) else config.get("module")
        return {"decoded": False, "reason": f"a named function, not stored bytecode (module {module!r})"}
    code = _load(payload)
    if isinstance(code, str):
        return {"decoded": False, "reason": code}
    names: list[str] = []
    constants: list[str] = []
    _walk(code, names, constants)
    return {"decoded": True, "names": sorted(set(names)), "constants": constants[:40],
            "arguments": list(code.co_varnames[: code.co_argcount])}


def _load(payload: str) -> types.CodeType | str:
    candidates = []
    try:
        candidates.append(base64.b64decode(payload.encode("ascii"), validate=False))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        pass
    try:
        candidates.append(payload.encode("raw_unicode_escape"))  # Keras 2.0 stored the raw marshal bytes
    except UnicodeEncodeError:
        pass
    for raw in candidates:
        try:
            value = marshal.loads(raw)
        except (ValueError, EOFError, TypeError):
            continue
        if isinstance(value, types.CodeType):
            return value
    return "the bytecode was written by another Python version and cannot be decoded here"


def _walk(code: types.CodeType, names: list[str], constants: list[str]) -> None:
    names.extend(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _walk(const, names, constants)
        elif const is not None and not (isinstance(const, str) and const.startswith("\n")):
            constants.append(repr(const)[:60])
