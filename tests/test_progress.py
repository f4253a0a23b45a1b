"""The progress bar of quick work: hidden at first, then drawn at most every EVERY_S."""

from streamlit.testing.v1 import AppTest


def _script(times: list[float], updates: list[tuple[float, str]], finish: bool) -> None:
    from ui.progress import Progress

    clock = iter(times)
    bar = Progress("Working…", clock=lambda: next(clock))
    for fraction, text in updates:
        bar.update(fraction, text)
    if finish:
        bar.done()


def _bars(times: list[float], updates: list[tuple[float, str]], finish: bool = False) -> list:
    at = AppTest.from_function(_script, args=(times, updates, finish))
    at.run()
    assert not at.exception
    return list(at.get("progress"))


def test_quick_work_draws_no_bar():
    assert _bars([0.0, 0.05, 0.1, 0.2], [(0.3, "a"), (0.6, "b"), (1.0, "c")]) == []


def test_slow_work_shows_its_latest_progress():
    (bar,) = _bars([0.0, 0.1, 0.3], [(0.2, "early"), (0.5, "half")])
    assert bar.value == 50
    assert bar.text == "half"


def test_updates_closer_than_every_s_are_skipped():
    (bar,) = _bars([0.0, 0.3, 0.35], [(0.5, "first"), (0.6, "too soon")])
    assert (bar.value, bar.text) == (50, "first")
    (bar,) = _bars([0.0, 0.3, 0.45], [(0.5, "first"), (0.7, "later")])
    assert (bar.value, bar.text) == (70, "later")


def test_done_removes_the_bar():
    assert _bars([0.0, 0.3], [(0.5, "half")], finish=True) == []


def _shown(times: list[float], updates: list[float]) -> list[str]:
    """One "shown" per call of on_show while `updates` run on the fake clock `times`."""
    from ui.progress import Progress

    calls: list[str] = []
    clock = iter(times)
    bar = Progress("Working…", clock=lambda: next(clock), on_show=lambda: calls.append("shown"))
    for fraction in updates:
        bar.update(fraction)
    return calls


def test_on_show_runs_once_when_the_bar_first_appears():
    assert _shown([0.0, 0.3, 0.45, 0.6], [0.2, 0.5, 0.8]) == ["shown"]


def test_quick_work_never_calls_on_show():
    assert _shown([0.0, 0.1, 0.2], [0.5, 1.0]) == []
