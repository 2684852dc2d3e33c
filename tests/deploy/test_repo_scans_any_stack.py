"""H.6-H.8 (placeholder redirect URLs, SQL echo, debug mode) in the code and configuration
of every stack: Python, JS/TS, Ruby, PHP, Go, Java; in real git repositories."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from golive.checks.repo import PatternsParams, _git_grep

from golive.core.results import ItemResult, Status
from golive.engine.loader import load_checklist

from .helpers import checklist_context, run_items, run_probe
from .test_repo_patterns import git_repo

ROOT = Path(__file__).resolve().parents[2]

# (item, file, line that must be found)
FOUND = [
    ("H.6", "web/checkout.ts", "  successUrl: 'https://yourapp.com/thanks',"),
    ("H.6", "app/services/pay.rb", 'cancel_url: "https://example.com/cancel",'),
    ("H.6", "src/Pay.php", "'success_url' => 'https://your-domain.com/ok',"),
    ("H.6", "pay/pay.go", 'SuccessURL: stripe.String("https://example.com/success"),'),
    ("H.6", "src/main/java/Pay.java", '.setSuccessUrl("https://yourapp.com/ok")'),
    ("H.6", "config/stripe.yml", "return_url: https://example.com/account"),
    ("H.7", "app/db.py", "engine = create_engine(url, echo=True)"),
    ("H.7", "src/data-source.ts", "  logging: true,"),
    ("H.7", "src/db.js", "const db = new Sequelize(url, { logging: console.log });"),
    ("H.7", "lib/prisma.ts", "new PrismaClient({ log: ['query', 'error'] })"),
    ("H.7", "db/index.ts", "export const db = drizzle(pool, { logger: true });"),
    ("H.7", "config/initializers/sql.rb", "ActiveRecord::Base.logger = Logger.new(STDOUT)"),
    ("H.7", "config/environments/production.rb", "  config.log_level = :debug"),
    ("H.7", "app/Providers/AppServiceProvider.php", "        DB::enableQueryLog();"),
    ("H.7", "store/db.go", "db = db.Debug().Where(q)"),
    ("H.7", "src/main/resources/application.properties", "spring.jpa.show-sql=true"),
    ("H.7", "src/main/resources/application.yml", "    show-sql: true"),
    ("H.8", "app/main.py", "app.run(debug=True)"),
    ("H.8", "app/settings.py", "DEBUG = True"),
    ("H.8", "app/config.py", "    app_debug: bool = True"),
    ("H.8", "app/config2.py", "    debug: bool = Field(default=True, alias='APP_DEBUG')"),
    ("H.8", "app/config3.py", 'DEBUG = os.getenv("APP_DEBUG", "true") == "true"'),
    ("H.8", "next.config.js", "  debug: true,"),
    ("H.8", "src/auth.ts", "const debug = process.env.AUTH_DEBUG ?? 'true';"),
    ("H.8", "server.js", "process.env.NODE_ENV = 'development';"),
    ("H.8", "config/production.json", '  "debug": true,'),
    ("H.8", "config/environments/production.rb", "  config.consider_all_requests_local = true"),
    ("H.8", "config/app.php", "    'debug' => (bool) env('APP_DEBUG', true),"),
    ("H.8", "public/index.php", "ini_set('display_errors', '1');"),
    ("H.8", "main.go", "\tgin.SetMode(gin.DebugMode)"),
    ("H.8", "cmd/server.go", "\te.Debug = true"),
    ("H.8", "src/main/resources/application.properties", "debug=true"),
    ("H.8", "src/main/resources/application.yml", "    include-stacktrace: always"),
]

# Lines that look alike but are right: none may be found.
CLEAN = {
    "app/main.py": "app.run(debug=settings.DEBUG)\nDEBUG = os.getenv('DEBUG', 'false') == 'true'\n"
    "engine = create_engine(url, echo=settings.SQL_ECHO)\n    app_debug: bool = False\n",
    "web/checkout.ts": "successUrl: `${process.env.APP_URL}/thanks`,\nlogging: false,\n"
    "if (debug === true) {}\nconst app = Fastify({ logger: true });\n",
    "config/environments/production.rb": "  config.consider_all_requests_local = false\n"
    "  config.log_level = :info\n",
    "config/app.php": "    'debug' => (bool) env('APP_DEBUG', false),\n",
    "main.go": '\tgin.SetMode(gin.ReleaseMode)\n\tlog.Debug("starting")\n',
    "src/main/resources/application.properties": "spring.jpa.show-sql=false\ndebug=false\n",
    # development-only settings and tests are not production's
    "config/environments/development.rb": "  config.consider_all_requests_local = true\n",
    "src/main/resources/application-dev.yml": "debug: true\n",
    "app/settings/dev.py": "DEBUG = True\n",
    "tests/test_app.py": "app = FastAPI(debug=True)\n",
    "src/app.test.ts": "const cfg = { debug: true };\n",
    "pay/pay_test.go": 'SuccessURL: stripe.String("https://example.com/ok"),\n',
    "spec/pay_spec.rb": "cancel_url: 'https://example.com/x'\n",
    ".env.example": "SUCCESS_URL=https://yourapp.com/ok\n",
}


def items(tmp_path: Path, files: dict[str, str]) -> dict[str, ItemResult]:
    repo = git_repo(tmp_path / "app", files)
    ctx = replace(checklist_context(tmp_path / "env", "test", {}), root=repo, repo=repo)
    return dict(run_items(ctx, "H.6", "H.7", "H.8"))


@pytest.mark.parametrize(("item", "file", "line"), FOUND, ids=[f"{i}:{f}" for i, f, _ in FOUND])
def test_each_stack_s_setting_is_found_by_its_item(
    tmp_path: Path, item: str, file: str, line: str
) -> None:
    results = items(tmp_path, {file: f"// header\n{line}\n", "README.md": "x\n"})
    got = results[item]
    assert got.status is Status.FAIL, got.message
    assert f"{file}:2:" in got.message
    others = {i: r.status for i, r in results.items() if i != item}
    assert Status.FAIL not in others.values(), others


def test_look_alikes_tests_and_development_settings_pass(tmp_path: Path) -> None:
    results = items(tmp_path, CLEAN)
    for item, got in results.items():
        assert got.status is Status.PASS, (item, got.message)


def test_git_searches_the_default_items_and_python_gives_the_same_answer(
    tmp_path: Path,
) -> None:
    """The default items run in one `git grep -P` each (never the slow Python fallback),
    and the fallback (a pattern git cannot take) finds the same lines."""
    repo = git_repo(tmp_path / "app", {file: f"{line}\n" for _, file, line in FOUND[:12]})
    checklist = load_checklist(ROOT / "checklist.yaml").checklist
    for item in checklist.items:
        if item.id in ("H.6", "H.7", "H.8"):
            params = PatternsParams.model_validate(item.probe.params)
            assert _git_grep(repo, params, 10) is not None, item.id
    line = "engine = create_engine(url, echo=True)"
    repo = git_repo(tmp_path / "b", {"db.py": f"x = 1\n{line}\n"})
    for pattern in (r"\becho\s*=\s*True\b", r"\Aengine\b.*\becho\s*=\s*True\b"):  # 2nd: Python
        params = PatternsParams.model_validate(
            {"patterns": [{"pattern": pattern, "files": ["*.py"], "message": "m"}]}
        )
        ctx = replace(checklist_context(tmp_path / "env", "test", {}), root=repo, repo=repo)
        out = run_probe("repo.patterns", ctx, **params.model_dump())
        assert out.status is Status.FAIL and "db.py:2: '" in out.message, out.message
