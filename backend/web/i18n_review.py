"""UI strings of regrade requests, similarity runs and course analytics (en, ja)."""

from __future__ import annotations

REVIEW_STRINGS: dict[str, tuple[str, str]] = {
    # key: (en, ja)
    "review_heading": ("Review of this result", "この結果の再採点"),
    "review_ask_label": (
        "Ask staff to review this result (say what you think is wrong):",
        "この結果の再採点を教員に依頼する(どこがおかしいと思うかを書いてください):",
    ),
    "review_ask": ("Ask for a review", "再採点を依頼"),
    "review_asked": ("Asked", "依頼日時"),
    "review_answered": ("Answered", "回答日時"),
    "review_waiting": ("Waiting for staff's answer.", "教員の回答を待っています。"),
    "review_score_now": ("Score after review", "再採点後の得点"),
    "review_graded_score": ("graded score", "自動採点の得点"),
    "review_reason": ("Reason", "理由"),
    "review_queue": ("Regrade requests", "再採点の依頼"),
    "review_queue_empty": ("No open regrade requests.", "未回答の再採点の依頼はありません。"),
    "review_show_all": ("Show answered requests too", "回答済みの依頼も表示"),
    "review_show_open": ("Show open requests only", "未回答の依頼だけを表示"),
    "review_answer_label": ("Answer to the learner", "学生への回答"),
    "review_new_score": ("New score", "新しい得点"),
    "review_new_score_help": (
        "Leave empty to keep the score; a new score needs a reason.",
        "得点を変えないときは空欄。変えるときは理由も書いてください。",
    ),
    "review_send_answer": ("Send the answer", "回答を送る"),
    "overridden_from": ("overridden; graded", "変更済み。自動採点"),
    # Similarity
    "similarity": ("Similarity", "類似度チェック"),
    "similarity_help": (
        "Compares each learner's counted submission with every other, ignoring the "
        "exercise's starter and solution. Renamed variables and reordered functions still match. "
        "A high score is a reason to look, not proof of copying.",
        "各学生の採点対象の提出物を総当たりで比較します。演習のスターターと解答例の"
        "コードは除外します。変数名の変更や関数の並べ替えがあっても一致を検出します。"
        "類似度が高いことは確認のきっかけであり、コピーの証拠ではありません。",
    ),
    "similarity_run_now": ("Run now", "今すぐ実行"),
    "similarity_run_after_due": ("Run after the due date", "締め切り後に実行"),
    "similarity_runs": ("Runs", "実行履歴"),
    "similarity_when": ("Finished / scheduled", "完了・予定日時"),
    "similarity_compared": ("Submissions compared", "比較した提出物"),
    "similarity_pairs": ("Most similar pairs", "類似度の高い組み合わせ"),
    "similarity_rank": ("Rank", "順位"),
    "similarity_percent": ("Similarity", "類似度"),
    "similarity_tokens": ("Matching tokens", "一致したトークン数"),
    "similarity_compare": ("Side by side", "並べて比較"),
    "similarity_none": (
        "No two submissions share code.",
        "共通するコードのある提出物はありません。",
    ),
    "similarity_side_by_side": ("Side by side", "並べて比較"),
    "similarity_marked": (
        "Marked fragments are found in the other submission (names may differ).",
        "印の付いた部分は、もう一方の提出物にも見つかったコードです(名前は異なる場合があります)。",
    ),
    "similarity_found_in_other": ("found in the other", "がもう一方と一致"),
    "run_queued": ("waiting", "待機中"),
    "run_running": ("running", "実行中"),
    "run_done": ("done", "完了"),
    "run_failed": ("failed", "失敗"),
    # Analytics
    "analytics": ("Analytics", "分析"),
    "analytics_submitted": ("learners submitted", "人の学生が提出"),
    "analytics_help": (
        "From every learner's attempts; a score staff overrode counts as overridden. "
        "Each chart's data is also in the table below it.",
        "全学生の提出から集計しています。教員が変更した得点は変更後の値で数えます。"
        "各グラフのデータは下の表でも確認できます。",
    ),
}
