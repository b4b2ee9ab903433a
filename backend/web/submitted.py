"""The ``code`` of a submission as a client sends it: a form field, or a file uploaded in a
multipart form (a learner may send ``dataset.py`` itself). Either way it becomes text here, or a
4xx that says why; what the code may contain is checked by the submission service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

from backend.errors import Invalid, KadaiError, PayloadTooLarge


@asynccontextmanager
async def submitted_form(request: Request) -> AsyncIterator[FormData]:
    """The request's form, its uploaded files closed afterwards; one that cannot be parsed
    (a multipart body without its boundary, a field over the parser's limit) is a 400 that says
    so in both languages."""
    try:
        form = await request.form()
    except HTTPException as exc:
        raise KadaiError(
            f"The form could not be read: {exc.detail}",
            f"フォームを読み取れませんでした({exc.detail})。",
        ) from None
    try:
        yield form
    finally:
        await form.close()


async def code_from_form(form: FormData, max_bytes: int) -> str:
    """The form's ``code`` field, or the text of the file uploaded as ``code``."""
    if "code" not in form:
        raise Invalid(
            'The form has no field or file named "code".',
            "フォームに code という名前のフィールドまたはファイルがありません。",
        )
    value = form["code"]
    if not isinstance(value, UploadFile):
        return value
    name = value.filename or "code"
    data = await value.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PayloadTooLarge(
            f"The file {name} is larger than {max_bytes // 1024} KB.",
            f"ファイル {name} が上限({max_bytes // 1024} KB)を超えています。",
        )
    try:
        # A byte-order mark, as some Windows editors write one, is not part of the code.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(
            f"The file {name} is not UTF-8 text (byte {exc.start + 1}); save it as UTF-8 and "
            "upload it again.",
            f"ファイル {name} が UTF-8 のテキストではありません({exc.start + 1} バイト目)。"
            "UTF-8 で保存し直してからアップロードしてください。",
        ) from None


def is_form(content_type: str) -> bool:
    return content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded"))
