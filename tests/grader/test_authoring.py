"""``kadai exercise new`` and ``export``: scaffolds that validate once their TODOs are filled,
refusals that write nothing, and a zip the upload reads. Quizzes grade in process, so the whole
new → fill → validate path runs here without Docker (the code scaffold's run is in
tests/grader/test_authoring_sandbox.py)."""

from __future__ import annotations

import tomllib
import zipfile
from pathlib import Path

import pytest

from grader.authoring import EXPORT_MANIFEST, TODO_MARKER, read_export_manifest
from grader.cli import main
from grader.exercise import load_exercise


def fill_todos(root: Path) -> None:
    """What an author does, at its simplest: write at every marker (here, a word in its place)."""
    for path in root.rglob("*"):
        if path.is_file() and TODO_MARKER in path.read_text(encoding="utf-8"):
            path.write_text(path.read_text(encoding="utf-8").replace(TODO_MARKER, "Written"))


def listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


@pytest.mark.parametrize("kind", ["code", "quiz"])
def test_a_scaffold_is_a_loadable_package_with_every_part(tmp_path, kind):
    assert main(["exercise", "new", "my-exercise", "--kind", kind, "--dir", str(tmp_path)]) == 0
    package = load_exercise(tmp_path / "my-exercise")
    assert package.meta.kind == kind and package.id == "my-exercise"
    assert package.statements["ja"] and package.statements["en"] and package.tests
    kinds = {v.file.split("_")[0] for v in package.variants}
    assert "forged" in kinds and len(package.variants) >= 2
    assert not list(tmp_path.glob(".*"))  # no staging folder left behind


def test_frameworks_are_written_and_default_to_torch(tmp_path):
    main(["exercise", "new", "both", "--kind", "code", "--frameworks", "tensorflow,torch",
          "--dir", str(tmp_path)])  # fmt: skip
    main(["exercise", "new", "plain", "--kind", "code", "--dir", str(tmp_path)])
    assert load_exercise(tmp_path / "both").meta.frameworks == ["torch", "tensorflow"]
    assert load_exercise(tmp_path / "plain").meta.frameworks == ["torch"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["Bad_Id", "--kind", "code"], "not a valid exercise id"),
        (["has.dot", "--kind", "code"], "not a valid exercise id"),
        (["a" * 64, "--kind", "code"], "not a valid exercise id"),
        (["x", "--kind", "code"], "not a valid exercise id"),
        (["ok-id", "--kind", "code", "--frameworks", "jax"], "unknown framework"),
        (["ok-id", "--kind", "quiz", "--frameworks", "torch"], "a quiz runs no code"),
    ],
)
def test_bad_requests_are_refused_and_write_nothing(tmp_path, capsys, arguments, message):
    assert main(["exercise", "new", *arguments, "--dir", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err
    assert listing(tmp_path) == []


def test_an_existing_folder_is_refused_and_left_as_it_was(tmp_path, capsys):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.md").write_text("mine")
    assert main(["exercise", "new", "taken", "--kind", "quiz", "--dir", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert listing(tmp_path) == ["taken", "taken/notes.md"]


def test_validate_refuses_unfilled_todos_naming_each_place(tmp_path, capsys):
    main(["exercise", "new", "draft", "--kind", "code", "--dir", str(tmp_path)])
    capsys.readouterr()
    # Refused before any grading: no sandbox is needed to say so.
    assert main(["exercise", "validate", str(tmp_path / "draft")]) == 1
    out = capsys.readouterr().out
    assert "TODO(author) marker(s)" in out and "NOT VALID" in out
    assert "exercise.toml:" in out and "tests/test_submission.py:" in out
    assert "statement.ja.md:" in out
    assert not any(line.startswith("solution") for line in out.splitlines())  # nothing graded


def test_a_filled_quiz_scaffold_validates_with_a_verdict_per_test(tmp_path, capsys):
    main(["exercise", "new", "quick-quiz", "--kind", "quiz", "--dir", str(tmp_path)])
    fill_todos(tmp_path / "quick-quiz")
    capsys.readouterr()
    assert main(["exercise", "validate", str(tmp_path / "quick-quiz")]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    # Columns: name, kind, expectation (2 words), score, verdict, then one cell per check.
    assert rows["solution"][-2:] == ["1", "1"]
    assert rows["variants/all_true.json"][-2:] == ["1", "0✗"]
    assert rows["variants/forged_result_fields.json"][1] == "forgery"
    assert out.rstrip().endswith("valid") and "WRONG" not in out


def test_a_quiz_whose_variant_score_is_wrong_fails_naming_the_check(tmp_path, capsys):
    main(["exercise", "new", "off-quiz", "--kind", "quiz", "--dir", str(tmp_path)])
    root = tmp_path / "off-quiz"
    fill_todos(root)
    variants = root / "variants.toml"
    variants.write_text(variants.read_text().replace("score = 1\n", "score = 2\n"))
    capsys.readouterr()
    assert main(["exercise", "validate", str(root)]) == 1
    out = capsys.readouterr().out
    wrong = next(line for line in out.splitlines() if line.startswith("variants/all_true"))
    assert "WRONG" in wrong and wrong.split()[-1] == "0✗"


def test_export_writes_the_upload_layout_with_its_version(tmp_path, capsys):
    main(["exercise", "new", "to-share", "--kind", "quiz", "--dir", str(tmp_path)])
    root = tmp_path / "to-share"
    fill_todos(root)
    (root / "tests" / "__pycache__").mkdir()
    (root / "tests" / "__pycache__" / "junk.pyc").write_bytes(b"\0")
    package = load_exercise(root)
    target = tmp_path / "out.zip"
    assert main(["exercise", "export", str(root), "-o", str(target)]) == 0
    assert f"version {package.version}" in capsys.readouterr().out
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        manifest = tomllib.loads(archive.read(EXPORT_MANIFEST).decode())
    assert sorted(n for n in names if n != EXPORT_MANIFEST) == [
        f"to-share/{name}" for name in listing(root) if (root / name).is_file() and "__" not in name
    ]
    assert manifest == {"format": 1, "id": "to-share", "version": package.version}
    assert read_export_manifest(target).version == package.version
    # The same package version exports to the same bytes.
    again = tmp_path / "again.zip"
    main(["exercise", "export", str(root), "-o", str(again)])
    assert again.read_bytes() == target.read_bytes()


def test_export_of_an_unfinished_package_warns(tmp_path, capsys):
    main(["exercise", "new", "unfinished", "--kind", "quiz", "--dir", str(tmp_path)])
    assert main(["exercise", "export", str(tmp_path / "unfinished"), "-o", str(tmp_path)]) == 0
    assert "the upload refuses this package" in capsys.readouterr().err
    assert len(list(tmp_path.glob("unfinished-*.zip"))) == 1


def test_export_finds_a_package_by_its_id(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KADAI_EXERCISES_DIR", str(tmp_path))
    main(["exercise", "new", "by-id", "--kind", "quiz"])  # into the exercises folder
    assert (tmp_path / "by-id" / "exercise.toml").exists()
    assert main(["exercise", "export", "by-id", "-o", str(tmp_path / "by-id.zip")]) == 0
    assert read_export_manifest(tmp_path / "by-id.zip").id == "by-id"
    with pytest.raises(SystemExit, match="no exercise 'nope'"):
        main(["exercise", "export", "nope"])
