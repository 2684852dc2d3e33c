"""Writes tests/corpus_hostile/: hostile inputs (issue 20) and INDEX.tsv.

INDEX.tsv: case name, the golive arguments ({dir} is a writable copy of this folder, the
current folder of the run), the exit code and a fragment of the output expected. Run:
python tests/corpus_hostile/make_corpus.py (tests/test_corpus_hostile.py runs the cases).
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent

HEAD = """\
environments:
  prod:
    mode: live
    source: {dotenv: prod.env}
    base_url: http://127.0.0.1:9
sections:
  - {id: s, title: S}
"""
FAIL_ITEM = """\
  - id: f.1
    section: s
    title: a variable the env file lacks
    probe: {kind: env.present, var: ACME_MISSING}
"""
PLUGIN_ITEM = """\
  - id: p.1
    section: s
    title: plug-in
    probe: {kind: acme.flag}
"""
PLUGIN = """\
HEADER
from golive.engine.probe import Probe, ProbeParams
from golive.core.results import Outcome


class Params(ProbeParams):
    pass


class Flag(Probe[Params]):
    kind = "acme.flag"
    Params = Params
    summary = "x"

    def run(self, params, ctx):
        BODY
        return Outcome.passed("ran")


PROBES = {"acme.flag": Flag}
"""

FILES: dict[str, str | bytes] = {
    "prod.env": "A=1\n",
    "plain.yaml": HEAD + "items:\n" + FAIL_ITEM,
    "code.yaml": HEAD.replace(
        "source: {dotenv: prod.env}",
        "source: [{dotenv: prod.env}, {command: [touch, commanded]}]",
    )
    + "plugins: [./plugins/marker.py]\nitems:\n"
    + PLUGIN_ITEM
    + FAIL_ITEM,
    "plugins/marker.py": PLUGIN.replace("HEADER", "open('imported', 'w').write('x')").replace(
        "BODY", "pass"
    ),
    "ok.json": json.dumps({"schema": "golive.report/1", "results": []}),
    "deep.json": "[" * 100_000 + "]" * 100_000,
    "deep_shallow_enough_for_python.json": '{"a":' * 70 + "1" + "}" * 70,
    "nan.json": '{"schema": "golive.report/1", "x": NaN}',
    "infinity.json": '{"schema": "golive.report/1", "x": -Infinity}',
    "bigint.json": '{"schema": "golive.report/1", "x": ' + "9" * 5000 + "}",
    "hugefloat.json": '{"schema": "golive.report/1", "x": 1e309}',
    "badutf8.json": b'{"schema": "golive.report/1", "x": "\xff\xfe"}',
    "notjson.json": "{'schema': 1}",
    "array.json": "[1, 2]",
    "deep_openapi.json": '{"paths": ' + "[" * 50_000 + "]" * 50_000 + "}",
    "signers_badutf8": b"alice ssh-ed25519 \xff\xff\n",
    # a made-up Ed25519 public key (32 bytes of 0x01), for a well-formed allowed_signers
    "signers": "alice ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB\n",
}

HOSTILE = {
    "exit_at_import": ("import sys\nsys.exit(0)", "pass", "SystemExit"),
    "os_exit_at_import": ("import os\nos._exit(0)", "pass", "without an outcome"),
    "endless_import": ("while True:\n    pass", "pass", "deadline (1s)"),
    "exit_in_run": ("", "import sys; sys.exit(0)", "sys.exit(0)"),
    "os_exit_in_run": ("", "import os; os._exit(0)", "exited with code 0"),
    "busy_loop_in_run": ("", "while True: pass", "deadline (1s)"),
    "sigkill_self": ("", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)", "SIGKILL"),
    "sigterm_self": ("", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)", "SIGTERM"),
    "keyboard_interrupt": ("", "raise KeyboardInterrupt", "KeyboardInterrupt"),
    "memory_bomb_output": ("", "return Outcome.passed('x' * 5_000_000)", "larger than"),
    "sleep_forever": ("", "import time; time.sleep(3600)", "deadline (1s)"),
    "fork_bomb_child": (
        "",
        "import os, time; os.fork() or time.sleep(3600); time.sleep(3600)",
        "deadline (1s)",
    ),
}
for name, (header, body, _) in HOSTILE.items():
    FILES[f"plugins/{name}.py"] = PLUGIN.replace("HEADER", header).replace("BODY", body)
    FILES[f"{name}.yaml"] = (
        HEAD + f"plugins: [./plugins/{name}.py]\nitems:\n" + PLUGIN_ITEM + FAIL_ITEM
    )


def patterns_item(pattern: str) -> str:
    return (
        HEAD.replace("    base_url:", "    repo: repo\n    base_url:")
        + "items:\n  - id: r.1\n    section: s\n    title: patterns\n"
        + f"    timeout: 3\n    probe: {{kind: repo.patterns, patterns: [{{pattern: {json.dumps(pattern)}, message: m}}]}}\n"
    )


FILES["regex_catastrophic.yaml"] = patterns_item("(a+)+$")
FILES["regex_lookbehind.yaml"] = patterns_item("(?<=a)b")
FILES["regex_backref.yaml"] = patterns_item("(a)\\1")
FILES["regex_unbalanced.yaml"] = patterns_item("(")

FILES["timeout_inf.yaml"] = (
    HEAD + "items:\n" + FAIL_ITEM.replace("    probe:", "    timeout: 1e309\n    probe:")
)
FILES["timeout_nan.yaml"] = (
    HEAD + "items:\n" + FAIL_ITEM.replace("    probe:", "    timeout: .nan\n    probe:")
)
FILES["deadline_inf.yaml"] = HEAD + "defaults: {deadline: .inf}\nitems:\n" + FAIL_ITEM
FILES["nul_in_quoted.yaml"] = (
    HEAD + "items:\n" + FAIL_ITEM.replace("title: a variable the env file lacks", 'title: "a\\0b"')
)
FILES["huge_scalar.yaml"] = (
    HEAD
    + "items:\n"
    + FAIL_ITEM.replace("title: a variable the env file lacks", "title: " + "x" * 900_000)
)
for i in range(60):
    FILES[f"chain/c{i}.yaml"] = (
        f"extend: c{i + 1}.yaml\n" if i < 59 else HEAD + "items:\n" + FAIL_ITEM
    )
FILES["bom.env"] = "\ufeffACME_MISSING=1\n"
FILES["nul.env"] = "ACME_MISSING=a\0b\n"
FILES["disabled.yaml"] = HEAD + "items:\n" + FAIL_ITEM + "    disabled: not here\n"
FILES["loop_source.yaml"] = (
    HEAD.replace("dotenv: prod.env", "dotenv: loop1") + "items:\n" + FAIL_ITEM
)
FILES["signoff_loop/golive.yaml"] = HEAD + "items:\n" + FAIL_ITEM  # attestations.yaml: a loop
FILES["signoff_loop/prod.env"] = "A=1\n"
FILES["waiver_far/golive.yaml"] = HEAD + "items:\n" + FAIL_ITEM
FILES["waiver_far/prod.env"] = "A=1\n"
FILES["waiver_far/waivers.yaml"] = (
    "waivers:\n  - {item: f.1, environment: prod, reason: r, owner: a, approver: b,\n"
    "     expires: 9999-12-31T23:00:00-05:00}\n"
)
FILES["manual.yaml"] = (
    HEAD
    + "items:\n  - id: m.1\n    section: s\n    title: a person confirms\n"
    + "    probe: {kind: manual, attested_by: ops}\n"
)

C = "{dir}/plain.yaml"
CHECK = f"check -c {C} -e prod -q"
WATCH = "--listen 127.0.0.1:0 --every 0.1s --max-runs 1"
ATTEST = "attest m.1 -c {dir}/manual.yaml -e prod --by a"
CASES: list[tuple[str, str, int, str]] = [
    # -- trust: checklist code runs only in a trusted check
    ("trust_validate", "validate {dir}/code.yaml", 0, "not run here"),
    ("trust_list", "list -c {dir}/code.yaml", 0, "not run here"),
    ("trust_list_env", "list -c {dir}/code.yaml -e prod", 0, "not trusted"),
    ("trust_check", "check -c {dir}/code.yaml -e prod -q", 2, "is not trusted"),
    ("trust_vars", "vars -c {dir}/code.yaml -e prod", 2, "not run"),
    ("trust_validate_env", "validate {dir}/code.yaml --env prod", 2, "not run"),
    ("trust_rehearse", "rehearse -c {dir}/code.yaml -e prod -q", 2, "is not trusted"),
    ("trust_watch", f"watch -c {{dir}}/code.yaml -e prod {WATCH}", 2, "is not trusted"),
    (
        "trust_watch_plugin_os_exit",
        f"watch -c {{dir}}/os_exit_at_import.yaml -e prod {WATCH} --trust",
        0,
        "1 error",
    ),
    # -- isolation: a plug-in's exit, signal or hang is its item's error
    *[
        (f"plugin_{name}", f"check -c {{dir}}/{name}.yaml -e prod --trust --deadline 1", 1, frag)
        for name, (_, _, frag) in HOSTILE.items()
    ],
    # -- repository regexes: RE2
    ("regex_catastrophic_validate", "validate {dir}/regex_catastrophic.yaml", 0, "valid"),
    ("regex_catastrophic_check", "check -c {dir}/regex_catastrophic.yaml -e prod", 1, "r.1"),
    ("regex_lookbehind", "validate {dir}/regex_lookbehind.yaml", 2, "RE2"),
    ("regex_backref", "validate {dir}/regex_backref.yaml", 2, "RE2"),
    ("regex_unbalanced", "validate {dir}/regex_unbalanced.yaml", 2, "RE2"),
    # -- bounded reader: every file golive reads
    ("report_dev_zero", "report /dev/zero", 2, "not a regular file"),
    ("report_dev_urandom", "report /dev/urandom", 2, "not a regular file"),
    ("report_fifo", "report {dir}/fifo", 2, "not a regular file"),
    ("report_folder", "report {dir}/plugins", 2, "is a folder"),
    ("report_missing", "report {dir}/nope.json", 2, "not found"),
    ("report_deep", "report {dir}/deep.json", 2, "nested more than"),
    ("report_deep_70", "report {dir}/deep_shallow_enough_for_python.json", 2, "nested more than"),
    ("report_nan", "report {dir}/nan.json", 2, "NaN"),
    ("report_infinity", "report {dir}/infinity.json", 2, "Infinity"),
    ("report_bigint", "report {dir}/bigint.json", 2, "out of range"),
    ("report_hugefloat", "report {dir}/hugefloat.json", 2, "too large"),
    ("report_badutf8", "report {dir}/badutf8.json", 2, "not UTF-8"),
    ("report_notjson", "report {dir}/notjson.json", 2, "not JSON"),
    ("report_array", "report {dir}/array.json", 2, "not a golive JSON report"),
    ("report_symlink_loop", "report {dir}/loop1", 2, "loop1: cannot read"),
    ("validate_symlink_loop", "validate {dir}/loop1", 2, "loop1:1:1: cannot read"),
    ("check_checklist_fifo", "check -c {dir}/fifo -e prod -q", 2, "not a regular file"),
    ("trust_dev_zero", "trust /dev/zero", 2, "not a regular file"),
    (
        "combine_dev_zero",
        "combine {dir}/ok.json /dev/zero -o {dir}/c.json",
        2,
        "not a regular file",
    ),
    (
        "combine_deep",
        "combine {dir}/deep.json {dir}/ok.json -o {dir}/c.json",
        2,
        "nested more than",
    ),
    (
        "sign_key_fifo",
        "sign {dir}/ok.json --key {dir}/fifo --by a --role ops",
        2,
        "not a regular file",
    ),
    ("diff_deep", "diff {dir}/deep.json {dir}/ok.json", 2, "nested more than"),
    ("diff_dev_zero", "diff {dir}/ok.json /dev/zero", 2, "not a regular file"),
    ("verify_nan", "verify {dir}/nan.json --allowed-signers {dir}/signers", 2, "NaN"),
    (
        "verify_dev_zero",
        "verify /dev/zero --allowed-signers {dir}/signers",
        2,
        "not a regular file",
    ),
    (
        "verify_signers_zero",
        "verify {dir}/ok.json --allowed-signers /dev/zero",
        2,
        "not a regular file",
    ),
    (
        "verify_signers_badutf8",
        "verify {dir}/ok.json --allowed-signers {dir}/signers_badutf8",
        2,
        "not UTF-8",
    ),
    (
        "sign_deep",
        "sign {dir}/deep.json --key {dir}/prod.env --by a --role ops",
        2,
        "nested more than",
    ),
    ("openapi_dev_zero", "init --from-openapi /dev/zero", 2, "not a regular file"),
    ("openapi_deep", "init --from-openapi {dir}/deep_openapi.json", 2, "nested more than"),
    ("env_file_dev_zero", f"{CHECK} --env-file /dev/zero", 2, "not a regular file"),
    ("env_file_fifo", f"{CHECK} --env-file {{dir}}/fifo", 2, "not a regular file"),
    # -- outputs never clobber inputs
    ("out_checklist", f"{CHECK} -f json:{C}", 2, "is an input of this run"),
    (
        "out_env_file",
        f"{CHECK} --env-file {{dir}}/prod.env -f json:{{dir}}/prod.env",
        2,
        "is an input",
    ),
    ("out_dotenv_source", f"{CHECK} -f markdown:{{dir}}/prod.env", 2, "is an input"),
    ("out_twice", f"{CHECK} -f json:{{dir}}/a.json -f junit:{{dir}}/a.json", 2, "given twice"),
    (
        "out_twice_spelled",
        f"{CHECK} -f json:{{dir}}/a.json -f junit:{{dir}}/./a.json",
        2,
        "given twice",
    ),
    ("out_empty", f"{CHECK} -f json:", 2, "empty path"),
    ("out_blank", f"{CHECK} -f 'json: '", 2, "empty path"),
    ("out_missing_dir", f"{CHECK} -f json:{{dir}}/no/such/r.json", 2, "does not exist"),
    ("out_onto_folder", f"{CHECK} -f json:{{dir}}/plugins", 2, "not a regular file"),
    ("out_report_itself", "report {dir}/ok.json -f json:{dir}/ok.json", 2, "is an input"),
    (
        "out_report_signers",
        "report {dir}/ok.json --allowed-signers {dir}/signers_badutf8 -f json:{dir}/signers_badutf8",
        2,
        "is an input",
    ),
    # -- selections that select nothing
    ("skip_everything", f"{CHECK} --skip s", 2, "nothing to run"),
    ("skip_by_id", f"{CHECK} --skip f.1", 2, "nothing to run"),
    ("only_comma", f"{CHECK} --only ,", 2, "empty selector"),
    ("only_empty", f"{CHECK} --only ''", 2, "empty selector"),
    ("skip_double_comma", f"{CHECK} --skip 'f.1,,s'", 2, "empty selector"),
    ("only_disabled", "check -c {dir}/disabled.yaml -e prod -q --only f.1", 2, "nothing to run"),
    # -- numbers, YAML and env files
    ("timeout_inf", "validate {dir}/timeout_inf.yaml", 2, "timeout"),
    ("timeout_nan", "validate {dir}/timeout_nan.yaml", 2, "timeout"),
    ("deadline_inf", "validate {dir}/deadline_inf.yaml", 2, "deadline"),
    ("cli_timeout_inf", f"{CHECK} --timeout inf", 2, "timeout"),
    ("cli_deadline_nan", f"{CHECK} --deadline nan", 2, "deadline"),
    ("extend_chain_60", "validate {dir}/chain/c0.yaml", 2, "extend"),
    ("yaml_nul_quoted", "validate {dir}/nul_in_quoted.yaml", 2, "NUL"),
    ("yaml_huge_scalar", "validate {dir}/huge_scalar.yaml", 2, "too long"),
    ("env_nul_value", f"{CHECK} --env-file {{dir}}/nul.env", 2, "NUL"),
    ("env_bom_first_key", f"{CHECK} --env-file {{dir}}/bom.env", 0, ""),
    # an env file that exists but cannot be read (root reads a chmod 000 file, so these
    # fail in ways root cannot get past): a symlink loop, EIO on read, a path through a file
    ("env_file_symlink_loop", f"{CHECK} --env-file {{dir}}/loop1", 2, "loop1: env file cannot"),
    ("env_file_eio", f"{CHECK} --env-file /proc/self/mem", 2, "mem: env file cannot read"),
    ("env_file_not_a_dir", f"{CHECK} --env-file {{dir}}/prod.env/x", 2, "x: env file cannot"),
    ("init_env_file_fifo", "init -y --env-file {dir}/fifo", 2, "fifo: not a regular file"),
    ("init_env_file_zero", "init -y --env-file /dev/zero", 2, "zero: not a regular file"),
    ("env_source_loop", "check -c {dir}/loop_source.yaml -e prod -q", 2, "loop1: env file"),
    (
        "vars_env_file_loop",
        "vars -c {dir}/plain.yaml -e prod --env-file {dir}/loop1",
        2,
        "loop1: env file cannot read",
    ),
    (
        "attestations_symlink_loop",
        "check -c {dir}/signoff_loop/golive.yaml -e prod -q -f json:{dir}/signoff_loop/r.json",
        2,
        "attestations.yaml:1:1: cannot read",
    ),
    (
        "out_symlink_loop_env",
        f"{CHECK} --env-file {{dir}}/loop1 -f json:{{dir}}/r.json",
        2,
        "loop1",
    ),
    # attest: an expiry past year 9999 (datetime's range) is a usage error, not a crash
    *[
        (f"attest_expires_{tag}", f"{ATTEST} --expires {value}", 2, "--expires")
        for tag, value in [
            ("days", "99999999d"),
            ("weeks", "9999999999w"),
            ("hours_huge", "99999999999999999999h"),
            ("time_offset", "9999-12-31T23:00:00-05:00"),
            ("year_10000", "10000-01-01"),
            ("past", "2000-01-01"),
        ]
    ],
    (
        "waiver_expires_year_10000",
        "check -c {dir}/waiver_far/golive.yaml -e prod -q",
        2,
        "is after",
    ),
    ("attest_expires_ok", f"{ATTEST} --expires 30d", 0, "attested for prod by a"),
]


def main() -> None:
    for name, text in FILES.items():
        path = HERE / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    (HERE / "repo").mkdir(exist_ok=True)
    (HERE / "repo" / "x.txt").write_text("a" * 35 + "b\n" + "a" * 5000 + "\n", encoding="utf-8")
    lines = ["# case\targuments ({dir}: a writable copy of this folder)\texit\tfragment"]
    lines += [f"{n}\t{a}\t{c}\t{f}" for n, a, c, f in CASES]
    (HERE / "INDEX.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
