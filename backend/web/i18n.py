"""UI strings in Japanese and English; the choice is a cookie, defaulting to the browser's."""

from __future__ import annotations

from fastapi import Request

from backend.web.i18n_learner import LEARNER_STRINGS

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
    "test_output": ("Printed during this check", "このチェック中の出力"),
    "held_output": (
        "Printed after a check with restricted visibility began",
        "公開範囲が限られたチェックの開始後の出力",
    ),
    "visibility_visible": ("shown to learners", "公開"),
    "visibility_after_due_date": ("shown after the due date", "締め切り後に公開"),
    "visibility_hidden": ("never shown to learners", "非公開"),
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
    "editor_hint": (
        "Ctrl+Enter (⌘+Enter on a Mac) submits.",
        "Ctrl+Enter(Mac では ⌘+Enter)で提出できます。",
    ),
    "error_title": ("Something went wrong", "エラーが発生しました"),
    "failure_rates": ("Which checks fail most", "失敗の多いチェック"),
    "failure_rates_help": (
        "Share of students whose latest graded attempt failed each check.",
        "各チェックについて、最新の採点結果で失敗している学生の割合です。",
    ),
    "no_results": ("No graded submissions yet.", "採点済みの提出はまだありません。"),
    "regrade": ("Regrade", "再採点"),
    "regrade_all": ("Regrade every submission", "すべての提出を再採点"),
    "regrade_all_help": (
        "After fixing the tests: grade all submissions again with the current exercise version.",
        "テストを修正した後に、現在の版の課題ですべての提出を採点し直します。",
    ),
    "admin": ("Admin", "管理"),
    "exercises": ("Exercises", "課題一覧"),
    "upload_package": ("Exercise package (zip)", "課題パッケージ(zip)"),
    "upload": ("Upload and validate", "アップロードして検証"),
    "upload_help": (
        "The solution must get full marks and the starter must not, in the sandbox.",
        "サンドボックスで解答例が満点、スターターが満点未満であることを確認します。",
    ),
    "published": ("Published", "公開しました"),
    "not_published": (
        "Not published: see the problems below.",
        "公開されませんでした。以下の問題を確認してください。",
    ),
    "users": ("Users", "ユーザー"),
    "name": ("Name", "名前"),
    "role": ("Role", "ロール"),
    "add_user": ("Add user", "ユーザーを追加"),
    "title": ("Title", "タイトル"),
    "add_course": ("Add course", "コースを追加"),
    "enroll": ("Enrol", "登録"),
    "add_assignment": ("Add assignment", "課題を追加"),
    "api_tokens": ("API tokens", "API トークン"),
    "save": ("Save", "保存"),
    "token_once": (
        "Copy it now: it is shown only once.",
        "今すぐコピーしてください。一度しか表示されません。",
    ),
    "revoked": ("revoked", "無効化済み"),
    "active": ("active", "有効"),
    "revoke": ("Revoke", "無効化"),
    "create_token": ("Create token", "トークンを作成"),
    "previous": ("Previous", "前へ"),
    "next": ("Next", "次へ"),
    "students": ("students", "人の学生"),
    "change_password": ("Change password", "パスワードを変更"),
    "current_password": ("Current password", "現在のパスワード"),
    "new_password": ("New password", "新しいパスワード"),
    "password_changed": (
        "Password changed: every other session has been signed out.",
        "パスワードを変更しました。ほかのセッションはすべてサインアウトされました。",
    ),
    "end_sessions": ("Sign out everywhere", "すべてのセッションを終了"),
    "sessions": ("Sessions", "セッション"),
    "confirm_replace": ("Replace the current version?", "現在の版を置き換えますか?"),
    "confirm_replace_help": (
        "An exercise with this id is already published. Publishing makes the upload the current "
        "version in every course that uses it. The changes to its tests are shown below.",
        "この ID の課題はすでに公開されています。公開すると、この課題を使うすべてのコースで"
        "アップロードした版が現在の版になります。テストの変更点を以下に示します。",
    ),
    "publish_new_version": ("Validate and publish this version", "この版を検証して公開"),
    "tests_unchanged": ("The tests are unchanged.", "テストに変更はありません。"),
    "used_in_courses": ("Courses using it", "使用しているコース"),
}

STRINGS.update(LEARNER_STRINGS)


def language(request: Request) -> str:
    chosen = request.cookies.get("lang")
    if chosen in LANGS:
        return chosen
    accept = request.headers.get("accept-language", "")
    return "ja" if accept.lower().startswith("ja") else "en"


def translate(key: str, lang: str) -> str:
    en, ja = STRINGS.get(key, (key, key))
    return ja if lang == "ja" else en
