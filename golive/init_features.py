"""What `golive init` finds out about the app's features, and asks about the rest.

Each feature of the packaged checklist (`features:`) the app lacks becomes one word of the
profile's `without:` line, with the reason init decided so: the OpenAPI document has no
route for it, or the person said so when asked.
"""

from __future__ import annotations

from collections.abc import Callable

from golive.init import InitAnswers

#: What the OpenAPI guesses say about features: a feature whose routes are all missing.
ROUTE_FEATURES = {
    "billing_portal": ("portal_path",),
    "dispute_tools": ("disputes_api", "admin_page"),
    "fraud_tools": ("fraud_warnings_api",),
}


def lacking_from_openapi(missing: list[str]) -> list[tuple[str, str]]:
    """(feature, why) for each feature none of whose routes the document has."""
    return [
        (feature, f"the OpenAPI document has no route for {' or '.join(inputs)}")
        for feature, inputs in ROUTE_FEATURES.items()
        if all(name in missing for name in inputs)
    ]


def ask_features(
    answers: InitAnswers,
    titles: dict[str, str],
    confirm: Callable[[str], bool],
    *,
    decided: set[str],
) -> None:
    """Ask, for each feature neither a flag nor the document decided, whether the app
    has it; a no adds it to `without:`."""
    for name, title in titles.items():
        if name in answers.without or name in decided or name == answers.environment:
            continue
        if not confirm(f"Does the app have {title}?"):
            answers.lack(name, "answered no when asked")
