"""The LTI pages' strings in English and Japanese (``s(key)`` in the lti_*.html templates)."""

from __future__ import annotations

from collections.abc import Callable

STRINGS: dict[str, tuple[str, str]] = {
    "refused_title": ("The LMS launch was refused", "LMS からの起動を受け付けられませんでした"),
    "what_failed": ("What failed", "失敗した確認"),
    "admin_fix": ("What an administrator should fix", "管理者が確認すること"),
    "check": ("Check", "確認項目"),
    "open_new_window": ("Open Kadai in a new window", "新しいウィンドウで Kadai を開く"),
    "cookies_title": ("Continue in a new window", "新しいウィンドウで続ける"),
    "cookies_why": (
        "Your browser blocks Kadai's cookies inside the LMS page (third-party cookies), so Kadai cannot keep you signed in here.",
        "ブラウザが LMS のページ内での Kadai の Cookie(サードパーティ Cookie)をブロックしているため、ここではサインインした状態を保てません。",
    ),
    "cookies_how": (
        "Kadai opens in a window of its own, where you continue as {name}; this LMS page stays open. The button works once, for 5 minutes.",
        "Kadai を別のウィンドウで開き、{name} として続けます。この LMS のページは開いたままです。ボタンは 5 分間、1 回だけ使えます。",
    ),
    "cookies_allow": (
        "To stay inside the LMS page next time, allow third-party cookies for this site and open Kadai from the LMS again.",
        "次回 LMS のページ内で使うには、このサイトのサードパーティ Cookie を許可してから、LMS からもう一度 Kadai を開いてください。",
    ),
    "pick_title": ("Choose Kadai exercises", "Kadai の課題を選ぶ"),
    "pick_help": (
        "Each exercise you choose becomes an assignment of this course and a graded link in the LMS.",
        "選んだ課題はこのコースの課題になり、LMS には採点付きのリンクとして追加されます。",
    ),
    "points": ("points", "点"),
    "add_to_lms": ("Add to the LMS", "LMS に追加"),
    "returning": ("Returning to the LMS…", "LMS に戻っています…"),
    "continue": ("Continue", "続ける"),
    "continue_title": ("Continue to Kadai", "Kadai に進む"),
    "continue_as": ("Continue as {name}", "{name} として続ける"),
    "not_you": (
        "Not you? Close this window and open Kadai from the LMS again.",
        "ご本人でなければ、このウィンドウを閉じて LMS からもう一度 Kadai を開いてください。",
    ),
    "lti_admin": ("LTI 1.3 (Moodle, Canvas, …)", "LTI 1.3(Moodle、Canvas など)"),
    "tool_values": ("Values to paste into the LMS", "LMS に貼り付ける値"),
    "login_url": ("OIDC login (initiate login) URL", "OIDC ログイン(ログイン開始)URL"),
    "launch_url": ("Launch / redirect URL", "起動 / リダイレクト URL"),
    "jwks_url": ("Public keyset (JWKS) URL", "公開鍵セット(JWKS)URL"),
    "deep_linking_url": ("Deep Linking URL", "ディープリンク URL"),
    "json_config": (
        "JSON configuration (Canvas: Paste JSON)",
        "JSON 設定(Canvas の「JSON を貼り付け」)",
    ),
    "platforms": ("Registered platforms", "登録済みプラットフォーム"),
    "no_platforms": (
        "No platform is registered yet.",
        "登録済みのプラットフォームはまだありません。",
    ),
    "register": ("Register a platform", "プラットフォームを登録"),
    "register_help": (
        "From the LMS's tool registration: issuer (platform ID), client ID, deployment IDs and its three URLs. Registering the same issuer and client ID again updates it.",
        "LMS のツール登録画面から、issuer(プラットフォーム ID)、クライアント ID、デプロイメント ID、3 つの URL を写してください。同じ issuer とクライアント ID で登録すると更新されます。",
    ),
    "name": ("Name", "名前"),
    "issuer": ("Issuer (platform ID)", "Issuer(プラットフォーム ID)"),
    "client_id": ("Client ID", "クライアント ID"),
    "deployment_ids": (
        "Deployment IDs (space or comma separated)",
        "デプロイメント ID(空白またはカンマ区切り)",
    ),
    "auth_login_url": ("Platform OIDC auth URL", "プラットフォームの OIDC 認証 URL"),
    "auth_token_url": ("Platform access token URL", "プラットフォームのアクセストークン URL"),
    "platform_jwks_url": (
        "Platform public keyset (JWKS) URL",
        "プラットフォームの公開鍵セット(JWKS)URL",
    ),
    "save": ("Save", "保存"),
    "delete": ("Delete", "削除"),
    "keys": ("Tool keys", "ツールの鍵"),
    "rotate": ("Rotate the key", "鍵を更新"),
    "rotate_help": (
        "A new key signs from now on; the old one stays in the JWKS for 7 days.",
        "今後は新しい鍵で署名します。古い鍵は 7 日間 JWKS に残ります。",
    ),
    "created": ("Created", "作成"),
    "retired": ("Retired", "廃止"),
    "active": ("signing", "署名中"),
    "linked_courses": ("Courses linked to an LMS", "LMS と連携しているコース"),
    "done_registered": ("The platform is registered.", "プラットフォームを登録しました。"),
    "done_deleted": ("The platform was deleted.", "プラットフォームを削除しました。"),
    "done_rotated": ("A new key signs now.", "新しい鍵で署名するようになりました。"),
    "course_lti": ("LMS grade passback and roster", "LMS への成績送信と名簿"),
    "sync_roster": ("Sync the roster from the LMS", "LMS から名簿を同期"),
    "roster_synced": ("Roster synced; students added:", "名簿を同期しました。追加した学生:"),
    "resent": ("The score will be sent again.", "成績をもう一度送信します。"),
    "student": ("Student", "学生"),
    "assignment": ("Assignment", "課題"),
    "score": ("Score", "得点"),
    "passback": ("Passback", "成績送信"),
    "tries": ("Tries", "試行回数"),
    "platform_answer": ("Platform's answer", "プラットフォームの応答"),
    "resend": ("Resend", "再送信"),
    "no_sends": ("No score has been sent to the LMS yet.", "LMS にはまだ成績を送信していません。"),
    "state_pending": ("pending", "送信待ち"),
    "state_sent": ("sent", "送信済み"),
    "state_failed": ("failed", "失敗"),
    "last_synced": ("Roster last synced", "名簿の最終同期"),
    "never": ("never", "未実施"),
}


def strings(lang: str) -> Callable[[str], str]:
    def s(key: str) -> str:
        en, ja = STRINGS[key]
        return ja if lang == "ja" else en

    return s
