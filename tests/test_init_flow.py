"""init's flow with its questions injected (golive/commands/init_flow.py): the questions a
person would be asked reach the Prompt it is given, their answers land in golive.yaml,
and without a Prompt nothing is asked and the flags or the defaults are written."""

from __future__ import annotations

from pathlib import Path

import yaml

from golive.commands.init_flow import InitFlags, run_init


class Scripted:
    """Answers by the first words of the question; records every question."""

    def __init__(self, answers: dict[str, str], confirm: bool = False) -> None:
        self.answers = answers
        self.confirm_answer = confirm
        self.asked: list[str] = []

    def ask(self, question: str, default: str | None = None, show_default: bool = True) -> str:
        self.asked.append(question)
        for start, answer in self.answers.items():
            if question.startswith(start):
                return answer
        return default or ""

    def confirm(self, question: str, default: bool = True) -> bool:
        self.asked.append(question)
        return self.confirm_answer


def test_the_open_questions_go_to_the_injected_prompt(tmp_path: Path) -> None:
    prompt = Scripted(
        {
            "Base URL": "https://shop.example.com",
            "Where prices come from": "sql",
            "Query returning": "SELECT key, price FROM prices",
            "Tables": "plans=billing_plan",
            "Migration tool": "alembic",
            "The app's live/test switch": "STRIPE_LIVE_MODE:boolean",
        }
    )
    said: list[str] = []
    profile, example = run_init(InitFlags(), tmp_path, prompt, said.append)
    doc = yaml.safe_load(profile.read_text(encoding="utf-8"))
    assert doc["environments"]["prod"]["base_url"] == "https://shop.example.com"
    assert doc["inputs"]["plans_table"] == "billing_plan"
    assert doc["environments"]["prod"]["mode_switch"]["var"] == "STRIPE_LIVE_MODE"
    assert any(q.startswith("Login path") for q in prompt.asked)
    assert example.is_file() and said[0] == f"wrote {profile.name} and {example.name}"


def test_without_a_prompt_nothing_is_asked_and_flags_are_written(tmp_path: Path) -> None:
    said: list[str] = []
    profile, _ = run_init(
        InitFlags(base_url="https://api.example.com", tables="plans=plans_v2"),
        tmp_path,
        None,
        said.append,
    )
    doc = yaml.safe_load(profile.read_text(encoding="utf-8"))
    assert doc["environments"]["prod"]["base_url"] == "https://api.example.com"
    assert doc["inputs"]["plans_table"] == "plans_v2"
    assert "without" not in doc  # no question, so no feature was declared missing
