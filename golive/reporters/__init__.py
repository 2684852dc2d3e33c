"""Report formats: each a pure function of a Report, chosen by one enum."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import TYPE_CHECKING, assert_never

from golive.core.results import Report

if TYPE_CHECKING:
    from golive.reporters.html import SignoffEntry


class Format(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    JUNIT = "junit"
    MARKDOWN = "markdown"
    HTML = "html"
    GITHUB = "github"


def render(
    fmt: Format,
    report: Report,
    *,
    color: bool = False,
    width: int = 100,
    signoff: Sequence[SignoffEntry] | None = None,
) -> str:
    """The report as text in `fmt`; `signoff`: the signatures, for the HTML page."""
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

        return render_html(report, signoff)
    if fmt is Format.GITHUB:
        from golive.reporters.github import render_github

        return render_github(report)
    assert_never(fmt)
