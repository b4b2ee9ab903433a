"""UI strings in Japanese and English; the choice is a cookie, defaulting to the browser's."""

from __future__ import annotations

from fastapi import Request

LANGS = ("ja", "en")

STRINGS: dict[str, tuple[str, str]] = {
    # key: (en, ja)
    "app": ("Kadai", "Kadai 課題"),
    "sign_in": ("Sign in", "サインイン"),
    "sign_out": ("Sign out", "サインアウト"),
    "email": ("Email", "メールアドレス"),
    "password": ("Password", "パスワード"),
    "courses": ("Courses", "コース"),
    "no_courses": (
        "You are not enrolled in any course yet.",
        "まだどのコースにも登録されていません。",
    ),
    "assignment": ("Assignment", "課題"),
    "due": ("Due", "締め切り"),
    "no_due": ("no due date", "締め切りなし"),
    "attempts": ("Attempts", "提出回数"),
    "best": ("Best score", "最高点"),
    "status": ("Status", "状態"),
    "open": ("Open", "開く"),
    "submit": ("Submit", "提出"),
    "history": ("Submission history", "提出履歴"),
    "result": ("Result", "結果"),
    "score": ("Score", "得点"),
    "runtime": ("Runtime", "実行時間"),
    "output": ("Captured output", "出力"),
    "code": ("Code", "コード"),
    "queued": ("Queued", "待機中"),
    "running": ("Grading…", "採点中…"),
    "graded": ("Graded", "採点済み"),
    "error": ("Error", "エラー"),
    "not_submitted": ("Not submitted", "未提出"),
    "gradebook": ("Gradebook", "成績一覧"),
    "export_csv": ("Export CSV", "CSV をダウンロード"),
    "filter": ("Filter students", "学生を絞り込む"),
    "student": ("Student", "学生"),
    "total": ("Total", "合計"),
    "late": ("late", "遅延"),
    "true": ("True", "正しい"),
    "false": ("False", "誤り"),
    "attempt": ("Attempt", "回目"),
    "submitted_at": ("Submitted", "提出日時"),
    "hidden_test": ("Hidden test", "非公開のテスト"),
    "back": ("Back", "戻る"),
    "view": ("View", "表示"),
    "your_submissions": ("Your submissions", "あなたの提出"),
    "editor_hint": ("Ctrl+Enter submits.", "Ctrl+Enter で提出できます。"),
    "error_title": ("Something went wrong", "エラーが発生しました"),
}


def language(request: Request) -> str:
    chosen = request.cookies.get("lang")
    if chosen in LANGS:
        return chosen
    accept = request.headers.get("accept-language", "")
    return "ja" if accept.lower().startswith("ja") else "en"


def translate(key: str, lang: str) -> str:
    en, ja = STRINGS.get(key, (key, key))
    return ja if lang == "ja" else en
