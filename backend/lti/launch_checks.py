"""The checks a launch must pass, each with a bilingual explanation for the learner and the
administrator's fix; a refused launch shows them (``lti_error.html``) and logs its check."""

from __future__ import annotations

from dataclasses import dataclass

# check: (status, what failed en, ja, what an administrator should fix en, ja)
CHECKS: dict[str, tuple[int, str, str, str, str]] = {
    "cookies_blocked": (
        400,
        "Your browser did not keep Kadai's sign-in cookie inside the LMS page.",
        "ブラウザが LMS のページ内で Kadai のサインイン用 Cookie を保持しませんでした。",
        "Open Kadai in a new window (button below), or allow third-party cookies for this site.",
        "下のボタンから新しいウィンドウで開くか、このサイトのサードパーティ Cookie を許可してください。",
    ),
    "state_mismatch": (
        400,
        "This launch does not belong to the sign-in this browser started.",
        "この起動は、このブラウザで開始したサインインのものではありません。",
        "Start again from the LMS; if it repeats, check that the LMS posts back to the launch URL shown on Kadai's LTI page.",
        "LMS からやり直してください。繰り返す場合は、LMS の戻り先が Kadai の LTI ページに表示された起動 URL か確認してください。",
    ),
    "state_expired": (
        400,
        "The sign-in took too long or was altered.",
        "サインインに時間がかかりすぎたか、内容が改変されています。",
        "Start again from the LMS.",
        "LMS からやり直してください。",
    ),
    "unknown_platform": (
        400,
        "This LMS is not registered with Kadai.",
        "この LMS は Kadai に登録されていません。",
        "Register the platform (issuer and client id) on Kadai's LTI administration page or with `kadai lti register`.",
        "Kadai の LTI 管理ページまたは `kadai lti register` でプラットフォーム(issuer とクライアント ID)を登録してください。",
    ),
    "token_malformed": (
        400,
        "The LMS sent no readable launch token.",
        "LMS から読み取れる起動トークンが届きませんでした。",
        "Check that the LMS sends an LTI 1.3 id_token (not an LTI 1.1 launch) to the launch URL.",
        "LMS が起動 URL に LTI 1.3 の id_token(LTI 1.1 ではなく)を送っているか確認してください。",
    ),
    "jwks_unreachable": (
        502,
        "Kadai could not fetch the LMS's public keys.",
        "Kadai が LMS の公開鍵を取得できませんでした。",
        "Check the platform's JWKS URL in Kadai's registration and that Kadai can reach it.",
        "Kadai の登録にある JWKS URL と、Kadai からその URL に到達できるかを確認してください。",
    ),
    "service_url": (
        400,
        "The LMS named a grade or roster service outside its own address.",
        "LMS が、自身のアドレス以外にある成績・名簿サービスを指定しました。",
        "Check the LMS's LTI service URLs: they must be on the same host as its issuer, token or login URL registered on Kadai.",
        "LMS の LTI サービス URL を確認してください。Kadai に登録した issuer・トークン・ログイン URL と同じホストである必要があります。",
    ),
    "unknown_key": (
        401,
        "The launch token is signed with a key the LMS does not publish.",
        "起動トークンが、LMS の公開していない鍵で署名されています。",
        "Check the platform's JWKS URL in Kadai's registration.",
        "Kadai の登録にある JWKS URL を確認してください。",
    ),
    "signature": (
        401,
        "The launch token's signature is not valid.",
        "起動トークンの署名が正しくありません。",
        "Check that the JWKS URL registered in Kadai is this LMS's; someone may have altered the launch.",
        "Kadai に登録された JWKS URL がこの LMS のものか確認してください。起動が改ざんされた可能性があります。",
    ),
    "issuer": (
        401,
        "The launch token comes from a different LMS than the sign-in.",
        "起動トークンの発行元が、サインインを開始した LMS と異なります。",
        "Check the issuer registered in Kadai.",
        "Kadai に登録された issuer を確認してください。",
    ),
    "audience": (
        401,
        "The launch token was issued for another tool.",
        "起動トークンは別のツール向けに発行されています。",
        "Check that the client id registered in Kadai is the one the LMS gave this tool.",
        "Kadai に登録したクライアント ID が、LMS がこのツールに割り当てたものか確認してください。",
    ),
    "expired": (
        401,
        "The launch token has expired (or the clocks disagree).",
        "起動トークンの有効期限が切れています(または時計がずれています)。",
        "Start again from the LMS; if it repeats, check the clocks of the LMS and Kadai's servers.",
        "LMS からやり直してください。繰り返す場合は LMS と Kadai のサーバー時刻を確認してください。",
    ),
    "nonce": (
        401,
        "This launch was already used or does not match the sign-in.",
        "この起動はすでに使われたか、サインインと一致しません。",
        "Start again from the LMS; a launch can be used only once.",
        "LMS からやり直してください。起動は 1 回しか使えません。",
    ),
    "deployment": (
        403,
        "This deployment of Kadai in the LMS is not registered.",
        "LMS 上のこの Kadai のデプロイメントは登録されていません。",
        "Add the deployment id to the platform's registration in Kadai.",
        "Kadai のプラットフォーム登録にこのデプロイメント ID を追加してください。",
    ),
    "message": (
        400,
        "The LMS sent a kind of launch Kadai does not handle.",
        "Kadai が扱わない種類の起動が送られました。",
        "Use LtiResourceLinkRequest or LtiDeepLinkingRequest messages of LTI 1.3.0.",
        "LTI 1.3.0 の LtiResourceLinkRequest または LtiDeepLinkingRequest を使ってください。",
    ),
    "roles": (
        403,
        "The LMS did not say which role you have in this course.",
        "このコースでのあなたのロールが LMS から送られませんでした。",
        "Let the LMS send the roles claim (course membership) to Kadai.",
        "LMS がロール(コースのメンバーシップ)を Kadai に送るよう設定してください。",
    ),
    "user": (
        403,
        "The LMS did not identify you (anonymous launch).",
        "LMS からユーザーが識別されませんでした(匿名起動)。",
        "Kadai needs the user's id (sub); disable anonymous launches for Kadai in the LMS.",
        "Kadai にはユーザー ID(sub)が必要です。LMS で Kadai の匿名起動を無効にしてください。",
    ),
    "context": (
        400,
        "The launch does not come from a course.",
        "起動がコースから行われていません。",
        "Add Kadai to a course in the LMS (the launch needs the context claim).",
        "LMS のコースに Kadai を追加してください(起動にはコンテキストが必要です)。",
    ),
    "instructors_only": (
        403,
        "Only instructors may choose Kadai exercises for the LMS.",
        "LMS に Kadai の課題を追加できるのは教員だけです。",
        "Sign in to the LMS as an instructor of the course.",
        "コースの教員として LMS にサインインしてください。",
    ),
}


@dataclass
class LaunchRefused(Exception):
    """A launch failed ``check``; ``detail`` is for the log, never shown."""

    check: str
    detail: str = ""
    # The login parameters, to open the launch again in a new window (cookies_blocked only).
    retry_url: str | None = None

    @property
    def status_code(self) -> int:
        return CHECKS[self.check][0]

    def texts(self, lang: str) -> tuple[str, str]:
        _, en, ja, fix_en, fix_ja = CHECKS[self.check]
        return (ja, fix_ja) if lang == "ja" else (en, fix_en)
