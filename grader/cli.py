"""The ``kadai`` command line: grade a file; scaffold, validate and export exercise packages;
build the sandbox image."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from grader.authoring import (
    AuthoringError,
    export_package,
    new_package,
    package_files,
    unfilled_todos,
)
from grader.contract import GradingResult, TestResult
from grader.display import artifact_lines
from grader.engine import Grader
from grader.exercise import ExercisePackage, PackageError, load_catalog, load_exercise
from grader.notebook import NotebookSource, annotate_traceback, is_notebook_name, read_notebook
from grader.quiz import InvalidSubmission
from grader.settings import GraderSettings
from grader.validation import Report, check_package, todo_report

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def notebook_place(notebook: NotebookSource | None, line: int, lang: str) -> str:
    """ "cell N, line M of work.ipynb" for a line of the extracted file, or ``""``."""
    where = notebook.locate(line) if notebook and line else None
    if where is None:
        return ""
    if lang == "ja":
        return f"{notebook.filename} のセル {where[0]} の {where[1]} 行目"  # type: ignore[union-attr]
    return f"cell {where[0]}, line {where[1]} of {notebook.filename}"  # type: ignore[union-attr]


def render(result: GradingResult, lang: str, notebook: NotebookSource | None = None) -> str:
    lines = [
        f"{result.exercise_id}: {result.score:g} / {result.max_score:g}  "
        f"[{result.status}, {result.outcome}, {result.execution_time:.1f} s, seed {result.seed}]"
    ]
    for note in notebook.notes if notebook else ():
        lines.append(f"note: {getattr(note, lang)}")
    if result.code_error and (place := notebook_place(notebook, result.code_error.line, lang)):
        lines.append(f"エラーの場所: {place}" if lang == "ja" else f"error at {place}")
    message = getattr(result.message, lang)
    if message:
        lines.append(annotate_traceback(message, notebook, lang) if notebook else message)
    lines.extend(artifact_lines(result.charts, result.tables, lang))
    for test in result.tests:
        mark = {"passed": "✓", "failed": "✗"}.get(test.status, "·")
        score = "?" if test.score is None else f"{test.score:g}"
        lines.append(f"{mark} {getattr(test.title, lang)}  ({score}/{test.max_score:g})")
        output = getattr(test.output, lang)
        if output and notebook:
            output = annotate_traceback(output, notebook, lang)
        if output:
            lines.extend("    " + line for line in output.splitlines())
        if test.error and (place := notebook_place(notebook, test.error.line, lang)):
            lines.append(f"    エラーの場所: {place}" if lang == "ja" else f"    error at {place}")
        lines.extend("    " + line for line in artifact_lines(test.charts, test.tables, lang))
        for name, text in (("stdout", test.stdout), ("stderr", test.stderr)):
            if text.strip():
                lines.append(f"    --- {name} ({test.visibility}) ---")
                lines.extend("    " + line for line in text.rstrip().splitlines())
    for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        if text.strip():
            lines.append(f"--- {name} ---")
            lines.append(text.rstrip())
    for held in result.held_output:
        for name, text in (("stdout", held.stdout), ("stderr", held.stderr)):
            if text.strip():
                lines.append(
                    f"--- {name}, printed after a test of visibility {held.visibility} ---"
                )
                lines.append(text.rstrip())
    return "\n".join(lines)


def find_exercise(settings: GraderSettings, exercise_id: str) -> ExercisePackage:
    candidate = settings.exercises_dir / exercise_id
    if candidate.is_dir():
        return load_exercise(candidate)
    known = ", ".join(sorted(load_catalog(settings.exercises_dir)))
    raise SystemExit(f"kadai: unknown exercise {exercise_id!r} (known: {known})")


def command_grade(args: argparse.Namespace, settings: GraderSettings) -> int:
    package = find_exercise(settings, args.exercise)
    notebook = None
    try:
        if is_notebook_name(args.file) and package.meta.kind == "code":
            notebook = read_notebook(Path(args.file).read_bytes(), Path(args.file).name)
            source = notebook.source
        else:
            source = Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"kadai: cannot read {args.file}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except InvalidSubmission as exc:
        print(f"kadai: {args.file}: {getattr(exc.text, args.lang)}", file=sys.stderr)
        return EXIT_USAGE
    one_shot = settings.model_copy(update={"warm_sandboxes": False})  # nothing to wait for
    try:
        with Grader(one_shot) as grader:
            result = grader.grade(package, source)
    except InvalidSubmission as exc:
        print(f"kadai: {getattr(exc.text, args.lang)}", file=sys.stderr)
        return EXIT_USAGE
    view = result if args.instructor else result.student_view()
    if not args.json:
        print(render(view, args.lang, notebook))
    elif notebook is None:
        print(view.to_json(indent=2))
    else:
        print(json.dumps(with_notebook(view, notebook), ensure_ascii=False, indent=2))
    return write_plots(view, args.plots, args.lang) if args.plots else EXIT_OK


def write_plots(view: GradingResult, directory: str, lang: str) -> int:
    """The charts of what was printed (hidden tests' only with ``--instructor``) as PNG files;
    what it says goes to stderr, so ``--json`` still prints one document."""
    from grader.display import write_plots as draw_all

    try:
        plots = draw_all(view, Path(directory), lang)
    except ModuleNotFoundError:
        print("kadai: --plots needs matplotlib (pip install matplotlib)", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"kadai: cannot write the plots to {directory}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if plots.note:
        print(f"kadai: {plots.note}", file=sys.stderr)
    print(f"kadai: wrote {len(plots.files)} chart(s) to {directory}", file=sys.stderr)
    for path in plots.files:
        print(f"  {path}", file=sys.stderr)
    return EXIT_OK


def with_notebook(result: GradingResult, notebook: NotebookSource) -> dict:
    """The result's JSON plus a ``notebook`` entry: the cell map, the notes, and the cell and line
    of each error."""
    return {
        **result.to_dict(),
        "notebook": {**notebook.to_dict(), "errors": notebook.error_places(result)},
    }


def load_or_report(folder: Path) -> ExercisePackage | None:
    try:
        return load_exercise(folder)
    except PackageError as exc:
        print(f"{exc.root}: {len(exc.problems)} problem(s)")
        for problem in exc.problems:
            print(f"  {problem}")
        return None


def resolve_package_dir(settings: GraderSettings, id_or_dir: str) -> Path:
    """A folder given as a path, else the exercise of that id in the exercises folder."""
    path = Path(id_or_dir)
    if path.is_dir() and (path / "exercise.toml").exists():
        return path
    candidate = settings.exercises_dir / id_or_dir
    if candidate.is_dir():
        return candidate
    raise SystemExit(
        f"kadai: no exercise {id_or_dir!r} (neither a package folder nor an id in "
        f"{settings.exercises_dir})"
    )


def command_validate(args: argparse.Namespace, settings: GraderSettings) -> int:
    package = load_or_report(Path(args.dir))
    if package is None:
        return EXIT_FAILED
    unfinished = todo_report(package)
    if unfinished is not None:  # refused before a sandbox is started
        print_report(unfinished)
        return EXIT_FAILED
    with Grader(settings) as grader:
        report = check_package(grader, package)
    print_report(report, args.verbose)
    return EXIT_OK if report.ok else EXIT_FAILED


def test_cell(test: TestResult | None) -> str:
    if test is None:
        return "-"
    score = "?" if test.score is None else f"{test.score:g}"
    return score if test.status == "passed" else f"{score}✗"


def print_report(report: Report, verbose: bool = False) -> None:
    package = report.package
    print(f"{package.id} (version {package.version}, {package.meta.points:g} points)")
    reference = next((c.result for c in report.cases if c.result.tests), None)
    names = [t.name for t in reference.tests] if reference else []
    if reference:
        print("checks:")
        for column, test in enumerate(reference.tests, start=1):
            print(
                f"  {column:>2}  {test.title.en[:48]:48} {test.max_score:g} pt  {test.visibility}"
            )
    if report.cases:
        columns = "".join(f"{n:>5}" for n in range(1, len(names) + 1))
        print(f"{'case':38} {'kind':9} {'expect':>7} {'score':>6}  verdict {columns}")
    for case in report.cases:
        verdict = "ok" if case.ok else "WRONG"
        by_name = {t.name: t for t in case.result.tests}
        cells = "".join(f"{test_cell(by_name.get(n)):>5}" for n in names)
        print(
            f"{case.name:38} {case.kind:9} {case.expectation:>7} {case.result.score:>6g}  "
            f"{verdict:7} {cells}"
        )
        if not case.ok:
            if case.result.status != "graded":
                print(f"    {case.result.status}/{case.result.outcome}: {case.result.message.en}")
            if case.note:
                print(f"    ({case.note})")
            if verbose:
                print(render(case.result, "en"))
    for problem in report.problems:
        print(f"PROBLEM  {problem}")
    for warning in report.warnings:
        print(f"warning  {warning}")
    print("valid" if report.ok else "NOT VALID")


def command_new(args: argparse.Namespace, settings: GraderSettings) -> int:
    frameworks = None
    if args.frameworks is not None:
        frameworks = [f.strip() for f in args.frameworks.split(",") if f.strip()]
    exercises_dir = Path(args.dir) if args.dir else settings.exercises_dir
    try:
        root = new_package(exercises_dir, args.id, args.kind, frameworks)
    except AuthoringError as exc:
        print(f"kadai: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"created {root}/ (a small working {args.kind} exercise):")
    for path in package_files(root):
        print(f"  {path.relative_to(root).as_posix()}")
    print(
        f"Next: write your exercise where the files say TODO(author) (grep -rn 'TODO(author)' "
        f"{root}), then `kadai exercise validate {root}`; docs/authoring.md walks through it."
    )
    return EXIT_OK


def command_export(args: argparse.Namespace, settings: GraderSettings) -> int:
    package = load_or_report(resolve_package_dir(settings, args.exercise))
    if package is None:
        return EXIT_FAILED
    target = Path(args.output or f"{package.id}-{package.version}.zip")
    if target.is_dir():
        target = target / f"{package.id}-{package.version}.zip"
    try:
        export_package(package, target)
    except OSError as exc:
        print(f"kadai: cannot write {target}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    todos = unfilled_todos(package.root)
    if todos:
        print(
            f"warning: {len(todos)} TODO(author) marker(s) left: the upload refuses this package "
            "until they are filled in",
            file=sys.stderr,
        )
    print(f"{target}: {package.id} version {package.version}")
    return EXIT_OK


def command_build(args: argparse.Namespace, settings: GraderSettings) -> int:
    from grader.sandbox.docker_sandbox import SandboxUnavailable, docker_client
    from grader.sandbox.image import ImageBuildError, build_image

    if args.variant:
        settings = settings.model_copy(update={"sandbox_variant": args.variant})
    if args.base:
        settings = settings.model_copy(update={"sandbox_base": args.base})
    try:
        tag = build_image(docker_client(settings), settings, log=print, force=args.force)
    except (SandboxUnavailable, ImageBuildError) as exc:
        print(f"kadai: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(tag)
    return EXIT_OK


def command_reap(args: argparse.Namespace, settings: GraderSettings) -> int:
    from grader.sandbox.docker_sandbox import SandboxUnavailable, docker_client
    from grader.sandbox.reaper import reap_expired

    try:
        client = docker_client(settings)
    except SandboxUnavailable as exc:
        print(f"kadai: {exc}", file=sys.stderr)
        return EXIT_FAILED
    try:
        removed = reap_expired(client)
    finally:
        client.close()
    print(f"removed {len(removed)} orphaned sandbox container(s)", *removed)
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="kadai", description="Kadai: graded deep-learning exercises"
    )
    commands = root.add_subparsers(dest="command", required=True)

    grade = commands.add_parser("grade", help="grade one submission file")
    grade.add_argument("--exercise", required=True, help="exercise id, e.g. fix-training-loop")
    grade.add_argument(
        "file", help="the submission (a .py file, a Jupyter .ipynb, or the quiz's JSON answers)"
    )
    grade.add_argument("--json", action="store_true", help="print exactly one JSON document")
    grade.add_argument("--lang", choices=["ja", "en"], default="en")
    grade.add_argument("--instructor", action="store_true", help="show hidden tests too")
    grade.add_argument(
        "--plots", metavar="DIR", help="also write each chart shown as a PNG file in DIR"
    )
    grade.set_defaults(handler=command_grade)

    exercise = commands.add_parser("exercise", help="exercise packages").add_subparsers(
        dest="action", required=True
    )
    new = exercise.add_parser("new", help="scaffold a new package to fill in")
    new.add_argument("id", help="the new exercise's id, e.g. autograd-basics")
    new.add_argument("--kind", choices=["code", "quiz"], required=True)
    new.add_argument(
        "--frameworks", help="comma-separated, among torch,tensorflow (code; default torch)"
    )
    new.add_argument("--dir", help="where to create it (default: the exercises folder)")
    new.set_defaults(handler=command_new)
    validate = exercise.add_parser(
        "validate",
        help="grade the solution, starter and every variant in the sandbox; report per test",
    )
    validate.add_argument("dir")
    validate.add_argument("-v", "--verbose", action="store_true")
    validate.set_defaults(handler=command_validate)
    export = exercise.add_parser("export", help="write a package as an upload zip")
    export.add_argument("exercise", help="an exercise id, or a package folder")
    export.add_argument("-o", "--output", help="the zip file (default: ID-VERSION.zip)")
    export.set_defaults(handler=command_export)

    sandbox = commands.add_parser(
        "sandbox", help="the sandbox image and containers"
    ).add_subparsers(dest="action", required=True)
    build = sandbox.add_parser("build", help="build the sandbox image (offline-capable)")
    build.add_argument("--variant", choices=["cpu", "cuda"])
    build.add_argument("--base", choices=["auto", "registry", "debootstrap"])
    build.add_argument("--force", action="store_true")
    build.set_defaults(handler=command_build)
    reap = sandbox.add_parser("reap", help="remove sandboxes orphaned by a killed worker")
    reap.set_defaults(handler=command_reap)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = GraderSettings()
    return args.handler(args, settings)


if __name__ == "__main__":
    sys.exit(main())
