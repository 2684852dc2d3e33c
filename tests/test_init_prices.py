"""`golive init`'s "where prices come from" answer sets the source of every price item at
once (the `price_source` input), and an input's default may reference another input."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from golive.cli import main
from golive.engine.loader import load_checklist

PRICE_ITEMS = ("1.2d", "2.1a", "2.1b", "2.1c", "2.2a", "2.2b", "2.2b.prices", "2.2c", "2.2d")
QUERY = "SELECT plan_key, stripe_price FROM billing_prices"


@pytest.fixture
def empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _sources(profile: Path) -> dict[str, object]:
    items = {i.id: i for i in load_checklist(profile).checklist.items}
    return {i: items[i].probe.params["source"] for i in PRICE_ITEMS}


def test_price_sql_sets_every_price_item_and_the_env_example(empty: Path) -> None:
    assert main(["init", "--yes", "--price-sql", QUERY]) == 0
    profile = yaml.safe_load((empty / "golive.yaml").read_text(encoding="utf-8"))
    assert profile["inputs"] == {"price_source": {"sql": QUERY}}
    assert "not a variable" in profile["disable"]["1.2e"]
    assert set(map(str, _sources(empty / "golive.yaml").values())) == {str({"sql": QUERY})}
    example = (empty / "prod.env.example").read_text(encoding="utf-8")
    assert "STRIPE_PLAN_PRICE_MAPPING" not in example  # nothing reads it any more
    assert "# DATABASE_URL: read by " in example and "2.1a" in example.split("DATABASE_URL")[1]


def test_price_list_and_price_variable(empty: Path) -> None:
    assert main(["init", "--yes", "--prices", "basic.monthly=price_1, pro.monthly=price_2"]) == 0
    want = {"prices": {"basic.monthly": "price_1", "pro.monthly": "price_2"}}
    assert all(s == want for s in _sources(empty / "golive.yaml").values())
    # A variable: only its name is written, and every price item follows it.
    assert main(["init", "--yes", "--force", "--price-mapping-var", "PRICES_{MODE}"]) == 0
    profile = yaml.safe_load((empty / "golive.yaml").read_text(encoding="utf-8"))
    assert profile["inputs"] == {"price_mapping_var": "PRICES_{MODE}"} and "disable" not in profile
    assert all(s == {"var": "PRICES_{MODE}"} for s in _sources(empty / "golive.yaml").values())
    assert "\nPRICES_LIVE=\n" in (empty / "prod.env.example").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--price-sql", QUERY, "--prices", "a.b=price_1"], "give one of"),
        (["--price-sql", "DELETE FROM billing_prices"], "one SELECT"),
        (["--prices", "basic=price_1"], "expected tier.cycle"),
    ],
)
def test_bad_price_answers_are_usage_errors(
    empty: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--yes", *args]) == 2
    assert message in capsys.readouterr().err
    assert not (empty / "golive.yaml").exists()


def test_inputs_referring_to_each_other_in_a_cycle_are_an_error(
    empty: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (empty / "golive.yaml").write_text(
        "extend: default\ninputs:\n"
        "  price_mapping_var: ${inputs.plans_table}\n"
        "  plans_table: ${inputs.price_mapping_var}\n",
        encoding="utf-8",
    )
    assert main(["validate", "golive.yaml"]) == 2
    assert "inputs refer to each other in a cycle" in capsys.readouterr().err
