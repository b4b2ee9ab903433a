"""Exercise packages: loading and validating the ``exercises/<id>/`` folders an admin writes.

A package holds ``exercise.toml`` (metadata), ``statement.ja.md``/``statement.en.md``, a starter and
a solution named after the submission file, hidden ``tests/`` and optional ``variants.toml`` (wrong
submissions with the score each must get), and optional ``hints.toml``: a hint per test, in both
languages, unlocked for a learner after ``after_failures`` failed gradings of that test. Every
problem is reported with its file and key.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from grader.contract import Limits

MAX_TEST_FILE_BYTES = 512 * 1024
# An exercise id: lower-case letters, digits and hyphens, 2 to 63 characters (also its folder name).
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"


class LocalizedText(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ja: str = Field(min_length=1)
    en: str = Field(min_length=1)


class ExerciseLimits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    time_s: float = Field(default=60.0, gt=0, le=900)
    memory_mb: int = Field(default=2048, ge=256, le=65536)
    cpus: float = Field(default=1.0, gt=0, le=64)
    pids: int = Field(default=256, ge=32, le=4096)
    disk_mb: int = Field(default=64, ge=8, le=4096)
    output_bytes: int = Field(default=65536, ge=1024, le=4 * 1024 * 1024)
    gpu: Literal["none", "optional", "required"] = "none"


class ExerciseMeta(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=ID_PATTERN)
    title: LocalizedText
    kind: Literal["code", "quiz"]
    points: float = Field(gt=0)
    frameworks: list[Literal["torch", "tensorflow"]] = Field(default_factory=list)
    submission_file: str = Field(default="submission.py", pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
    run_as: Literal["module", "script"] = "module"
    seed: int = 0
    limits: ExerciseLimits = Field(default_factory=ExerciseLimits)


class QuizQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ja: str = Field(min_length=1)
    en: str = Field(min_length=1)


class QuizQuestions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: list[QuizQuestion] = Field(min_length=1)


class QuizKeyEntry(BaseModel):
    """The hidden answer to one statement, with the explanation shown after grading."""

    model_config = ConfigDict(extra="forbid")
    answer: bool
    explanation: LocalizedText
    visibility: Literal["visible", "after_due_date", "hidden"] = "visible"


class QuizKey(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: list[QuizKeyEntry] = Field(min_length=1)


class Variant(BaseModel):
    model_config = ConfigDict(extra="forbid")
    file: str
    score: float = Field(ge=0)
    note: str = ""


class VariantList(BaseModel):
    model_config = ConfigDict(extra="forbid")
    variant: list[Variant] = Field(default_factory=list)


class Hint(BaseModel):
    """What to look at once a learner has failed ``test`` often enough; it guides, it does not give
    the answer away. ``test`` is a test function's name, or ``test_file.py::name`` where two test
    files share a name, or a quiz's ``statement-N``."""

    model_config = ConfigDict(extra="forbid")
    test: str = Field(min_length=1, max_length=200)
    ja: str = Field(min_length=1, max_length=2000)
    en: str = Field(min_length=1, max_length=2000)

    def matches(self, test_name: str) -> bool:
        """Whether a result's test (``test_x.py::test_name[param]``) is this hint's."""
        qualified = test_name.split("[", 1)[0]
        if "::" in self.test:
            return qualified == self.test
        return qualified.rsplit("::", 1)[-1] == self.test


class HintList(BaseModel):
    model_config = ConfigDict(extra="forbid")
    after_failures: int = Field(ge=1, le=100)
    hint: list[Hint] = Field(min_length=1)


@dataclass(frozen=True)
class Problem:
    file: str
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return f"{where}: {self.message}"


class PackageError(Exception):
    """A package failed validation; ``problems`` lists every one found."""

    def __init__(self, root: Path, problems: list[Problem]) -> None:
        self.root = root
        self.problems = problems
        super().__init__(f"{root}: " + "; ".join(str(p) for p in problems))


@dataclass(frozen=True)
class ExercisePackage:
    root: Path
    meta: ExerciseMeta
    statements: dict[str, str]
    starter: str
    solution: str
    tests: dict[str, str]
    variants: tuple[Variant, ...] = ()
    version: str = ""
    questions: tuple[QuizQuestion, ...] = ()
    hints: tuple[Hint, ...] = ()
    # A test's hint is shown once the learner has failed that test this many times.
    hints_after: int = 0

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def limits(self) -> Limits:
        return Limits(**self.meta.limits.model_dump())

    def variant_source(self, variant: Variant) -> str:
        return (self.root / "variants" / variant.file).read_text(encoding="utf-8")


def _pydantic_problems(file: str, error: ValidationError) -> list[Problem]:
    return [
        Problem(file, ".".join(str(part) for part in e["loc"]), e["msg"]) for e in error.errors()
    ]


def _read_toml(path: Path, problems: list[Problem]) -> dict | None:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(Problem(path.name, "", "file is missing"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.append(Problem(path.name, "", f"not valid TOML: {exc}"))
    return None


def _read_text(root: Path, name: str, problems: list[Problem]) -> str:
    path = root / name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem(name, "", "file is missing"))
        return ""
    except UnicodeDecodeError:
        problems.append(Problem(name, "", "not UTF-8 text"))
        return ""
    if not text.strip():
        problems.append(Problem(name, "", "file is empty"))
    return text


def _read_tests(root: Path, problems: list[Problem]) -> dict[str, str]:
    tests_dir = root / "tests"
    if not tests_dir.is_dir():
        problems.append(Problem("tests/", "", "folder is missing"))
        return {}
    tests: dict[str, str] = {}
    for path in sorted(tests_dir.rglob("*")):
        if path.is_dir() or "__pycache__" in path.parts:
            continue
        name = path.relative_to(tests_dir).as_posix()
        if path.stat().st_size > MAX_TEST_FILE_BYTES:
            problems.append(Problem(f"tests/{name}", "", "file is larger than 512 KiB"))
            continue
        try:
            tests[name] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.append(Problem(f"tests/{name}", "", "not UTF-8 text"))
    return tests


def _check_quiz(root: Path, tests: dict[str, str], problems: list[Problem]) -> tuple:
    raw = _read_toml(root / "questions.toml", problems)
    questions: tuple[QuizQuestion, ...] = ()
    try:
        questions = tuple(QuizQuestions.model_validate(raw or {}).question)
    except ValidationError as exc:
        problems.extend(_pydantic_problems("questions.toml", exc))
    if "key.toml" not in tests:
        problems.append(Problem("tests/key.toml", "", "a quiz needs its answer key"))
        return questions
    try:
        key = QuizKey.model_validate(tomllib.loads(tests["key.toml"]))
    except tomllib.TOMLDecodeError as exc:
        problems.append(Problem("tests/key.toml", "", f"not valid TOML: {exc}"))
    except ValidationError as exc:
        problems.extend(_pydantic_problems("tests/key.toml", exc))
    else:
        if questions and len(key.question) != len(questions):
            problems.append(
                Problem("tests/key.toml", "question", f"needs {len(questions)} entries")
            )
    return questions


def _test_functions(tests: dict[str, str]) -> list[tuple[str, str]]:
    """(file, function) for every test function of the package's test files."""
    return [
        (name, match)
        for name, text in tests.items()
        if name.rsplit("/", 1)[-1].startswith("test_") and name.endswith(".py")
        for match in re.findall(r"^\s*(?:async\s+)?def\s+(test_\w+)\s*\(", text, re.MULTILINE)
    ]


def _read_hints(
    root: Path, tests: dict[str, str], quiz_questions: int | None, problems: list[Problem]
) -> tuple[tuple[Hint, ...], int]:
    """``hints.toml``, each hint naming a test the package has (a quiz's are ``statement-N``)."""
    if not (root / "hints.toml").exists():
        return (), 0
    raw = _read_toml(root / "hints.toml", problems)
    try:
        found = HintList.model_validate(raw or {})
    except ValidationError as exc:
        problems.extend(_pydantic_problems("hints.toml", exc))
        return (), 0
    # A plain function name is only a hint's key while one test file has it; where two files
    # share it the hint must say which (``file::name``), or it would unlock on the wrong test.
    ambiguous: set[str] = set()
    if quiz_questions is not None:
        known = {f"statement-{n}" for n in range(1, quiz_questions + 1)}
        expected = f"statement-1 … statement-{quiz_questions}"
    else:
        functions = _test_functions(tests)
        names = [function for _, function in functions]
        ambiguous = {name for name in names if names.count(name) > 1}
        known = set(names) | {f"{file}::{function}" for file, function in functions}
        expected = ", ".join(sorted(set(names))) or "no test functions"
    seen: set[str] = set()
    for index, hint in enumerate(found.hint):
        if hint.test in ambiguous:
            problems.append(
                Problem(
                    "hints.toml",
                    f"hint.{index}.test",
                    f"{hint.test!r} is a test in more than one file: name it as file.py::{hint.test}",
                )
            )
        elif hint.test not in known:
            problems.append(
                Problem(
                    "hints.toml",
                    f"hint.{index}.test",
                    f"no test named {hint.test!r} (known: {expected})",
                )
            )
        if hint.test in seen:
            problems.append(
                Problem("hints.toml", f"hint.{index}.test", f"a second hint for {hint.test!r}")
            )
        seen.add(hint.test)
    return tuple(found.hint), found.after_failures


def parse_quiz_key(package: ExercisePackage) -> QuizKey:
    return QuizKey.model_validate(tomllib.loads(package.tests["key.toml"]))


def _version(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def load_exercise(root: Path) -> ExercisePackage:
    """Load and check one package; raise ``PackageError`` listing every problem found."""
    root = Path(root)
    problems: list[Problem] = []
    if not root.is_dir():
        raise PackageError(root, [Problem(str(root), "", "not a folder")])
    raw = _read_toml(root / "exercise.toml", problems)
    meta = None
    if raw is not None:
        try:
            meta = ExerciseMeta.model_validate(raw)
        except ValidationError as exc:
            problems.extend(_pydantic_problems("exercise.toml", exc))
    statements = {lang: _read_text(root, f"statement.{lang}.md", problems) for lang in ("ja", "en")}
    suffix = Path(meta.submission_file).suffix if meta else ".py"
    starter = _read_text(root, f"starter{suffix}", problems)
    solution = _read_text(root, f"solution{suffix}", problems)
    tests = _read_tests(root, problems)
    questions: tuple[QuizQuestion, ...] = ()
    if meta and meta.kind == "quiz":
        questions = _check_quiz(root, tests, problems)
    elif not any(n.rsplit("/", 1)[-1].startswith("test_") for n in tests):
        problems.append(Problem("tests/", "", "no test_*.py file"))
    variants: tuple[Variant, ...] = ()
    if (root / "variants.toml").exists():
        raw_variants = _read_toml(root / "variants.toml", problems)
        try:
            variants = tuple(VariantList.model_validate(raw_variants or {}).variant)
        except ValidationError as exc:
            problems.extend(_pydantic_problems("variants.toml", exc))
        for index, variant in enumerate(variants):
            if not (root / "variants" / variant.file).is_file():
                problems.append(
                    Problem("variants.toml", f"variant.{index}.file", f"{variant.file} is missing")
                )
            if meta and variant.score > meta.points:
                problems.append(
                    Problem("variants.toml", f"variant.{index}.score", "exceeds the points")
                )
    hints, hints_after = _read_hints(
        root, tests, len(questions) if meta and meta.kind == "quiz" else None, problems
    )
    if meta and meta.id != root.name:
        problems.append(Problem("exercise.toml", "id", f"must equal the folder name {root.name!r}"))
    if problems or meta is None:
        raise PackageError(root, problems)
    return ExercisePackage(
        root=root,
        meta=meta,
        statements=statements,
        starter=starter,
        solution=solution,
        tests=tests,
        variants=variants,
        version=_version(root),
        questions=questions,
        hints=hints,
        hints_after=hints_after,
    )


def load_catalog(exercises_dir: Path) -> dict[str, ExercisePackage]:
    """Every package under ``exercises_dir``, by id; one broken package fails loudly."""
    packages = {}
    for root in sorted(p for p in Path(exercises_dir).iterdir() if (p / "exercise.toml").exists()):
        package = load_exercise(root)
        packages[package.id] = package
    return packages
