"""Captured output: per-test segments, a visibility level that only rises, one budget per stream."""

from __future__ import annotations

from grader.harness.output import OutputRouter


def test_output_goes_to_the_test_running_when_it_was_read():
    router = OutputRouter(1000)
    router.write("stdout", b"loading\n")
    router.begin("t::a", "visible")
    router.write("stdout", b"in a\n")
    router.write("stderr", b"warn a\n")
    router.end()
    router.write("stdout", b"between\n")
    assert router.test_output("t::a") == ("in a\n", "warn a\n")
    assert router.general.text("stdout") == "loading\nbetween\n"
    assert router.held_output() == ()


def test_once_a_stricter_test_began_everything_later_is_held_at_its_level():
    router = OutputRouter(1000)
    router.begin("t::late", "after_due_date")
    router.write("stdout", b"late input\n")
    router.end()
    router.write("stdout", b"between late\n")
    router.begin("t::hidden", "hidden")
    router.write("stdout", b"secret\n")
    router.end()
    router.write("stdout", b"after the last test\n")
    # A visible test after a hidden one (the runner's order prevents it) does not lower the level.
    router.begin("t::visible", "visible")
    router.write("stdout", b"printed secret again\n")
    router.end()
    assert router.test_output("t::hidden") == ("secret\n", "")
    assert router.test_output("t::visible") == ("", "")
    held = {h.visibility: h.stdout for h in router.held_output()}
    assert held == {
        "after_due_date": "between late\n",
        "hidden": "after the last test\nprinted secret again\n",
    }
    assert "secret" not in router.general.text("stdout")


def test_one_budget_per_stream_for_the_whole_grading():
    router = OutputRouter(10)
    router.write("stdout", b"12345678")
    router.begin("t::h", "hidden")
    router.write("stdout", b"abcdefgh")
    router.write("stderr", b"e" * 10)
    stdout, stderr = router.test_output("t::h")
    assert stdout.startswith("ab") and "6 more bytes not kept" in stdout
    assert stderr == "e" * 10
    assert not router.visible_truncated  # only held output was cut: a learner is not told
    router.end()
    assert router.general.text("stdout") == "12345678"


def test_invalid_utf8_is_replaced():
    router = OutputRouter(100)
    router.write("stdout", b"a\xff\xed\xa0\x80b")
    assert router.general.text("stdout").startswith("a\ufffd") and "b" in router.general.text(
        "stdout"
    )
