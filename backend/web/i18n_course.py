"""UI strings for running a course: late policies and overrides, course and assignment settings,
and the audit log (en, ja)."""

from __future__ import annotations

COURSE_STRINGS: dict[str, tuple[str, str]] = {
    # key: (en, ja)
    "late_policy": ("Late work", "遅延提出"),
    "late_until": ("Late deadline (hard close)", "遅延提出の期限(最終締め切り)"),
    "late_until_help": (
        "Optional. Nothing is accepted after it, whatever the policy. Leave empty for none.",
        "任意。この時刻を過ぎると、方針にかかわらず提出できません。空欄なら期限なし。",
    ),
    "late_penalty": ("Penalty (%)", "減点(%)"),
    "late_penalty_help": (
        "Per started day late (each 24 hours after the due date) or once, as chosen above.",
        "上で選んだ方針に従い、締め切りから 24 時間ごと(開始した日ごと)または 1 回だけ減点します。",
    ),
    "late_accept": ("accepted, no penalty", "受け付ける(減点なし)"),
    "late_per_day": ("penalty per day late", "1 日ごとに減点"),
    "late_fixed": ("fixed penalty", "一律に減点"),
    "late_reject": ("not accepted", "受け付けない"),
    "your_deadline": ("Your deadline", "あなたの締め切り"),
    "extended_for_you": ("extended for you", "あなた向けに延長済み"),
    "closes_at": ("Submissions close", "提出の最終期限"),
    "closed_note": (
        "Submissions are closed: the editor keeps your code, but it can no longer be sent.",
        "提出は締め切られました。コードはエディターに残りますが、送信はできません。",
    ),
    "archived": ("archived", "アーカイブ済み"),
    # Gradebook
    "raw_score": ("raw", "素点"),
    "penalty": ("penalty", "減点"),
    "days_late": ("days late", "日の遅れ"),
    "extension": ("extension", "延長あり"),
    # Settings pages
    "settings": ("Settings", "設定"),
    "course_settings": ("Course settings", "コースの設定"),
    "assignment_settings": ("Assignment settings", "課題の設定"),
    "archive": ("Archive", "アーカイブ"),
    "restore": ("Restore", "アーカイブを解除"),
    "delete": ("Delete", "削除"),
    "archive_course_help": (
        "An archived course is hidden from its learners and takes no submissions; staff keep "
        "its gradebook.",
        "アーカイブしたコースは学生に表示されず、提出もできません。成績一覧は教員が引き続き見られます。",
    ),
    "copy_course": ("Copy for a new term", "新しい学期用にコピー"),
    "copy_course_help": (
        "The copy gets this course's assignments (dates moved by the shift) and instructors; no "
        "students, submissions or overrides.",
        "コピーにはこのコースの課題(日付は指定した日数だけずらします)と担当教員が含まれます。"
        "学生・提出・個別設定はコピーされません。",
    ),
    "shift_days": ("Shift dates by (days)", "日付をずらす日数"),
    "assignment_archive_help": (
        "Archived: hidden from learners and closed to submissions; the submissions are kept.",
        "アーカイブすると学生には表示されず、提出もできなくなります。提出済みのものは保持されます。",
    ),
    "assignment_delete_help": (
        "Only an assignment without submissions can be deleted.",
        "削除できるのは提出がない課題だけです。",
    ),
    "overrides": ("Extensions and extra attempts", "締め切りの延長と提出回数の追加"),
    "overrides_help": (
        "For one student or a group: enter their addresses (separated by spaces, commas or new "
        "lines). The reason is shown to staff only.",
        "1 人または複数の学生に設定できます。メールアドレスを空白・カンマ・改行で区切って入力してください。"
        "理由は教員にのみ表示されます。",
    ),
    "students_emails": ("Students (email addresses)", "学生(メールアドレス)"),
    "extended_due": ("Extended due date", "延長後の締め切り"),
    "extra_attempts": ("Extra attempts", "追加の提出回数"),
    "reason": ("Reason (staff only)", "理由(教員のみ表示)"),
    "grant": ("Grant", "設定する"),
    "no_overrides": ("No student has an override.", "個別設定のある学生はいません。"),
    "effective_due": ("Effective due date", "適用される締め切り"),
    "remove": ("Remove", "解除"),
    "done_course_saved": ("Course saved.", "コースを保存しました。"),
    "done_course_archived": ("Course archived.", "コースをアーカイブしました。"),
    "done_course_restored": ("Course restored.", "コースのアーカイブを解除しました。"),
    "done_course_copied": (
        "Course copied: this is the new course.",
        "コースをコピーしました。これは新しいコースです。",
    ),
    "done_assignment_saved": (
        "Assignment saved: the gradebook already uses the new policy.",
        "課題を保存しました。成績一覧には新しい方針がすでに反映されています。",
    ),
    "done_assignment_archived": ("Assignment archived.", "課題をアーカイブしました。"),
    "done_assignment_restored": ("Assignment restored.", "課題のアーカイブを解除しました。"),
    "done_assignment_deleted": ("Assignment deleted.", "課題を削除しました。"),
    "done_overrides_saved": ("Overrides saved.", "個別設定を保存しました。"),
    "done_override_deleted": ("Override removed.", "個別設定を解除しました。"),
    # Audit log
    "audit_log": ("Audit log", "監査ログ"),
    "audit_help": (
        "Every change staff and administrators made to grades, roles, enrolments, deadlines, "
        "overrides, courses and exercises, newest first. Times in UTC.",
        "教員と管理者による成績・ロール・登録・締め切り・個別設定・コース・演習の変更の記録です"
        "(新しい順、時刻は UTC)。",
    ),
    "when": ("When (UTC)", "日時(UTC)"),
    "who": ("Who", "実行者"),
    "action": ("Action", "操作"),
    "subject": ("Subject", "対象"),
    "change": ("Change", "変更内容"),
    "before": ("Before", "変更前"),
    "after": ("After", "変更後"),
    "from_day": ("From", "開始日"),
    "to_day": ("To", "終了日"),
    "actor_email": ("By (email)", "実行者(メールアドレス)"),
    "all": ("all", "すべて"),
    "apply_filter": ("Filter", "絞り込む"),
    "no_entries": ("No entries match.", "該当する記録はありません。"),
    "entries": ("entries", "件"),
}
