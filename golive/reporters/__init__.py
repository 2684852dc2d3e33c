"""Report formats: each a pure function of a Report, chosen by one enum."""

from __future__ import annotations

import enum
from typing import assert_never

from golive.results import Report


class Format(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    JUNIT = "junit"
    MARKDOWN = "markdown"
    HTML = "html"


def render(fmt: Format, report: Report, *, color: bool = False, width: int = 100) -> str:
    """The report as text in `fmt`."""
    if fmt is Format.TABLE:
        from golive.reporters.table import render_table

        return render_table(report, color=color, width=width)
    if fmt is Format.JSON:
        from golive.reporters.json import render_json

        return render_json(report)
    if fmt is Format.JUNIT:
        from golive.reporters.junit import render_junit

        return render_junit(report)
    if fmt is Format.MARKDOWN:
        from golive.reporters.markdown import render_markdown

        return render_markdown(report)
    if fmt is Format.HTML:
        from golive.reporters.html import render_html

        return render_html(report)
    assert_never(fmt)
