"""crystal-palace legal explain/list/jurisdictions, the legal options of identify and screen, and serve."""

from __future__ import annotations

import csv
import datetime
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from typer.testing import CliRunner

from crystal_palace.interfaces.cli.main import app
from crystal_palace.legal.listings import legal_data_dir

runner = CliRunner()
UNDECIDED = "UNDECIDED (the encoded rules do not decide)"
NEW_CATHINONE = "CCCNC(C)C(=O)c1ccc(Cl)c(F)c1"
HEADER = "substance_id,instrument,category,since,until,entry,source\n"


def run(*args):
    return runner.invoke(app, list(args))


def mephedrone_un_since() -> str:
    with (legal_data_dir() / "listings" / "UN.csv").open(encoding="utf-8") as f:
        return next(r["since"] for r in csv.DictReader(f) if r["substance_id"] == "mephedrone")


def legal_lines(output: str) -> dict[str, str]:
    """The verdict line of each jurisdiction in a text output, by code."""
    found = {}
    for line in output.splitlines():
        words = line.replace("legal", " ", 1).split() if line.lstrip().startswith("legal") else line.split()
        if words and words[0] in ("UN", "EU", "DE", "PL", "IT", "NL", "UK") and line.startswith("  "):
            found[words[0]] = line
    return found


def assert_error_lines(result, *texts):
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines and all(line.startswith("error: ") for line in lines), result.stderr
    for text in texts:
        assert any(text in line for line in lines), (text, result.stderr)


def test_explain_before_and_after_the_un_listing_of_mephedrone():
    since = mephedrone_un_since()
    day_before = (datetime.date.fromisoformat(since) - datetime.timedelta(days=1)).isoformat()
    before = run("legal", "explain", "mephedrone", "--jurisdiction", "UN", "--as-of", day_before)
    assert before.exit_code == 0, before.output
    assert "UN  not controlled" in legal_lines(before.stdout)["UN"]
    assert f"as of       {day_before}" in before.stdout
    assert f"from {since}, after the date asked" in " ".join(before.stdout.split())  # the reason, wrapped
    after = run("legal", "explain", "mephedrone", "-J", "UN", "--as-of", since)
    line = legal_lines(after.stdout)["UN"]
    assert "CONTROLLED" in line and "Schedule II" in line and since in line
    assert "MEPHEDRONE (4-methylmethcathinone)" in after.stdout  # the explanation follows the verdict


def test_null_is_rendered_as_undecided_never_as_not_controlled():
    result = run("legal", "explain", "caffeine", "--jurisdiction", "PL,NL", "--jurisdiction", "DE")
    lines = legal_lines(result.stdout)
    assert list(lines) == ["PL", "NL", "DE"]
    assert UNDECIDED in lines["PL"] and UNDECIDED in lines["NL"] and "not controlled" not in lines["PL"]
    assert "not controlled" in lines["DE"]
    identify = run("identify", "caffeine", "--no-explain", "--analogues", "0", "-J", "UK,DE")
    lines = legal_lines(identify.stdout)
    assert UNDECIDED in lines["UK"] and "DE  not controlled" in lines["DE"]


def test_explain_json_for_several_queries():
    result = run("legal", "explain", "MDMA", NEW_CATHINONE, "C1CC((", "-J", "DE,UK", "--as-of", "2017-01-01",
                 "--format", "json")
    assert result.exit_code == 1  # one query could not be read; every verdict is still printed
    mdma, new, bad = json.loads(result.stdout)
    assert [v["jurisdiction"] for v in mdma["legal"]] == ["DE", "UK"]
    assert all(v["controlled"] is True and v["basis"] == "listed" for v in mdma["legal"])
    assert new["identity"] is None and {v["basis"] for v in new["legal"]} == {"generic"}
    assert bad["legal"] == [] and bad["errors"]
    for v in mdma["legal"] + new["legal"]:
        assert {"jurisdiction", "controlled", "category", "basis", "instrument", "since", "explanation"} <= set(v)


def test_identify_legal_options():
    result = run("identify", "--format", "json", "--no-explain", "mephedrone", "-J", "UN", "--as-of", "2015-09-04")
    (out,) = json.loads(result.stdout)
    assert [(v["jurisdiction"], v["controlled"]) for v in out["legal"]] == [("UN", False)]
    result = run("identify", "--format", "json", "--no-explain", "mephedrone", "--no-legal")
    assert json.loads(result.stdout)[0]["legal"] == []
    text = run("identify", "mephedrone", "--no-explain", "--analogues", "0")
    lines = legal_lines(text.stdout)
    assert list(lines) == ["UN", "EU", "DE", "PL", "IT", "NL", "UK"]
    assert "CONTROLLED" in lines["DE"] and UNDECIDED in lines["PL"]
    assert "legal" not in run("identify", "mephedrone", "--no-explain", "--no-legal").stdout


def test_no_legal_conflicts_with_legal_options():
    assert_error_lines(run("identify", "MDMA", "--no-legal", "-J", "DE"), "--no-legal cannot be combined")


@pytest.mark.parametrize("args,text", [
    (("--as-of", "2015-02-30"), "as_of: '2015-02-30' is not a valid date"),
    (("--as-of", "5.9.2015"), "as_of: '5.9.2015' is not a date YYYY-MM-DD"),
    (("-J", "XX"), "unknown jurisdiction(s) XX"),
])
@pytest.mark.parametrize("command", [("legal", "explain", "MDMA"), ("identify", "MDMA"), ("legal", "list")])
def test_bad_options_are_one_line_errors(command, args, text):
    result = run(*command, *args)
    assert_error_lines(result, text)
    assert len(result.stderr.strip().splitlines()) == 1


def test_rules_file_with_a_bad_date_is_rejected_with_its_line_and_reason(tmp_path):
    rules = tmp_path / "update.csv"
    rules.write_text(HEADER + "caffeine,de-btmg,Anlage I,2030-13-01,,Coffein,bad\n", encoding="utf-8")
    for command in (("legal", "explain", "caffeine"), ("identify", "caffeine"), ("legal", "list")):
        result = run(*command, "--rules", str(rules))
        assert_error_lines(result, f"{rules}:2: since '2030-13-01' is not a valid date")
        assert result.stdout == ""


def test_rules_yaml_with_an_unknown_key_is_rejected_with_its_line_and_reason(tmp_path):
    lines = (legal_data_dir() / "generic" / "uk-mda-2-1aa-cathinones.yaml").read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("source:"))
    rules = tmp_path / "uk.yaml"
    rules.write_text("\n".join([*lines[:at], "colour: red", *lines[at:]]) + "\n", encoding="utf-8")
    result = run("legal", "explain", NEW_CATHINONE, "--rules", str(rules))
    assert_error_lines(result, f"{rules}:{at + 1}: unknown key 'colour'")


def test_rules_file_that_is_missing(tmp_path):
    assert_error_lines(run("legal", "explain", "MDMA", "--rules", str(tmp_path / "nope.csv")),
                       "nope.csv: cannot read the rule file")


def test_a_good_rules_file_changes_the_verdict(tmp_path):
    rules = tmp_path / "update.csv"
    rules.write_text(HEADER + "caffeine,de-btmg,Anlage I,2030-01-01,,Coffein,update\n", encoding="utf-8")
    result = run("legal", "explain", "caffeine", "-J", "DE", "--as-of", "2030-01-02", "--rules", str(rules))
    assert result.exit_code == 0, result.output
    assert "CONTROLLED" in legal_lines(result.stdout)["DE"] and "Coffein" in result.stdout


def test_list_formats():
    since = mephedrone_un_since()
    text = run("legal", "list", "--jurisdiction", "UN", "--as-of", since)
    assert text.exit_code == 0
    assert any("Mephedrone" in line and "Schedule II" in line for line in text.stdout.splitlines())
    assert f"in force in UN on {since}" in text.stderr
    rows = list(csv.DictReader(run("legal", "list", "-J", "UN", "--as-of", since, "--format", "csv")
                               .stdout.splitlines()))
    assert {"jurisdiction", "basis", "substance_id", "instrument", "category", "since"} <= set(rows[0])
    assert any(r["substance_id"] == "mephedrone" for r in rows)
    before = json.loads(run("legal", "list", "-J", "UN", "--as-of", "2015-09-04", "--format", "json").stdout)
    assert before and not [r for r in before if r["substance_id"] == "mephedrone"]
    generic = json.loads(run("legal", "list", "-J", "DE", "--format", "json").stdout)
    assert "de-npsg-1-phenethylamines" in {r["rule"] for r in generic}


def test_jurisdictions_command():
    text = run("legal", "jurisdictions")
    assert text.exit_code == 0 and "UN" in text.stdout and "de-npsg" in text.stdout
    codes = [j["code"] for j in json.loads(run("legal", "jurisdictions", "--format", "json").stdout)]
    assert codes == ["UN", "EU", "DE", "PL", "IT", "NL", "UK"]


def test_screen_with_legal(tmp_path):
    src = tmp_path / "in.smi"
    src.write_text("CNC(C)C(=O)c1ccc(C)cc1 mephedrone\nbroken((\nCn1cnc2c1c(=O)n(C)c(=O)n2C caffeine\n")
    rows = [json.loads(x) for x in run("screen", str(src), "--format", "jsonl").stdout.splitlines()]
    assert [r["legal"] for r in rows] == [[], [], []]  # off by default in a screen
    result = run("screen", str(src), "--format", "jsonl", "-J", "DE,PL", "--as-of", "2020-01-01", "--jobs", "2")
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in result.stdout.splitlines()]
    assert [[(v["jurisdiction"], v["controlled"]) for v in r["legal"]] for r in rows] == [
        [("DE", True), ("PL", None)], [], [("DE", False), ("PL", None)]]
    rows = [json.loads(x) for x in run("screen", str(src), "--format", "jsonl", "--legal").stdout.splitlines()]
    assert len(rows[0]["legal"]) == 7
    assert_error_lines(run("screen", str(src), "--no-legal", "--as-of", "2020-01-01"), "--no-legal")


def test_help_lists_the_new_commands():
    for args in (("legal", "--help"), ("legal", "explain", "--help"), ("legal", "list", "--help"), ("serve", "--help")):
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)
    assert "--jurisdiction" in run("identify", "--help").stdout
    assert "--port" in run("serve", "--help").stdout


def test_serve_refuses_a_busy_port():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("serve", "--port", str(port))
    assert_error_lines(result, f"cannot listen on 127.0.0.1:{port}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_health_and_legal_then_stops(tmp_path):
    port = _free_port()
    command = [sys.executable, "-m", "crystal_palace.interfaces.cli.main", "serve", "--port", str(port),
               "--log-level", "warning"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "CRYSTAL_PALACE_HOME": str(tmp_path)}  # its own accounts
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{base}/v1/health", timeout=1) as response:
                    health = json.load(response)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(server.stderr.read() if server.stderr else "the server exited")
                time.sleep(0.1)
        else:
            pytest.fail("the server did not answer within 30 s")
        assert health["ok"] is True
        body = json.dumps({"query": "mephedrone", "jurisdictions": ["DE"]}).encode()
        token = subprocess.run([sys.executable, "-m", "crystal_palace.interfaces.cli.main", "users", "token", "admin"],
                               env=env, capture_output=True, text=True, check=True).stdout.strip()  # serve requires it
        request = urllib.request.Request(f"{base}/v1/legal", method="POST", data=body,
                                         headers={"content-type": "application/json",
                                                  "authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            (result,) = json.load(response)
        assert result["legal"][0]["controlled"] is True
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}" in err
