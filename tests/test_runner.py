"""The runner: concurrency, timeouts and isolation of broken probes."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from conftest import write_checklist

from golive.cli import main
from golive.core.results import ExitCode, Status

pytestmark = pytest.mark.usefixtures("extra_probes")


def run_items(tmp_path: Path, items: str, *args: str) -> tuple[int, dict[str, tuple[str, str]]]:
    import json

    path = write_checklist(tmp_path, items)
    out = tmp_path / "r.json"
    code = main(["check", "-c", str(path), "-e", "prod", "-q", "-f", f"json:{out}", *args])
    report = json.loads(out.read_text(encoding="utf-8"))
    return code, {r["id"]: (r["status"], r["message"]) for r in report["results"]}


def item(item_id: str, probe: str, extra: str = "") -> str:
    return f"  - id: {item_id}\n    title: {item_id}\n    section: s\n{extra}    probe: {probe}\n"


def test_probes_run_concurrently(tmp_path: Path) -> None:
    # Four probes that each wait until all four are running at once: they can only
    # pass if the runner starts them together rather than one after another.
    group = uuid.uuid4().hex
    items = "".join(
        item(f"r{i}", f"{{kind: test.rendezvous, group: '{group}', parties: 4}}") for i in range(4)
    )
    code, results = run_items(tmp_path, items)
    assert code == ExitCode.READY
    assert {s for s, _ in results.values()} == {"pass"}


def test_concurrency_limit_is_respected(tmp_path: Path) -> None:
    # With --concurrency 2, three probes that need three parties cannot meet.
    group = uuid.uuid4().hex
    items = "".join(
        item(f"r{i}", f"{{kind: test.rendezvous, group: '{group}', parties: 3}}") for i in range(3)
    )
    code, results = run_items(tmp_path, items, "--concurrency", "2")
    assert code == ExitCode.NOT_READY
    assert [s for s, _ in results.values()].count("fail") >= 2


def test_an_exception_is_error_for_that_item_only(tmp_path: Path) -> None:
    items = item("boom", "{kind: test.boom, message: kaput}") + item(
        "ok", "{kind: test.outcome, status: pass}"
    )
    code, results = run_items(tmp_path, items)
    assert results["boom"] == ("error", "probe test.boom failed: RuntimeError: kaput")
    assert results["ok"][0] == "pass"
    assert code == ExitCode.INCONCLUSIVE


def test_a_timeout_is_error_and_does_not_hold_up_the_rest(tmp_path: Path) -> None:
    items = item("slow", "{kind: test.sleep, seconds: 30}", "    timeout: 0.2\n") + item(
        "ok", "{kind: test.outcome, status: pass}"
    )
    code, results = run_items(tmp_path, items)
    assert results["slow"][0] == "error" and "timed out after 0.2s" in results["slow"][1]
    assert results["ok"][0] == "pass"
    assert code == ExitCode.INCONCLUSIVE


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["pass", "warn", "skip not_applicable"], ExitCode.READY),
        # a blocking skip that is not "does not apply" decided nothing (issue 17)
        (["pass", "warn", "skip"], ExitCode.INCONCLUSIVE),
        (["pass", "skip undecided"], ExitCode.INCONCLUSIVE),
        (["pass", "fail", "skip"], ExitCode.NOT_READY),
        (["pass", "fail", "error"], ExitCode.NOT_READY),
        (["pass", "error"], ExitCode.INCONCLUSIVE),
        (["pass", "manual"], ExitCode.INCONCLUSIVE),
        (["pass", "waived"], ExitCode.READY),
    ],
)
def test_the_gate(tmp_path: Path, statuses: list[str], expected: ExitCode) -> None:
    def probe(s: str) -> str:
        status, _, kind = s.partition(" ")
        return f"{{kind: test.outcome, status: {status}" + (
            f", skip_kind: {kind}}}" * bool(kind) or "}"
        )

    items = "".join(item(f"i{n}", probe(s)) for n, s in enumerate(statuses))
    code, _ = run_items(tmp_path, items)
    assert code == expected


def test_an_undecided_blocking_skip_holds_the_gate_and_says_so(tmp_path: Path) -> None:
    # Skipped for a reason other than "does not apply" (the traffic guard, nothing to
    # search): the run is inconclusive, and what holds it names the item and the reason.
    items = (
        item("a", "{kind: test.outcome, status: pass}")
        + item("b", "{kind: test.outcome, status: skip, message: 'not run: live'}")
        + item("c", "{kind: test.outcome, status: skip, skip_kind: not_applicable}")
    )
    code, _ = run_items(tmp_path, items)
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert code == ExitCode.INCONCLUSIVE and report["verdict"] == "inconclusive"
    assert report["decision"] == [
        {
            "status": "skip",
            "ids": ["b"],
            "titles": ["b"],
            "message": "not run: live",
            "remediation": "",
        }
    ]
    kinds = {r["id"]: r.get("skip_kind") for r in report["results"]}
    assert kinds == {"a": None, "b": "undecided", "c": "not_applicable"}


def test_advisory_failures_do_not_block(tmp_path: Path) -> None:
    items = item("a", "{kind: test.outcome, status: fail}", "    severity: advisory\n") + item(
        "b", "{kind: test.outcome, status: error}", "    severity: advisory\n"
    )
    code, results = run_items(tmp_path, items)
    assert code == ExitCode.READY
    assert results["a"][0] == Status.FAIL.value


def test_items_of_other_environments_are_not_run(tmp_path: Path) -> None:
    items = item("p", "{kind: test.outcome, status: pass}", "    environments: [prod]\n") + item(
        "t", "{kind: test.boom}", "    environments: [test]\n"
    )
    code, results = run_items(tmp_path, items)
    assert code == ExitCode.READY and set(results) == {"p"}


def test_the_run_deadline_ends_unfinished_and_unstarted_items_as_error(tmp_path: Path) -> None:
    # Two hung probes, one slot: at the deadline one is running and one never started.
    items = item("hung1", "{kind: test.sleep, seconds: 30}") + item(
        "hung2", "{kind: test.sleep, seconds: 30}"
    )
    code, results = run_items(tmp_path, items, "--concurrency", "1", "--deadline", "0.5")
    assert code == ExitCode.INCONCLUSIVE
    assert results["hung1"] == ("error", "unfinished when the run's deadline (0.5s) passed")
    assert results["hung2"] == ("error", "not started: the run's deadline (0.5s) passed")


def test_the_deadline_ends_the_process_not_just_the_report(tmp_path: Path) -> None:
    # A hung probe must not keep the process alive after the report is written.
    import subprocess
    import sys
    import textwrap

    path = write_checklist(tmp_path, item("hung", "{kind: test.sleep, seconds: 600}"))
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from golive.engine import registry
        registry.BUILTIN_PROBES["test.sleep"] = "probes_for_tests:Sleep"
        from golive.cli import main
        sys.exit(main(["check", "-c", {str(path)!r}, "-e", "prod", "-q", "-f", "json",
                       "--deadline", "0.5"]))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == ExitCode.INCONCLUSIVE, proc.stderr
    assert "deadline (0.5s)" in proc.stdout


def test_run_after_run_reuses_the_probe_threads(tmp_path: Path) -> None:
    # A watch runs the same items for weeks: a thread per item per run made RSS creep
    # (glibc arenas). Four items that must all run at once, twenty runs in a row: the
    # threads of the first run serve the others.
    from golive.engine.runner import PROBE_THREADS

    group = uuid.uuid4().hex
    items = "".join(
        item(f"r{i}", f"{{kind: test.rendezvous, group: '{group}', parties: 4}}") for i in range(4)
    )
    assert run_items(tmp_path, items)[0] == ExitCode.READY
    after_first = PROBE_THREADS.started
    for _ in range(19):
        code, results = run_items(tmp_path, items)
        assert code == ExitCode.READY, results
    # A thread that has just handed over its result may not be idle yet when the next
    # run starts, so a few new ones can start; a thread per item would be 76.
    assert PROBE_THREADS.started - after_first <= 8


def test_a_probe_stuck_in_one_run_does_not_take_a_thread_from_the_next(tmp_path: Path) -> None:
    stuck = item("slow", "{kind: test.sleep, seconds: 5}", "    timeout: 0.2\n")
    code, results = run_items(tmp_path, stuck)
    assert results["slow"][0] == "error"
    # The abandoned thread is still sleeping: four probes that must all run at once
    # each get a thread all the same.
    group = uuid.uuid4().hex
    items = "".join(
        item(f"r{i}", f"{{kind: test.rendezvous, group: '{group}', parties: 4}}") for i in range(4)
    )
    code, results = run_items(tmp_path, items)
    assert code == ExitCode.READY, results
