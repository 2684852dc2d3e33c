"""Writes tests/corpus/ (run once; the files are committed)."""

import sys
from pathlib import Path

out = Path(sys.argv[1])
HEAD = "environments:\n  prod: {mode: live}\nsections: [{id: s, title: S}]\n"
ITEM = "items:\n  - {id: a, title: A, section: s, probe: {kind: env.present, var: X}}\n"
OK = HEAD + ITEM


def env_head(profile: str) -> str:
    return (
        "environments:\n  prod:\n    mode: live\n"
        + profile
        + "sections: [{id: s, title: S}]\n"
        + ITEM
    )


def item(probe: str, extra: str = "") -> str:
    return (
        HEAD + "items:\n  - id: a\n    title: A\n    section: s\n" + extra + f"    probe: {probe}\n"
    )


rows = []  # (file, run, exit, fragment)


def add(name, run, code, frag, content):
    path = out / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    rows.append((name, run, str(code), frag))


V = "validate"
# --- checklist structure
add("empty.yaml", V, 2, "must be a mapping", "")
add("top_list.yaml", V, 2, "must be a mapping", "- a\n- b\n")
add("top_scalar.yaml", V, 2, "must be a mapping", "hello\n")
add("unclosed_bracket.yaml", V, 2, "YAML syntax", "environments: [\n")
add("tab_indent.yaml", V, 2, "YAML syntax", "environments:\n\tprod: {mode: live}\n")
add("duplicate_key.yaml", V, 2, "duplicate key 'environments'", OK + "environments: {}\n")
add("unknown_top_key.yaml", V, 2, "unknown key 'enviroments'", OK + "enviroments: {}\n")
add(
    "no_environments.yaml",
    V,
    2,
    "environments: Field required",
    "sections: [{id: s, title: S}]\n" + ITEM,
)
add(
    "environments_empty.yaml",
    V,
    2,
    "environments: Dictionary should have at least 1 item",
    "environments: {}\nsections: [{id: s, title: S}]\n" + ITEM,
)
add(
    "environments_list.yaml",
    V,
    2,
    "environments: Input should be a valid dictionary",
    "environments: [prod]\nsections: [{id: s, title: S}]\n" + ITEM,
)
add(
    "env_no_mode.yaml",
    V,
    2,
    "mode: Field required",
    "environments:\n  prod: {}\nsections: [{id: s, title: S}]\n" + ITEM,
)
add(
    "env_bad_mode.yaml",
    V,
    2,
    "Input should be 'live' or 'test'",
    "environments:\n  prod: {mode: staging}\nsections: [{id: s, title: S}]\n" + ITEM,
)
add(
    "env_mode_upper.yaml",
    V,
    2,
    "Input should be 'live' or 'test'",
    "environments:\n  prod: {mode: LIVE}\nsections: [{id: s, title: S}]\n" + ITEM,
)
add("env_unknown_key.yaml", V, 2, "unknown key 'base_ulr'", env_head("    base_ulr: http://x\n"))
add(
    "dotenv_no_path.yaml",
    V,
    2,
    "a dotenv source needs a path",
    env_head("    source: {dotenv: ''}\n"),
)
add(
    "command_empty.yaml",
    V,
    2,
    "a command source needs a command",
    env_head("    source: {command: ''}\n"),
)
add(
    "command_unbalanced_quote.yaml",
    V,
    2,
    "No closing quotation",
    env_head('    source: {command: "vault read \'secret/prod"}\n'),
)
add(
    "command_unbalanced_dquote.yaml",
    V,
    2,
    "unbalanced quote",
    env_head("    source: {command: 'op read \"x'}\n"),
)
add(
    "command_pipe.yaml",
    V,
    2,
    "'|' is shell syntax",
    env_head("    source: {command: 'vault read x | jq .'}\n"),
)
add(
    "command_redirect.yaml",
    V,
    2,
    "'>' is shell syntax",
    env_head("    source: {command: 'dump > out.env'}\n"),
)
add(
    "command_and.yaml",
    V,
    2,
    "'&&' is shell syntax",
    env_head("    source: {command: 'cd x && cat .env'}\n"),
)
add(
    "command_subst.yaml",
    V,
    2,
    "is shell syntax",
    env_head("    source: {command: 'cat $(pwd)/.env'}\n"),
)
add(
    "command_backtick.yaml",
    V,
    2,
    "is shell syntax",
    env_head("    source: {command: 'cat `pwd`/.env'}\n"),
)
add(
    "command_semicolon.yaml",
    V,
    2,
    "';' is shell syntax",
    env_head("    source: {command: 'true ; cat .env'}\n"),
)
add("source_list_empty.yaml", V, 2, "list at least one source", env_head("    source: []\n"))
add("sql_empty.yaml", V, 2, "a sql source needs a query", env_head("    source: {sql: ' '}\n"))
add("source_bad_type.yaml", V, 2, "source", env_head("    source: {type: ftp}\n"))
add(
    "source_extra_key.yaml",
    V,
    2,
    "unknown key 'bogus'",
    env_head("    source: {dotenv: x.env, bogus: 1}\n"),
)
add(
    "source_timeout_zero.yaml",
    V,
    2,
    "greater than 0",
    env_head("    source: {command: [true], timeout: 0}\n"),
)
add(
    "source_timeout_huge.yaml",
    V,
    2,
    "finite number",
    env_head("    source: {command: [true], timeout: 1e400}\n"),
)
add(
    "source_in_list_bad.yaml",
    V,
    2,
    "a command source needs a command",
    env_head("    source: [env, {command: []}]\n"),
)
add(
    "ref_unclosed_base_url.yaml",
    V,
    2,
    "'${' without a matching '}'",
    env_head("    base_url: ${BASE_URL\n"),
)
add(
    "ref_bad_name.yaml", V, 2, "'${' without a matching '}'", env_head("    database_url: ${1DB}\n")
)
add(
    "ref_unclosed_role.yaml",
    V,
    2,
    "'${' without a matching '}'",
    env_head("    roles: {admin: {bearer: '${ADMIN_TOKEN'}}\n"),
)
add(
    "ref_unclosed_var.yaml", V, 2, "'${' without a matching '}'", env_head("    vars: {A: 'x${'}\n")
)
add(
    "ref_unclosed_stripe.yaml",
    V,
    2,
    "'${' without a matching '}'",
    env_head("    stripe: {webhook_url: '${BASE}/hook${'}\n"),
)
add("ref_empty_name.yaml", V, 2, "'${' without a matching '}'", env_head("    base_url: ${}\n"))
add("stripe_rps_huge.yaml", V, 2, "max_rps", env_head("    stripe: {max_rps: 1000}\n"))
add("stripe_retries.yaml", V, 2, "max_retries", env_head("    stripe: {max_retries: 10}\n"))
add("roles_not_mapping.yaml", V, 2, "roles", env_head("    roles: [admin]\n"))
# --- YAML features refused
add(
    "tag_vault.yaml",
    V,
    2,
    "unsupported YAML tag '!vault'",
    env_head("    base_url: !vault secret/prod#url\n"),
)
add(
    "tag_python_object.yaml",
    V,
    2,
    "unsupported YAML tag 'tag:yaml.org,2002:python/object/apply:os.system'",
    OK + "x: !!python/object/apply:os.system ['echo pwned']\n",
)
add("tag_python_name.yaml", V, 2, "unsupported YAML tag", OK + "x: !!python/name:os.system\n")
add("tag_binary.yaml", V, 2, "unsupported YAML tag", OK + "x: !!binary aGVsbG8=\n")
add("tag_set.yaml", V, 2, "unsupported YAML tag", OK + "x: !!set {a, b}\n")
add("tag_omap.yaml", V, 2, "unsupported YAML tag", OK + "x: !!omap [a: 1]\n")
add("tag_env.yaml", V, 2, "unsupported YAML tag '!ENV'", env_head("    base_url: !ENV ${URL}\n"))
add(
    "tag_on_mapping.yaml",
    V,
    2,
    "unsupported YAML tag '!include'",
    "environments: !include envs.yaml\n",
)
add(
    "tag_verbatim.yaml",
    V,
    2,
    "unsupported YAML tag",
    OK + "x: !<tag:example.com,2000:app/foo> bar\n",
)
add(
    "merge_key.yaml",
    V,
    2,
    "merge keys (<<) are not supported",
    "base: &base {mode: live}\nenvironments:\n  prod:\n    <<: *base\nsections: [{id: s, title: S}]\n"
    + ITEM,
)
add(
    "merge_key_list.yaml",
    V,
    2,
    "merge keys (<<) are not supported",
    "a: &a {mode: live}\nb: &b {base_url: x}\nenvironments:\n  prod:\n    <<: [*a, *b]\nsections: [{id: s, title: S}]\n"
    + ITEM,
)
laughs = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
prev = "a"
for name in "bcdefghi":
    laughs += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 5) + "]\n"
    prev = name
add("billion_laughs.yaml", V, 2, "expands to more than 100000 values", laughs)
add(
    "many_aliases.yaml",
    V,
    2,
    "more than 50 aliases",
    "a: &a 1\nb: [" + ", ".join(["*a"] * 60) + "]\n",
)
add("deep_lists.yaml", V, 2, "nested deeper than 40 levels", "x: " + "[" * 100 + "]" * 100 + "\n")
add(
    "deep_maps.yaml",
    V,
    2,
    "nested deeper than 40 levels",
    "x: " + "{a: " * 60 + "1" + "}" * 60 + "\n",
)
add("undefined_alias.yaml", V, 2, "found undefined alias", "environments: *nope\n")
add("two_documents.yaml", V, 2, "expected a single document", OK + "---\n" + OK)
add("non_utf8.yaml", V, 2, "not UTF-8 text", OK.encode() + b"# caf\xe9\n")
add("nul_byte.yaml", V, 2, "YAML", OK.encode() + b"x: a\x00b\n")
add("complex_key.yaml", V, 2, "keys must be plain scalars", OK + "? [a, b]\n: 1\n")
add("mapping_key.yaml", V, 2, "keys must be plain scalars", OK + "{a: 1}: 2\n")
# --- items
add("items_not_list.yaml", V, 2, "items: Input should be a valid list", HEAD + "items: {a: 1}\n")
add(
    "item_no_id.yaml",
    V,
    2,
    "id: Field required",
    HEAD + "items:\n  - {title: A, section: s, probe: {kind: env.present, var: X}}\n",
)
add(
    "item_bad_id.yaml",
    V,
    2,
    "String should match pattern",
    HEAD + "items:\n  - {id: '-a b', title: A, section: s, probe: {kind: env.present, var: X}}\n",
)
add(
    "item_duplicate_id.yaml",
    V,
    2,
    "duplicate item id",
    OK + "  - {id: a, title: B, section: s, probe: {kind: env.present, var: Y}}\n",
)
add(
    "item_unknown_section.yaml",
    V,
    2,
    "unknown section 'z'",
    HEAD + "items:\n  - {id: a, title: A, section: z, probe: {kind: env.present, var: X}}\n",
)
add(
    "item_unknown_kind.yaml",
    V,
    2,
    "unknown probe kind 'env.presnt'",
    item("{kind: env.presnt, var: X}"),
)
add("item_no_kind.yaml", V, 2, "kind: Field required", item("{var: X}"))
add("item_probe_string.yaml", V, 2, "probe", item("env.present"))
add("item_param_unknown.yaml", V, 2, "unknown key 'varr'", item("{kind: env.present, varr: X}"))
add("item_param_missing.yaml", V, 2, "probe.var: Field required", item("{kind: env.present}"))
add("item_param_type.yaml", V, 2, "probe.values", item("{kind: env.one_of, var: X, values: 3}"))
add(
    "item_bad_severity.yaml",
    V,
    2,
    "Input should be 'blocking' or 'advisory'",
    item("{kind: env.present, var: X}", "    severity: critical\n"),
)
add(
    "item_unknown_environment.yaml",
    V,
    2,
    "unknown environment 'production'",
    item("{kind: env.present, var: X}", "    environments: [production]\n"),
)
add(
    "item_bad_tag.yaml",
    V,
    2,
    "use lower-case letters",
    item("{kind: env.present, var: X}", "    tags: [Config]\n"),
)
add(
    "item_timeout_zero.yaml",
    V,
    2,
    "greater than 0",
    item("{kind: env.present, var: X}", "    timeout: 0\n"),
)
add(
    "item_timestamp_title.yaml",
    V,
    2,
    "title: Input should be a valid string",
    HEAD
    + "items:\n  - {id: a, title: 2024-01-01, section: s, probe: {kind: env.present, var: X}}\n",
)
add("defaults_concurrency.yaml", V, 2, "concurrency", OK + "defaults: {concurrency: 0}\n")
add("defaults_timeout.yaml", V, 2, "timeout", OK + "defaults: {timeout: -1}\n")
add(
    "duplicate_section.yaml",
    V,
    2,
    "duplicate section id 's'",
    "environments:\n  prod: {mode: live}\nsections: [{id: s, title: S}, {id: s, title: T}]\n"
    + ITEM,
)
add(
    "no_sections.yaml",
    V,
    2,
    "sections: Field required",
    "environments:\n  prod: {mode: live}\n" + ITEM,
)
add(
    "repo_scan_abs_exclude.yaml",
    V,
    2,
    "is absolute",
    item("{kind: secrets.repo_scan, exclude: ['/etc/*']}"),
)
add(
    "repo_scan_dotdot_exclude.yaml",
    V,
    2,
    "climbs out with '..'",
    item("{kind: secrets.repo_scan, exclude: ['../other/*']}"),
)
add(
    "env_files_abs_pattern.yaml",
    V,
    2,
    "is absolute",
    item("{kind: secrets.tracked_env_files, patterns: ['/home/*/.env']}"),
)
add(
    "env_files_dotdot_allow.yaml",
    V,
    2,
    "climbs out",
    item("{kind: secrets.tracked_env_files, allow: ['x/../../*.env']}"),
)
add(
    "dependency_abs_files.yaml",
    V,
    2,
    "is absolute",
    item("{kind: repo.dependency_pinned, files: ['/etc/passwd']}"),
)
add(
    "dependency_dotdot_files.yaml",
    V,
    2,
    "climbs out",
    item("{kind: repo.dependency_pinned, files: ['../requirements.txt']}"),
)
add(
    "dependency_home_files.yaml",
    V,
    2,
    "is absolute",
    item("{kind: repo.dependency_pinned, files: ['~/x.txt']}"),
)

# --- env files, given with --env-file to check
E = "envfile"
add(
    "env_unterminated_double.env",
    E,
    2,
    "env_unterminated_double.env:2: unterminated double quote",
    'A=1\nB="abc\nC=2\n',
)
add(
    "env_unterminated_single.env",
    E,
    2,
    "env_unterminated_single.env:1: unterminated single quote",
    "B='abc\n",
)
add("env_no_equals.env", E, 2, "env_no_equals.env:3: not a KEY=VALUE line", "A=1\n# c\nJUSTAWORD\n")
add(
    "env_duplicate.env",
    E,
    2,
    "STRIPE_SECRET_KEY is set twice (lines 1 and 4)",
    "STRIPE_SECRET_KEY=sk_test_aaaa\nA=1\n\nSTRIPE_SECRET_KEY=sk_test_bbbb\n",
)
add("env_duplicate_export.env", E, 2, "A is set twice (lines 1 and 2)", "export A=1\nA=2\n")
add("env_space_in_key.env", E, 2, ":1: not a KEY=VALUE line", "MY KEY=1\n")
add("env_no_key.env", E, 2, ":2: not a KEY=VALUE line", "A=1\n=value\n")
add("env_non_utf8.env", E, 2, "not UTF-8 text", b"A=caf\xe9\n")
add(
    "env_duplicate_after_multiline.env",
    E,
    2,
    "A is set twice (lines 1 and 4)",
    'A="x\ny"\nB=1\nA=3\n',
)
add(
    "env_unterminated_late.env",
    E,
    2,
    "env_unterminated_late.env:5: unterminated double quote",
    'A=1\nB=2\n# note\n\nC="open\n',
)

# --- checklists that fail when their sources are read (check)
C = "check"


def src(profile):
    return env_head(profile)


add(
    "cmd_not_found.yaml",
    C,
    2,
    "source command 'golive-no-such-cmd' not found",
    src("    source: {command: [golive-no-such-cmd]}\n"),
)
add(
    "cmd_not_executable.yaml",
    C,
    2,
    "is not executable",
    src("    source: {command: [./not_executable.sh]}\n"),
)
(out / "not_executable.sh").write_text("#!/bin/sh\necho A=1\n")
add("cmd_directory.yaml", C, 2, "is not executable", src("    source: {command: [.]}\n"))
add("cmd_non_utf8.yaml", C, 2, "not UTF-8", src("    source: {command: [printf, 'A=\\377\\n']}\n"))
add(
    "cmd_timeout.yaml",
    C,
    2,
    "timed out after 0.3s",
    src("    source: {command: [sleep, '5'], timeout: 0.3}\n"),
)
add("cmd_exit.yaml", C, 2, "exited 3", src("    source: {command: [sh, -c, 'exit 3']}\n"))
add(
    "cmd_json_array.yaml",
    C,
    2,
    "expected dotenv or a JSON object",
    src("    source: {command: [echo, '[1, 2]']}\n"),
)
add(
    "cmd_bad_json.yaml",
    C,
    2,
    "invalid JSON at line 1",
    src("    source: {command: [echo, '{\"A\": ']}\n"),
)
add(
    "cmd_bad_dotenv.yaml",
    C,
    2,
    "not a KEY=VALUE line",
    src("    source: {command: [echo, 'not dotenv']}\n"),
)
add(
    "cmd_unterminated.yaml",
    C,
    2,
    "unterminated double quote",
    src("    source: {command: [printf, 'A=\"x\\n']}\n"),
)
add(
    "cmd_too_much.yaml",
    C,
    2,
    "printed more than 1000000 bytes",
    src("    source: {command: ['yes', A=1]}\n"),
)
add(
    "cmd_in_list_fails.yaml",
    C,
    2,
    "exited 1",
    src("    source: [env, {command: [sh, -c, 'exit 1']}]\n"),
)
add(
    "sql_no_url.yaml",
    C,
    2,
    "sql source: the database URL needs DATABASE_URL",
    src("    source: {sql: 'SELECT 1, 2'}\n"),
)
add(
    "sql_bad_url.yaml",
    C,
    2,
    "not a valid SQLAlchemy URL",
    src("    source: {sql: 'SELECT 1, 2', database_url: 'not a url'}\n"),
)
add(
    "sql_three_columns.yaml",
    C,
    2,
    "each row must be (name, value), got 3 columns",
    src("    source: {sql: 'SELECT 1, 2, 3', database_url: 'sqlite://'}\n"),
)
add(
    "sql_write.yaml",
    C,
    2,
    "sql source",
    src("    source: {sql: 'CREATE TABLE t (a)', database_url: 'sqlite://'}\n"),
)
add(
    "sql_syntax.yaml",
    C,
    2,
    "sql source",
    src("    source: {sql: 'SELEC nothing', database_url: 'sqlite://'}\n"),
)
add(
    "sql_missing_file.yaml",
    C,
    2,
    "does not exist or cannot be read",
    src("    source: {sql: 'SELECT 1, 2', database_url: 'sqlite:///no/such/golive.values.db'}\n"),
)
add("dotenv_source_dir.yaml", C, 2, "is a folder", src("    source: {dotenv: .}\n"))
add(
    "dotenv_source_dev_zero.yaml",
    C,
    2,
    "not a regular file",
    src("    source: {dotenv: /dev/zero}\n"),
)
add(
    "dotenv_source_missing.yaml",
    C,
    2,
    "env file not found",
    src("    source: {dotenv: no-such.env}\n"),
)

# --- command lines
A = "args"
add(
    "args_timeout_inf.args",
    A,
    2,
    "Invalid value for '--timeout'",
    "check -c {dir}/ok.yaml -e prod --timeout inf\n",
)
add(
    "args_timeout_nan.args",
    A,
    2,
    "Invalid value for '--timeout'",
    "check -c {dir}/ok.yaml -e prod --timeout nan\n",
)
add(
    "args_timeout_overflow.args",
    A,
    2,
    "--timeout",
    "check -c {dir}/ok.yaml -e prod --timeout 1e309\n",
)
add("args_timeout_zero.args", A, 2, "--timeout", "check -c {dir}/ok.yaml -e prod --timeout 0\n")
add(
    "args_timeout_negative.args", A, 2, "--timeout", "check -c {dir}/ok.yaml -e prod --timeout -5\n"
)
add("args_timeout_word.args", A, 2, "--timeout", "check -c {dir}/ok.yaml -e prod --timeout soon\n")
add(
    "args_color_purple.args",
    A,
    2,
    "--color 'purple': choose one of auto, always, never",
    "check -c {dir}/ok.yaml -e prod --color purple\n",
)
add("args_demo_color.args", A, 2, "--color 'purple'", "demo --color purple\n")
add(
    "args_concurrency_zero.args",
    A,
    2,
    "--concurrency",
    "check -c {dir}/ok.yaml -e prod --concurrency 0\n",
)
add("args_format_xml.args", A, 2, "xml", "check -c {dir}/ok.yaml -e prod -f xml\n")
add(
    "args_unknown_env.args",
    A,
    2,
    "unknown environment 'production'",
    "check -c {dir}/ok.yaml -e production\n",
)
add(
    "args_unknown_only.args",
    A,
    2,
    "matches no item",
    "check -c {dir}/ok.yaml -e prod --only nope\n",
)
add("args_validate_missing.args", A, 2, "file not found", "validate {dir}/no-such.yaml\n")
add("args_validate_dev_zero.args", A, 2, "not a regular file", "validate /dev/zero\n")
add("args_validate_directory.args", A, 2, "is a folder", "validate {dir}\n")
add("args_check_dev_zero.args", A, 2, "not a regular file", "check -c /dev/zero -e prod\n")
add(
    "args_env_file_dir.args",
    A,
    2,
    "is a folder",
    "check -c {dir}/ok.yaml -e prod --env-file {dir}\n",
)
add(
    "args_env_file_dev_zero.args",
    A,
    2,
    "not a regular file",
    "check -c {dir}/ok.yaml -e prod --env-file /dev/zero\n",
)
add(
    "args_other_env_file.args",
    A,
    2,
    "expected NAME=PATH",
    "check -c {dir}/ok.yaml -e prod --other-env-file staging\n",
)
add(
    "args_validate_env_file_alone.args",
    A,
    2,
    "--env-file needs --env",
    "validate {dir}/ok.yaml --env-file {dir}/refs.env\n",
)
add(
    "args_validate_unknown_env.args",
    A,
    2,
    "unknown environment 'staging'",
    "validate {dir}/ok.yaml --env staging\n",
)
add(
    "args_validate_unknown_ref.args",
    A,
    2,
    "${GOLIVE_ADMIN_TOKEN} is not set",
    "validate {dir}/refs.yaml --env prod --env-file {dir}/refs.env\n",
)
add(
    "args_validate_did_you_mean.args",
    A,
    2,
    "did you mean GOLIVE_BASEURL (",
    "validate {dir}/refs.yaml --env prod --env-file {dir}/refs.env\n",
)
add(
    "args_validate_ref_line.args",
    A,
    2,
    "refs.yaml:5:",
    "validate {dir}/refs.yaml --env prod --env-file {dir}/refs.env\n",
)
add(
    "args_validate_item_ref.args",
    A,
    2,
    "item a: ${TABLE_NAME} is not set",
    "validate {dir}/refs.yaml --env prod --env-file {dir}/refs.env\n",
)

(out / "ok.yaml").write_text(OK, encoding="utf-8")
(out / "refs.yaml").write_text(
    "environments:\n  prod:\n    mode: live\n    base_url: ${GOLIVE_BASE_URL}\n"
    "    roles: {admin: {bearer: '${GOLIVE_ADMIN_TOKEN}'}}\n"
    "    stripe: {api_base: '${STRIPE_API_BASE:-}'}\n"
    "sections: [{id: s, title: S}]\n"
    "items:\n  - {id: a, title: A, section: s, probe: {kind: env.equals, var: X, value: '${TABLE_NAME}'}}\n",
    encoding="utf-8",
)
(out / "refs.env").write_text("GOLIVE_BASEURL=http://127.0.0.1:1\n", encoding="utf-8")
(out / "_env_checklist.yaml").write_text(OK, encoding="utf-8")
index = ["# file\trun\texit\tmessage fragment (stderr)\n"] + ["\t".join(r) + "\n" for r in rows]
(out / "INDEX.tsv").write_text("".join(index), encoding="utf-8")
print(len(rows))
