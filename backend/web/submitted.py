"""The ``code`` of a submission as a client sends it: a form field, or a file uploaded in a
multipart form (a learner may send ``dataset.py`` itself, or a notebook ``work.ipynb``). Either way
it becomes text here, or a 4xx that says why; what the code may contain is checked by the
submission service, which also turns a notebook into code."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

from backend.errors import Invalid, KadaiError, PayloadTooLarge

# How much larger than the code limit an uploaded notebook may be (see body_limits).
NOTEBOOK_FACTOR = 4


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
    # A notebook carries its outputs and JSON quoting besides the code, which alone is bounded
    # by ``max_bytes`` once extracted; the body limit bounds the file.
    limit = max_bytes * NOTEBOOK_FACTOR if name.lower().endswith(".ipynb") else max_bytes
    data = await value.read(limit + 1)
    if len(data) > limit:
        hint_en = hint_ja = ""
        if limit != max_bytes:
            hint_en = " Clear its outputs (Edit → Clear All Outputs), save it and upload it again."
            hint_ja = "出力を消去(編集 → すべての出力をクリア)して保存し、もう一度アップロードしてください。"
        raise PayloadTooLarge(
            f"The file {name} is larger than {limit // 1024} KB.{hint_en}",
            f"ファイル {name} が上限({limit // 1024} KB)を超えています。{hint_ja}",
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


def filename_from_form(form: FormData) -> str | None:
    """The name the code was sent under: a ``filename`` field, else the uploaded file's name."""
    given = form.get("filename")
    if isinstance(given, str) and given.strip():
        return given.strip()
    value = form.get("code")
    return value.filename if isinstance(value, UploadFile) and value.filename else None


def is_form(content_type: str) -> bool:
    return content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded"))
