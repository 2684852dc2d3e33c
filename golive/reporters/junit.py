"""JUnit XML: a testsuite per section, a testcase per item, as CI readers expect.

fail -> <failure>, error -> <error>, skip/manual/waived -> <skipped> with the reason;
warn passes with the warning in <system-out>. Advisory failures are reported as
failures too (readers have no "advisory"), with "advisory" in the message.
"""

from __future__ import annotations

from collections import defaultdict
from xml.etree import ElementTree as ET

from golive.results import ItemResult, Report, Status


def render_junit(report: Report) -> str:
    suites = ET.Element(
        "testsuites",
        name=f"golive {report.checklist_name} ({report.environment})",
        tests=str(len(report.results)),
        failures=str(_count(report.results, Status.FAIL)),
        errors=str(_count(report.results, Status.ERROR)),
        skipped=str(
            _count(report.results, Status.SKIP, Status.BLOCKED, Status.MANUAL, Status.WAIVED)
        ),
        time=f"{report.duration_s:.3f}",
    )
    by_section: dict[str, list[ItemResult]] = defaultdict(list)
    for result in report.results:
        by_section[result.section_title].append(result)
    for title, results in by_section.items():
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=title,
            tests=str(len(results)),
            failures=str(_count(results, Status.FAIL)),
            errors=str(_count(results, Status.ERROR)),
            skipped=str(_count(results, Status.SKIP, Status.BLOCKED, Status.MANUAL, Status.WAIVED)),
            time=f"{sum(r.duration_s for r in results):.3f}",
            timestamp=report.started_at.removesuffix("Z"),
        )
        for r in results:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"golive.{report.environment}.{r.section}",
                name=f"{r.id} {r.title}",
                time=f"{r.duration_s:.3f}",
            )
            text = r.message + (f"\nRemediation: {r.remediation}" if r.remediation else "")
            label = f"[{r.severity}] {r.message}"
            if r.status is Status.FAIL:
                ET.SubElement(case, "failure", message=label, type=r.probe).text = text
            elif r.status is Status.ERROR:
                ET.SubElement(case, "error", message=label, type=r.probe).text = text
            elif r.status in (Status.SKIP, Status.BLOCKED, Status.MANUAL, Status.WAIVED):
                ET.SubElement(case, "skipped", message=f"{r.status.value}: {r.message}")
            elif r.status is Status.WARN:
                ET.SubElement(case, "system-out").text = f"warning: {r.message}"
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )


def _count(results: tuple[ItemResult, ...] | list[ItemResult], *statuses: Status) -> int:
    return sum(1 for r in results if r.status in statuses)
