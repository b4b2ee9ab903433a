"""Loading exercise packages: the shipped ones load, broken ones report every problem by file and key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.exercise import PackageError, load_catalog, load_exercise
from grader.settings import PROJECT_ROOT

EXERCISES = PROJECT_ROOT / "exercises"


def test_shipped_packages_load_with_both_languages():
    catalog = load_catalog(EXERCISES)
    assert len(catalog) == 11  # the chapter's five and six written with the authoring kit
    for package in catalog.values():
        assert package.statements["ja"].strip() and package.statements["en"].strip()
        assert package.meta.title.ja and package.meta.title.en
        assert package.version and len(package.version) == 16
    assert len(catalog["true-false"].questions) == 4
    assert catalog["fix-training-loop"].meta.run_as == "script"
    assert catalog["dual-framework-model"].meta.frameworks == ["torch", "tensorflow"]


def broken_copy(tmp_path: Path, name: str = "normalized-dataset") -> Path:
    target = tmp_path / name
    shutil.copytree(EXERCISES / name, target)
    return target


def problems_of(root: Path) -> list[str]:
    with pytest.raises(PackageError) as caught:
        load_exercise(root)
    return [str(p) for p in caught.value.problems]


def test_every_problem_is_reported_with_file_and_key(tmp_path):
    root = broken_copy(tmp_path)
    text = (root / "exercise.toml").read_text()
    text = text.replace("points = 10", "points = -1").replace("memory_mb = 2048", "memory_mb = 1")
    (root / "exercise.toml").write_text('colour = "blue"\n' + text)
    (root / "statement.en.md").unlink()
    (root / "variants" / "no_epsilon.py").unlink()
    found = problems_of(root)
    assert any(p.startswith("exercise.toml: points:") for p in found)
    assert any(p.startswith("exercise.toml: limits.memory_mb:") for p in found)
    assert any(p.startswith("exercise.toml: colour:") for p in found)
    assert "statement.en.md: file is missing" in found
    assert any(p.startswith("variants.toml: variant.") and "no_epsilon.py" in p for p in found)


def test_invalid_toml_and_missing_tests(tmp_path):
    root = broken_copy(tmp_path)
    (root / "exercise.toml").write_text("id = [unclosed\n")
    shutil.rmtree(root / "tests")
    found = problems_of(root)
    assert any(p.startswith("exercise.toml: not valid TOML") for p in found)
    assert "tests/: folder is missing" in found


def test_folder_name_must_match_the_id(tmp_path):
    root = tmp_path / "renamed"
    shutil.copytree(EXERCISES / "normalized-dataset", root)
    assert any("must equal the folder name" in p for p in problems_of(root))


def test_a_quiz_needs_a_key_that_matches_its_questions(tmp_path):
    root = broken_copy(tmp_path, "true-false")
    key = (root / "tests" / "key.toml").read_text()
    (root / "tests" / "key.toml").write_text(
        key.split("[[question]]", 2)[0] + "[[question]]" + key.split("[[question]]", 2)[1]
    )
    assert any(p.startswith("tests/key.toml: question") for p in problems_of(root))


def test_every_shipped_exercise_has_a_hint_for_each_test_in_both_languages():
    for package in load_catalog(EXERCISES).values():
        assert package.hints_after >= 1
        names = [hint.test for hint in package.hints]
        if package.meta.kind == "quiz":
            expected = [f"statement-{n}" for n in range(1, len(package.questions) + 1)]
        else:
            expected = sorted(
                line.split("def ", 1)[1].split("(", 1)[0]
                for name, text in package.tests.items()
                if name.startswith("test_")
                for line in text.splitlines()
                if line.startswith("def test_")
            )
        assert sorted(names) == sorted(expected), package.id
        assert all(hint.ja.strip() and hint.en.strip() for hint in package.hints)


def test_a_hint_matches_its_test_with_or_without_file_and_parameters():
    hint = load_exercise(EXERCISES / "normalized-dataset").hints[0]
    assert hint.matches(f"test_dataset.py::{hint.test}")
    assert hint.matches(f"test_dataset.py::{hint.test}[case-2]")
    assert not hint.matches(f"test_dataset.py::{hint.test}_more")


def test_a_hint_for_a_name_two_test_files_share_must_say_which_file(tmp_path):
    root = broken_copy(tmp_path)
    name = load_exercise(root).hints[0].test
    source = (root / "tests" / "test_dataset.py").read_text()
    # A second test file with a function of the same name: the plain name now means two tests.
    (root / "tests" / "test_more.py").write_text(f"def {name}():\n    pass\n")
    assert any("more than one file" in p and name in p for p in problems_of(root))
    hints = (root / "hints.toml").read_text()
    (root / "hints.toml").write_text(
        hints.replace(f'test = "{name}"', f'test = "test_dataset.py::{name}"', 1)
    )
    hint = load_exercise(root).hints[0]
    assert f"def {name}(" in source
    assert hint.matches(f"test_dataset.py::{name}[case-1]")
    assert not hint.matches(f"test_more.py::{name}")


def test_hints_are_validated_on_load_with_file_and_key(tmp_path):
    root = broken_copy(tmp_path)
    (root / "hints.toml").write_text(
        "after_failures = 0\n"
        '[[hint]]\ntest = "test_standardised_values"\nja = "ヒント"\nen = "hint"\n'
        '[[hint]]\ntest = "test_standardised_values"\nja = "もう一つ"\nen = "again"\n'
        '[[hint]]\ntest = "test_nonexistent"\nja = "x"\nen = "x"\n'
        '[[hint]]\ntest = "test_constant_column"\nja = "英語がない"\n',
        encoding="utf-8",
    )
    found = problems_of(root)
    assert any(p.startswith("hints.toml: after_failures:") for p in found)
    assert any(p.startswith("hints.toml: hint.3.en:") for p in found)
    (root / "hints.toml").write_text(
        "after_failures = 2\n"
        '[[hint]]\ntest = "test_standardised_values"\nja = "ヒント"\nen = "hint"\n'
        '[[hint]]\ntest = "test_standardised_values"\nja = "もう一つ"\nen = "again"\n'
        '[[hint]]\ntest = "test_nonexistent"\nja = "x"\nen = "x"\n',
        encoding="utf-8",
    )
    found = problems_of(root)
    assert "hints.toml: hint.1.test: a second hint for 'test_standardised_values'" in found
    assert any(
        p.startswith("hints.toml: hint.2.test: no test named 'test_nonexistent' (known: ")
        and "test_constant_column" in p
        for p in found
    )


def test_a_quiz_hint_names_one_of_its_statements(tmp_path):
    root = broken_copy(tmp_path, "true-false")
    (root / "hints.toml").write_text(
        'after_failures = 1\n[[hint]]\ntest = "statement-9"\nja = "x"\nen = "x"\n'
    )
    assert problems_of(root) == [
        "hints.toml: hint.0.test: no test named 'statement-9' (known: statement-1 … statement-4)"
    ]


def test_kadai_exercise_validate_lists_hint_problems(tmp_path, capsys):
    from grader.cli import main

    root = broken_copy(tmp_path)
    (root / "hints.toml").write_text('after_failures = 2\n[[hint]]\ntest = "test_x"\nja = "x"\n')
    assert main(["exercise", "validate", str(root)]) == 1
    out = capsys.readouterr().out
    assert "1 problem(s)" in out and "hints.toml: hint.0.en: Field required" in out
