"""The ``kadai`` command: the grader's commands plus ``serve`` and ``token``."""

from __future__ import annotations

import argparse
import sys

from grader.engine import GraderSettings, command_parser


def command_serve(args: argparse.Namespace, _grader_settings: object) -> int:
    import uvicorn

    from backend import logs
    from backend.app import create_app
    from backend.bootstrap import prepare
    from backend.settings import Settings

    settings = Settings()
    logs.configure()
    password = prepare(settings, demo=args.demo)
    if password:
        print(f"First admin: {settings.admin_email} / {password}  (shown once)", flush=True)
    elif settings.admin_password:
        print(
            f"Admin: sign in as {settings.admin_email} with KADAI_ADMIN_PASSWORD (the password "
            "it had when this account was created)",
            flush=True,
        )
    if args.demo:
        print("Demo: student1@kadai.local, teacher@kadai.local — password kadai-demo", flush=True)
    app = create_app(settings)
    key = app.state.signing_key
    if key.path is None:
        print("Session secret: KADAI_SECRET_KEY", flush=True)
    else:
        made = "generated now and kept" if key.generated_now else "kept"
        print(
            f"Session secret: {made} in {key.path} (mode 0600; set KADAI_SECRET_KEY to use your "
            "own, and keep this file private)",
            flush=True,
        )
    # proxy_headers=False: uvicorn would believe X-Forwarded-For from any loopback client;
    # create_app believes it only from KADAI_TRUSTED_PROXIES.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="info",
        proxy_headers=False,
        server_header=False,
    )
    return 0


def command_worker(args: argparse.Namespace, _grader_settings: object) -> int:
    from backend import logs
    from backend.celery_app import make_celery, worker_queues
    from backend.settings import Settings

    settings = Settings()
    logs.configure()
    queues = args.queues or ",".join(worker_queues(settings))
    app = make_celery(settings)
    app.worker_main(
        [
            "worker",
            "-Q",
            queues,
            "-c",
            str(args.concurrency),
            "--loglevel",
            "INFO",
            "-n",
            args.name,
            "--without-gossip",
            "--without-mingle",
        ]
    )
    return 0


def command_token(args: argparse.Namespace, _grader_settings: object) -> int:
    from backend.auth.repository import UserRepository
    from backend.auth.service import issue_token
    from backend.db import make_engine, make_session_factory, transaction
    from backend.settings import Settings

    settings = Settings()
    engine = make_engine(settings.sqlalchemy_url)
    with transaction(make_session_factory(engine)) as session:
        user = UserRepository(session).by_email(args.email)
        if user is None:
            print(f"kadai: no user {args.email}", file=sys.stderr)
            return 1
        secret, _ = issue_token(session, user, args.name, args.scopes.split(","))
    engine.dispose()
    print(secret)
    return 0


def command_exercise_add(args: argparse.Namespace, _grader_settings: object) -> int:
    import tempfile
    from pathlib import Path

    from backend.errors import KadaiError
    from backend.exercises.upload import unpack
    from grader.engine import read_export_manifest

    source = Path(args.dir)
    if not source.is_file():
        return add_folder(source)
    # A zip (`kadai exercise export`, or any upload zip): unpacked as the admin upload does.
    exported = read_export_manifest(source)
    with tempfile.TemporaryDirectory(prefix="kadai-add-") as workdir:
        try:
            folder = unpack(source.read_bytes(), Path(workdir))
        except (KadaiError, OSError) as exc:
            text = exc.text.en if isinstance(exc, KadaiError) else str(exc)
            print(f"kadai: {source}: {text}", file=sys.stderr)
            return 1
        if exported is not None:
            print(f"{source}: exported {exported.id} version {exported.version}")
        return add_folder(folder, exported.version if exported else None)


def add_folder(folder: object, exported_version: str | None = None) -> int:
    from pathlib import Path

    from backend.bootstrap import migrate
    from backend.db import make_engine, make_session_factory, transaction
    from backend.exercises.service import add_package
    from backend.settings import Settings
    from grader.engine import Grader

    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings.sqlalchemy_url)
    engine = make_engine(settings.sqlalchemy_url)
    try:
        with (
            transaction(make_session_factory(engine)) as session,
            Grader(settings.grader) as grader,
        ):
            report = add_package(
                session,
                grader,
                Path(str(folder)),
                settings.data_dir / "exercises",
                with_variants=True,
            )
    finally:
        engine.dispose()
    for problem in report.problems:
        print(f"  {problem}")
    for case in report.outcomes:
        print(
            f"{case.name:40} {case.expectation:>8} {case.result.score:>7g}  "
            f"{'ok' if case.ok else 'WRONG'}"
        )
    package = report.package
    if package and exported_version and package.version != exported_version:
        print(
            f"note: these files are version {package.version}, not the exported "
            f"{exported_version}: the zip was changed after it was exported"
        )
    if report.published and package:
        print(f"published {package.id} version {package.version}")
        return 0
    print("not published", file=sys.stderr)
    return 1


def command_exercise_preview(args: argparse.Namespace, grader_settings: GraderSettings) -> int:
    import signal
    import tempfile
    from pathlib import Path

    import uvicorn

    from backend import logs
    from backend.app import create_app
    from backend.exercises.preview import prepare_preview
    from grader.engine import PackageError

    folder = Path(args.exercise)
    if not (folder / "exercise.toml").exists():
        folder = grader_settings.exercises_dir / args.exercise
    logs.configure()
    # uvicorn re-raises the signal that stopped it; as an exception, SIGTERM too leaves the
    # with-block below, which deletes the preview's data.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with tempfile.TemporaryDirectory(prefix="kadai-preview-") as data_dir:
        try:
            preview = prepare_preview(folder, Path(data_dir), grader_settings)
        except PackageError as exc:
            print(f"kadai: {exc.root}: {len(exc.problems)} problem(s)", file=sys.stderr)
            for problem in exc.problems:
                print(f"  {problem}", file=sys.stderr)
            return 1
        address = f"http://{args.host}:{args.port}"
        print(
            f"Preview of {preview.package.id} (version {preview.package.version}), the solution "
            f"in the editor:\n  {address}/login?next={preview.path}\n"
            f"  sign in as {preview.email} / {preview.password}  (this preview only; its data "
            "is deleted when you stop it with Ctrl+C)",
            flush=True,
        )
        try:
            uvicorn.run(
                create_app(preview.settings),
                host=args.host,
                port=args.port,
                log_level="warning",
                proxy_headers=False,
                server_header=False,
            )
        except KeyboardInterrupt:
            pass  # Ctrl+C: the data folder is deleted on the way out


def command_lti_register(args: argparse.Namespace, _grader_settings: object) -> int:
    import json

    from backend.bootstrap import migrate
    from backend.db import make_engine, make_session_factory, transaction
    from backend.errors import KadaiError
    from backend.lti import keys, service
    from backend.settings import Settings

    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(settings.sqlalchemy_url)
    engine = make_engine(settings.sqlalchemy_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            platform = service.register_platform(
                session,
                name=args.name or "",
                issuer=args.issuer,
                client_id=args.client_id,
                deployment_ids=args.deployment_id,
                auth_login_url=args.auth_url,
                auth_token_url=args.token_url,
                jwks_url=args.jwks_url,
            )
            keys.signing_key(session)  # the tool's key exists before the LMS fetches the JWKS
            platform_id = platform.id
    except KadaiError as exc:
        print(f"kadai: {exc.text.en}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    urls = service.ToolUrls(args.tool_url.rstrip("/"))
    print(f"registered platform {platform_id} ({args.issuer}, client id {args.client_id})")
    print("Paste into the LMS:")
    print(f"  OIDC login URL:    {urls.login}")
    print(f"  Launch/redirect:   {urls.launch}")
    print(f"  JWKS URL:          {urls.jwks}")
    print(f"  Deep Linking URL:  {urls.deep_linking}")
    if args.json:
        print(json.dumps(urls.configuration(), indent=2))
    return 0


def parser() -> argparse.ArgumentParser:
    root = command_parser()
    commands = next(a for a in root._actions if isinstance(a, argparse._SubParsersAction))
    serve = commands.add_parser("serve", help="run the web platform (migrates first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help="add a demo course and users")
    serve.set_defaults(handler=command_serve)
    exercise = commands.choices["exercise"]
    exercise_actions = next(
        a for a in exercise._actions if isinstance(a, argparse._SubParsersAction)
    )
    add = exercise_actions.add_parser("add", help="validate in the sandbox, then publish")
    add.add_argument("dir", help="a package folder, or a zip (kadai exercise export)")
    add.set_defaults(handler=command_exercise_add)
    preview = exercise_actions.add_parser(
        "preview", help="serve the exercise page locally, the solution in the editor"
    )
    preview.add_argument("exercise", help="an exercise id, or a package folder")
    preview.add_argument("--host", default="127.0.0.1")
    preview.add_argument("--port", type=int, default=8000)
    preview.set_defaults(handler=command_exercise_preview)
    worker = commands.add_parser("worker", help="run a Celery grading worker (scale-out)")
    worker.add_argument("--queues", help="default: cpu, plus gpu when KADAI_WORKER_GPUS > 0")
    worker.add_argument("--concurrency", type=int, default=1)
    worker.add_argument("--name", default="kadai@%h")
    worker.set_defaults(handler=command_worker)
    token = commands.add_parser(
        "token",
        help="issue an API token for a user",
        description="Scopes: read (courses, assignments, own submissions), submit (send "
        "submissions), grades (gradebook of courses you teach), manage (enrol students in "
        "courses you teach; admins also create users and courses and end users' sessions). "
        "Students may hold read and submit only; instructors and admins any.",
    )
    token.add_argument("email")
    token.add_argument("--name", default="cli")
    token.add_argument(
        "--scopes",
        default="read,submit",
        help="comma-separated, among read,submit,grades,manage (default: read,submit)",
    )
    token.set_defaults(handler=command_token)
    lti = commands.add_parser("lti", help="LTI 1.3: connect an LMS (Moodle, Canvas, ...)")
    lti_actions = lti.add_subparsers(dest="lti_command", required=True)
    register = lti_actions.add_parser(
        "register",
        help="register (or update) an LMS platform and print the values to paste into it",
    )
    register.add_argument("--issuer", required=True, help="the platform's issuer (platform ID)")
    register.add_argument("--client-id", required=True)
    register.add_argument(
        "--deployment-id", action="append", required=True, help="repeat for several"
    )
    register.add_argument("--auth-url", required=True, help="the platform's OIDC auth URL")
    register.add_argument("--token-url", required=True, help="the platform's access token URL")
    register.add_argument("--jwks-url", required=True, help="the platform's public keyset URL")
    register.add_argument("--name", help="shown on the admin page (default: the issuer)")
    register.add_argument(
        "--tool-url", default="http://127.0.0.1:8000", help="Kadai's public base URL"
    )
    register.add_argument("--json", action="store_true", help="also print the JSON configuration")
    register.set_defaults(handler=command_lti_register)
    return root


def main(argv: list[str] | None = None) -> int:
    from grader.engine import GraderSettings

    args = parser().parse_args(argv)
    return args.handler(args, GraderSettings())


if __name__ == "__main__":
    sys.exit(main())
