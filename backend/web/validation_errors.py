"""Request validation errors (FastAPI/pydantic) told in both languages, naming the field.

pydantic's own messages are English only; the kinds a form or client meets most are said in
Japanese here, and any other kind keeps pydantic's text after a Japanese lead-in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from grader.contract import Text

# pydantic error type → (English, Japanese); {limit} is the constraint's value where it has one.
KINDS: dict[str, tuple[str, str]] = {
    "missing": ("is required", "を入力してください"),
    "int_parsing": ("must be a whole number", "は整数で入力してください"),
    "int_from_float": ("must be a whole number", "は整数で入力してください"),
    "float_parsing": ("must be a number", "は数値で入力してください"),
    "bool_parsing": ("must be true or false", "は true か false で指定してください"),
    "datetime_from_date_parsing": ("must be a date and time", "は日時で入力してください"),
    "datetime_parsing": ("must be a date and time", "は日時で入力してください"),
    "string_type": ("must be text", "は文字列で指定してください"),
    "string_too_short": ("is too short", "が短すぎます"),
    "string_too_long": (
        "is too long (at most {limit} characters)",
        "が長すぎます(最大 {limit} 文字)",
    ),
    "greater_than_equal": ("must be at least {limit}", "は {limit} 以上にしてください"),
    "greater_than": ("must be more than {limit}", "は {limit} より大きくしてください"),
    "less_than_equal": ("must be at most {limit}", "は {limit} 以下にしてください"),
    "less_than": ("must be less than {limit}", "は {limit} 未満にしてください"),
    "list_type": ("must be a list", "はリストで指定してください"),
    "dict_type": ("must be an object", "はオブジェクトで指定してください"),
    "json_invalid": ("is not valid JSON", "が正しい JSON ではありません"),
}
LIMIT_KEYS = ("ge", "gt", "le", "lt", "max_length", "min_length")


def field_name(location: Sequence[Any]) -> str:
    """``body.code`` → ``code``: where the value came from (path, query, body) is noise to a user."""
    parts = [str(part) for part in location]
    if len(parts) > 1 and parts[0] in ("body", "query", "path", "form", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "request"


def describe(errors: Sequence[dict[str, Any]]) -> Text:
    english, japanese = [], []
    for error in errors:
        name = field_name(error.get("loc", ()))
        context = error.get("ctx") or {}
        limit = next((context[key] for key in LIMIT_KEYS if key in context), "")
        kind = KINDS.get(str(error.get("type", "")))
        if kind is None:
            message = str(error.get("msg", "is not valid"))
            english.append(f"{name}: {message}")
            japanese.append(f"{name} の値が正しくありません({message})")
        else:
            english.append(f"{name} {kind[0].format(limit=limit)}")
            japanese.append(f"{name} {kind[1].format(limit=limit)}")
    return Text(en="; ".join(english) + ".", ja="。".join(japanese) + "。")
