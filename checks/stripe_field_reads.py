"""Reads of Stripe object fields in an app's source, any language, for stripe.api_upgrade.

A read is an accessor after a name that says which object it holds:

    invoice.subscription            (JavaScript, Python, Go's Invoice.Subscription, C#)
    invoice["subscription"]  $invoice['subscription']  $invoice->subscription  inv[:subscription]
    invoice.getSubscription()       (Java)   stripeInvoice.currentPeriodEnd (camelCase SDKs)

The receiver's last word (`stripe_invoice` -> invoice, `subInvoiceObj` -> invoice: words
like obj, data, payload are dropped) names the object; such a read is `clear`. A generic
receiver (`obj`, `object`, `data`, `payload`, `event.data.object`) may hold any object:
its read is `unsure`, and only for field names of two words or more (current_period_end,
subscription_details), which a generic receiver rarely holds by chance. Comment lines are
left out. Only fields at the top of an object are looked for (a nested removal such as
`collected_information.shipping_details.carrier` is not).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

SOURCE_SUFFIXES = frozenset(
    {
        ".js",
        ".mjs",
        ".cjs",
        ".jsx",
        ".ts",
        ".tsx",
        ".py",
        ".rb",
        ".php",
        ".go",
        ".java",
        ".kt",
        ".cs",
        ".ex",
        ".exs",
        ".rs",
        ".scala",
        ".swift",
        ".erb",
        ".vue",
        ".svelte",
    }
)
SKIPPED_DIRS = frozenset({"node_modules", "vendor", "dist", "build", "site-packages", ".venv"})
MAX_FILE_BYTES = 1_000_000
MAX_FILES = 20_000
#: words a receiver's name may end with that do not say what it holds
FILLER = frozenset(
    {
        "obj",
        "object",
        "data",
        "payload",
        "raw",
        "json",
        "dict",
        "record",
        "hash",
        "body",
        "resource",
        "model",
        "stripe",
        "event",
        "evt",
        "e",
        "o",
        "x",
    }
)
GENERIC = frozenset(
    {"obj", "object", "data", "payload", "resource", "item", "o", "e", "x", "raw", "body", "record"}
)
#: the words a receiver's name ends with for each object kind
ALIASES: dict[str, frozenset[str]] = {
    "invoice": frozenset({"invoice", "inv"}),
    "subscription": frozenset({"subscription", "sub"}),
    "checkout.session": frozenset({"session", "checkoutsession"}),
    "payment_intent": frozenset({"paymentintent", "intent", "pi"}),
    "charge": frozenset({"charge"}),
    "customer": frozenset({"customer", "cust"}),
    "invoice_line_item": frozenset({"line", "lineitem", "invoicelineitem"}),
    "invoice_item": frozenset({"invoiceitem"}),
    "subscription_item": frozenset({"subscriptionitem"}),
    "refund": frozenset({"refund"}),
    "dispute": frozenset({"dispute"}),
    "credit_note": frozenset({"creditnote"}),
}
_COMMENT = re.compile(r"^\s*(#|//|/\*|\*|--|<!--)")
_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


@dataclass(frozen=True)
class Read:
    object: str
    field: str
    file: str
    line: int
    clear: bool  # the receiver's name says the object; else a generic receiver

    def where(self) -> str:
        return f"{self.file}:{self.line}"


def field_forms(field: str) -> list[str]:
    """current_period_end -> current_period_end, currentPeriodEnd, CurrentPeriodEnd,
    getCurrentPeriodEnd (each SDK's spelling)."""
    words = field.split("_")
    camel = words[0] + "".join(w.title() for w in words[1:])
    pascal = "".join(w.title() for w in words)
    return list(dict.fromkeys([field, camel, pascal, f"get{pascal}"]))


def receiver_kind(name: str) -> str | None:
    """The object kind a receiver's name says, `?` for a generic one, None for others."""
    words = [w.lower() for w in _WORDS.findall(name.lstrip("$@"))]
    if not words:
        return None
    if words[-1] in GENERIC and len(words) == 1:
        return "?"
    while len(words) > 1 and words[-1] in FILLER:
        words.pop()
    last = words[-1]
    joined = "".join(words[-2:]) if len(words) >= 2 else last
    for kind, aliases in ALIASES.items():
        if joined in aliases or last in aliases:
            return kind
    return "?" if last in GENERIC else None


def _pattern(forms: Iterable[str]) -> re.Pattern[str]:
    alternatives = "|".join(sorted((re.escape(f) for f in forms), key=len, reverse=True))
    return re.compile(
        r"([$@]?[A-Za-z_][\w]*)\s*(?:\]\s*)?"  # the receiver (an index just before is fine)
        r"(?:\?\.|\.|->|::|\[\s*:?['\"]?|\.get\(\s*['\"]|\[:)"  # the accessor
        rf"({alternatives})(?![\w])"
    )


def source_files(root: Path, tracked: Iterable[str]) -> Iterator[Path]:
    count = 0
    for name in tracked:
        path = PurePosixPath(name)
        if path.suffix.lower() not in SOURCE_SUFFIXES or SKIPPED_DIRS & set(path.parts[:-1]):
            continue
        count += 1
        if count > MAX_FILES:
            return
        yield root / name


def find_reads(
    root: Path, tracked: Iterable[str], fields: dict[str, set[str]]
) -> tuple[list[Read], int]:
    """Reads of `fields` (object kind -> top-level field names) in the tracked source
    files under `root`, and how many files were scanned."""
    wanted: dict[str, list[tuple[str, str]]] = {}  # spelling -> [(kind, field)]
    for kind, names in fields.items():
        for f in names:
            if "." in f or "[" in f:
                continue
            for form in field_forms(f):
                wanted.setdefault(form, []).append((kind, f))
    if not wanted:
        return [], 0
    pattern = _pattern(wanted)
    reads: list[Read] = []
    scanned = 0
    for path in source_files(root, tracked):
        try:
            if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        scanned += 1
        rel = path.relative_to(root).as_posix()
        for number, line in enumerate(text.splitlines(), 1):
            if _COMMENT.match(line):
                continue
            for m in pattern.finditer(line):
                said = receiver_kind(m.group(1))
                if said is None:
                    continue
                for kind, f in wanted[m.group(2)]:
                    if said == kind:
                        reads.append(Read(kind, f, rel, number, True))
                    elif said == "?" and "_" in f:
                        reads.append(Read(kind, f, rel, number, False))
    return reads, scanned
