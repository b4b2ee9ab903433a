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
}
