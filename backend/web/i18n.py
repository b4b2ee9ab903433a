"""UI strings in Japanese and English; the choice is a cookie, defaulting to the browser's."""

from __future__ import annotations

from fastapi import Request

from backend.web.artifacts import ARTIFACT_STRINGS
from backend.web.i18n_course import COURSE_STRINGS
from backend.web.i18n_feedback import FEEDBACK_STRINGS
from backend.web.i18n_learner import LEARNER_STRINGS
from backend.web.i18n_review import REVIEW_STRINGS

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
    "best": ("Score that counts", "成績に入る点"),
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
    # Scores and states: the grading state and what the score means are shown apart.
    "mark_full": ("Full marks", "満点"),
    "mark_partial": ("Partly correct", "一部正解"),
    "mark_none": ("No points", "0 点"),
    # Staff pages
    "score_policy": ("Score policy", "採点方針"),
    "policy_best": ("best attempt counts", "最高点を採用"),
    "policy_latest": ("latest attempt counts", "最新の提出を採用"),
    "grader_log": ("Grader log", "採点ログ"),
    "version": ("Version", "版"),
    "points": ("Points", "配点"),
    "max_attempts": ("Attempt limit", "提出回数の上限"),
    "no_limit": ("no limit", "上限なし"),
    "submissions": ("Submissions", "提出数"),
    "teacher_view": (
        "You teach this course: the gradebook shows every student's results.",
        "このコースの担当教員です。学生の成績は成績一覧で確認できます。",
    ),
    "regrade_confirm": ("Regrade every submission?", "すべての提出を再採点しますか?"),
    "regrade_confirm_help": (
        "Each graded submission of this assignment is graded again with the current version; "
        "scores may change.",
        "この課題の採点済みの提出をすべて現在の版で採点し直します。得点が変わる場合があります。",
    ),
    "regrade_count": ("Submissions to regrade", "再採点する提出"),
    "regrade_go": ("Yes, regrade them", "再採点する"),
    "cancel": ("Cancel", "キャンセル"),
    "regrade_queued": (
        "submissions queued for regrading",
        "件の提出を再採点の待ち行列に入れました",
    ),
    "regrade_progress": ("Regrading", "再採点の進み具合"),
    "regrade_pending": ("still waiting or grading", "件が待機中または採点中"),
    "regrade_done": ("Regrading is finished.", "再採点が終わりました。"),
    # Tokens
    "prefix": ("Prefix", "先頭"),
    "scopes": ("Scopes", "スコープ"),
    "scope_read": (
        "read: courses, assignments, your submissions",
        "読み取り: コース・課題・自分の提出",
    ),
    "scope_submit": ("submit: send submissions", "提出: 解答を送る"),
    "scope_grades": ("grades: gradebooks of courses you teach", "成績: 担当コースの成績一覧"),
    "scope_manage": (
        "manage: enrol students (admins: users and courses)",
        "管理: 学生の登録(管理者はユーザーとコースも)",
    ),
    # Roles
    "role_student": ("Student", "学生"),
    "role_instructor": ("Instructor", "教員"),
    "role_admin": ("Administrator", "管理者"),
    # Admin
    "exercise": ("Exercise", "演習"),
    "upload_heading": ("Add or update an exercise", "演習を追加・更新"),
    "upload_case": ("Submission", "提出物"),
    "upload_expect": ("Expected score", "期待する得点"),
    "upload_ok": ("as expected", "期待どおり"),
    "upload_wrong": ("WRONG", "期待と異なる"),
    "exercise_id": ("ID", "ID"),
    "kind": ("Kind", "種類"),
    "kind_code": ("code", "コード"),
    "kind_quiz": ("quiz", "クイズ"),
    "course": ("Course", "コース"),
    "course_code": ("Code", "コード"),
    "time_zone": ("Time zone", "タイムゾーン"),
    "enrollments": ("Enrolments", "登録"),
    "no_enrollments": ("Nobody is enrolled yet.", "まだ誰も登録されていません。"),
    "due_local": ("Due (course's time zone)", "締め切り(コースのタイムゾーン)"),
    "due_local_help": (
        "Leave empty for no due date. The time is in the chosen course's time zone.",
        "空欄なら締め切りなし。時刻は選んだコースのタイムゾーンです。",
    ),
    "max_attempts_help": ("Leave empty for no limit.", "空欄なら上限なし。"),
    "done_user_added": ("User added.", "ユーザーを追加しました。"),
    "done_course_added": ("Course added.", "コースを追加しました。"),
    "done_enrolled": ("Enrolled.", "登録しました。"),
    "done_assignment_added": ("Assignment added.", "課題を追加しました。"),
    "done_role_changed": ("Role changed.", "ロールを変更しました。"),
    "done_sessions_ended": ("Sessions ended.", "セッションを終了しました。"),
    "invalid_input": ("Some input is not valid", "入力に誤りがあります"),
}

STRINGS.update(LEARNER_STRINGS)
STRINGS.update(ARTIFACT_STRINGS)
STRINGS.update(FEEDBACK_STRINGS)
STRINGS.update(COURSE_STRINGS)
STRINGS.update(REVIEW_STRINGS)


def language(request: Request) -> str:
    chosen = request.cookies.get("lang")
    if chosen in LANGS:
        return chosen
    accept = request.headers.get("accept-language", "")
    return "ja" if accept.lower().startswith("ja") else "en"


def translate(key: str, lang: str) -> str:
    en, ja = STRINGS.get(key, (key, key))
    return ja if lang == "ja" else en
