"""Building probe contexts for the reference deployment, and running probes and items."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from golive.checklist.profiles import EnvironmentProfile
from golive.core.results import ItemResult, Outcome
from golive.engine.context import Clients, ProbeContext
from golive.engine.loader import load_checklist
from golive.engine.probe import ProbeError
from golive.engine.registry import load_probe
from golive.engine.runner import plan, run_plan
from golive.values.environment import ResolvedEnvironment, redactor_for, resolve

REPO = Path(__file__).resolve().parents[2]
CHECKLIST = REPO / "checklist.yaml"
MAPPING = json.dumps(
    {"basic": {"monthly": "price_b_m", "yearly": "price_b_y"}, "pro": {"monthly": "price_p_m"}}
)
ROLES = {
    "user": {"bearer": "${GOLIVE_USER_TOKEN}"},
    "other_user": {"bearer": "${GOLIVE_OTHER_USER_TOKEN}"},
    "admin": {"bearer": "${GOLIVE_ADMIN_TOKEN}"},
    "domain_admin": {"bearer": "${GOLIVE_DOMAIN_ADMIN_TOKEN}"},
}


def write_env(path: Path, values: Mapping[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{k}='{v}'\n" for k, v in values.items()), encoding="utf-8")
    return path


def with_mapping(values: Mapping[str, str]) -> dict[str, str]:
    return {
        "STRIPE_PLAN_PRICE_MAPPING_TEST": MAPPING,
        "STRIPE_PLAN_PRICE_MAPPING_LIVE": MAPPING,
        **values,
    }


def make_context(
    folder: Path,
    values: Mapping[str, str],
    *,
    name: str = "test",
    mode: str = "test",
    timeout: float = 5.0,
    others: Mapping[str, Mapping[str, str]] | None = None,
    **profile: Any,
) -> ProbeContext:
    """A context for one deployment whose configuration is `values` (a dotenv file)."""

    def resolved(
        env_name: str, env_values: Mapping[str, str], env_mode: str
    ) -> ResolvedEnvironment:
        write_env(folder / f"{env_name}.env", env_values)
        prof = EnvironmentProfile.model_validate(
            {
                "mode": env_mode,
                "source": {"dotenv": f"{env_name}.env"},
                "base_url": "${GOLIVE_BASE_URL}",
                "database_url": "${DATABASE_URL}",
                "roles": ROLES,
                **profile,
            }
        )
        return resolve(env_name, prof, folder)

    env = resolved(name, with_mapping(values), mode)

    def other(env_name: str) -> ResolvedEnvironment:
        if not others or env_name not in others:
            raise ProbeError(f"no environment {env_name!r}")
        return resolved(env_name, others[env_name], "test")

    return ProbeContext(
        env=env,
        root=folder,
        redactor=redactor_for(env),
        clients=Clients(),
        timeout=timeout,
        others=other,
    )


def run_probe(kind: str, ctx: ProbeContext, **params: Any) -> Outcome:
    """Run one probe as the runner does: ProbeError becomes `error`. Not redacted."""
    probe = load_probe(kind)
    try:
        return probe.run(probe.Params.model_validate(params), ctx)
    except ProbeError as exc:
        return Outcome.error(str(exc))


def checklist_context(
    folder: Path,
    env_name: str,
    values: Mapping[str, str],
    others: Mapping[str, Mapping[str, str]] | None = None,
    timeout: float = 10.0,
) -> ProbeContext:
    """A context for an environment of the default checklist.yaml, its source replaced."""
    checklist = load_checklist(CHECKLIST).checklist

    def resolved(name: str, env_values: Mapping[str, str]) -> ResolvedEnvironment:
        path = write_env(folder / f"{name}.env", with_mapping(env_values))
        return resolve(name, checklist.environments[name], folder, env_file=path)

    env = resolved(env_name, values)

    def other(name: str) -> ResolvedEnvironment:
        if not others or name not in others:
            raise ProbeError(f"no environment {name!r}")
        return resolved(name, others[name])

    return ProbeContext(
        env=env,
        root=REPO,
        redactor=redactor_for(env),
        clients=Clients(),
        timeout=timeout,
        others=other,
    )


def run_items(ctx: ProbeContext, *ids: str) -> dict[str, ItemResult]:
    """Run items of the default checklist by id, through the real runner (redacted)."""
    checklist = load_checklist(CHECKLIST).checklist
    planned = [p for p in plan(checklist, ctx.env.name, list(ids)) if p.item.id in ids]
    missing = set(ids) - {p.item.id for p in planned}
    assert not missing, f"items not in environment {ctx.env.name}: {missing}"
    return {r.id: r for r in run_plan(checklist, planned, ctx, concurrency=1)}


Factory = Callable[..., Any]
