"""Request body parsers: JSON whose nesting is bounded, so a crafted body is a 400, never a 500."""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Every body the API accepts is an object of strings and lists of strings (depth 2); the slack
# is for clients that wrap what they send.
MAX_DEPTH = 32
TOO_DEEP = f"JSON parse error - the body is nested deeper than {MAX_DEPTH} levels."


def depth(value: Any) -> int:
    """How deeply lists and objects nest in a parsed JSON value (a scalar is 0); no recursion."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        pending.extend((child, level + 1) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing a body nested deeper than MAX_DEPTH.

    Python's decoder raises RecursionError (not ValueError, which DRF turns into a 400) past
    about a thousand levels, and a value a few hundred deep can still exhaust the stack of
    whatever walks it later.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if depth(data) > MAX_DEPTH:
            raise ParseError(TOO_DEEP)
        return data
