"""The sandbox image's content tag and the offline base's mirror discovery."""

from pathlib import Path

from grader.sandbox import image
from grader.settings import GraderSettings


def test_tag_is_stable_and_follows_the_harness(monkeypatch, tmp_path):
    settings = GraderSettings()
    tag = image.image_tag(settings)
    assert tag == image.image_tag(settings)
    assert tag.startswith("kadai-sandbox:cpu-")
    edited = tmp_path / "worker.py"
    edited.write_text("# changed\n")
    files = image.harness_files()
    monkeypatch.setattr(image, "harness_files", lambda: [*files[:-1], (files[-1][0], edited)])
    assert image.image_tag(settings) != tag


def test_variant_changes_the_tag():
    cpu = image.image_tag(GraderSettings(sandbox_variant="cpu"))
    cuda = image.image_tag(GraderSettings(sandbox_variant="cuda"))
    assert cpu != cuda and ":cuda-" in cuda


def test_harness_files_are_only_what_runs_in_the_sandbox():
    names = [name for name, _ in image.harness_files()]
    assert "grader/contract.py" in names and "grader/harness/supervisor.py" in names
    assert not any("sandbox/" in n or n.endswith("cli.py") for n in names)


def test_mirror_comes_from_apt_sources(tmp_path: Path):
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm\n"
    )
    assert image.debian_mirror(GraderSettings(), tmp_path) == "http://mirror.example/debian"
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "sources.list").write_text(
        "deb [arch=amd64] http://old.example/debian bookworm main\n"
    )
    assert image.debian_mirror(GraderSettings(), legacy) == "http://old.example/debian"
    assert image.debian_mirror(GraderSettings(debian_mirror="http://x/debian")) == "http://x/debian"
