"""JUnit XML: a testsuite per section, a testcase per item, as CI readers expect.

A CI test tab should be red exactly when the gate is not green, so only blocking items
can be `<failure>` (fail) or `<error>` (error, blocked, manual: undecided). Advisory
failures and errors pass, with "advisory ..." in `<system-out>` and a testcase property;
skip, waived and advisory manual or blocked items are `<skipped>` with the reason (a
waiver names its owner, approver and expiry).
Each testsuite's `<properties>` start with the decision list, then say what was checked.
"""

from __future__ import annotations

from collections import defaultdict
from xml.etree import ElementTree as ET

from golive.core.results import ItemResult, Report, Status
from golive.reporters.summary import (
    attestation_text,
    headline,
    is_advisory_finding,
    metadata,
    waiver_text,
)


def render_junit(report: Report) -> str:
    suites = ET.Element(
        "testsuites",
        name=f"golive {report.checklist_name} ({report.environment})",
        tests=str(len(report.results)),
        failures=str(_count(report.results, "failure")),
        errors=str(_count(report.results, "error")),
        skipped=str(_count(report.results, "skipped")),
        time=f"{report.duration_s:.3f}",
    )
    by_section: dict[str, list[ItemResult]] = defaultdict(list)
    for result in report.results:
        by_section[result.section_title].append(result)
    props = _properties(report)
    for title, results in by_section.items():
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=title,
            tests=str(len(results)),
            failures=str(_count(results, "failure")),
            errors=str(_count(results, "error")),
            skipped=str(_count(results, "skipped")),
            time=f"{sum(r.duration_s for r in results):.3f}",
            timestamp=report.started_at.removesuffix("Z"),
        )
        properties = ET.SubElement(suite, "properties")
        for name, value in props:
            ET.SubElement(properties, "property", name=name, value=value)
        for r in results:
            _testcase(suite, report, r)
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )


def _properties(report: Report) -> list[tuple[str, str]]:
    props = [("golive.verdict", headline(report))]
    for n, d in enumerate(report.decision(), 1):
        props.append((f"golive.decision.{n}", f"{d.kind}: {', '.join(d.ids)}: {d.message}"))
    for r in report.waived():
        assert r.waiver is not None
        props.append((f"golive.waived.{r.id}", waiver_text(r.waiver)))
    props += [
        (f"golive.{label.replace(' ', '_').lower()}", value) for label, value in metadata(report)
    ]
    props.append(("golive.partial", "true" if report.partial else "false"))
    props += [(f"golive.notice.{n}", text) for n, text in enumerate(report.notices, 1)]
    return props


def _kind(r: ItemResult) -> str:
    """failure, error, skipped or pass: what a CI reader should show for this result."""
    if not r.blocking:  # never red: an advisory finding passes, with what it found
        waiting = (Status.SKIP, Status.WAIVED, Status.MANUAL, Status.BLOCKED)
        return "skipped" if r.status in waiting else "pass"
    if r.status is Status.FAIL:
        return "failure"
    if r.undecided:
        return "error"
    if r.status in (Status.SKIP, Status.WAIVED):
        return "skipped"
    return "pass"


def _testcase(suite: ET.Element, report: Report, r: ItemResult) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        classname=f"golive.{report.environment}.{r.section}",
        name=f"{r.id} {r.title}",
        time=f"{r.duration_s:.3f}",
    )
    extra = []
    if r.waiver is not None:
        extra.append(waiver_text(r.waiver))
    if r.attestation is not None:
        extra.append(attestation_text(r.attestation))
    if r.remediation:
        extra.append(f"Remediation: {r.remediation}")
    text = "\n".join([r.message, *extra])
    kind = _kind(r)
    label = f"[{r.severity}] {r.status.value}: {r.message}"
    if kind == "failure":
        ET.SubElement(case, "failure", message=label, type=r.probe).text = text
    elif kind == "error":
        ET.SubElement(case, "error", message=label, type=r.status.value).text = text
    elif kind == "skipped":
        ET.SubElement(case, "skipped", message=f"{r.status.value}: {r.message}").text = text
    if is_advisory_finding(r):
        properties = ET.Element("properties")  # first child, as readers expect
        ET.SubElement(properties, "property", name="golive.advisory", value=r.status.value)
        case.insert(0, properties)
        ET.SubElement(
            case, "system-out"
        ).text = f"advisory {r.status.value} (does not gate): {text}"
    elif r.status is Status.WARN or r.attestation is not None:
        ET.SubElement(case, "system-out").text = f"{r.status.value}: {text}"


def _count(results: tuple[ItemResult, ...] | list[ItemResult], kind: str) -> int:
    return sum(1 for r in results if _kind(r) == kind)
