"""Every wrong input a person can give, from outside: a clear error, the right exit code, no traceback,
no secret or answer echoed, and nothing already saved lost.

BI001: each case below exits 1 (2: the command was used wrongly, e.g. a missing file), prints one
       `Error:` that says what happened and what to do, names what is wrong, prints no traceback, and
       echoes no secret, passphrase or answer value.
BI002: after all of them, the vault still opens with the officer's secret and holds its interview;
       the organisation's key files are unchanged; a shared folder was left as it was; no database
       was created where none was; a mistyped --data-dir was not created (`interview list`, `sync`,
       and `enroll join` with a code it can refuse offline); damaged vault files are byte for byte
       what they were; a person's folder that others can open kept its permissions and its files.
BI003: `desk export` from a PostgreSQL database that has no referral server tables is a clear error.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cli_support import (
    COMPLETE_ANSWERS,
    KEY_PASSPHRASE,
    PIN,
    OrganisationKeys,
    Ran,
    ServerProcess,
    assert_clean_failure,
    canary,
    closed_port,
    listed,
    made_up_code,
    make_case,
    ok,
    record,
    waypoint,
    write_json,
)

WRONG_PIN = "not the officer secret 4711"
WEAK_PIN = "123456"
WRONG_PASSPHRASE = "not the desk passphrase at all"
VALUE_CANARY = canary("answer-value")


@dataclass(frozen=True)
class Bad:
    """One wrong use: the command, its environment, and what the refusal must say."""

    args: tuple[str | Path, ...]
    env: dict[str, str] = field(default_factory=dict)
    code: int = 1
    mentions: tuple[str, ...] = ()


def _answers(folder: Path, name: str, answers: Any, **document: Any) -> Path:
    content = {"answers": answers, "notes": "n", "respondent_language": "fr", **document}
    return write_json(folder / f"{name}.json", content)


def _cases(folder: Path, setting: dict[str, Any]) -> dict[str, Bad]:
    vault, keys, server = setting["vault"], setting["keys"], setting["server"]
    fine = COMPLETE_ANSWERS["border-rapid"]
    pin = {"WAYPOINT_PIN": PIN}
    passphrase = {"WAYPOINT_KEY_PASSPHRASE": KEY_PASSPHRASE}

    def rec(answers_file: Path, *extra: str | Path, env: dict[str, str] | None = None, **kw: Any) -> Bad:
        args = ("interview", "record", "--data-dir", vault, "--protocol", "border-rapid", "--answers")
        return Bad((*args, answers_file, *extra), env=pin if env is None else env, **kw)

    def into(data_dir: Path, answers_file: Path, env: dict[str, str], **kw: Any) -> Bad:
        args = ("interview", "record", "--data-dir", data_dir, "--protocol", "border-rapid")
        return Bad((*args, "--answers", answers_file), env=env, **kw)

    def export(database_url: str, key: Path, env: dict[str, str], **kw: Any) -> Bad:
        args = ("desk", "export", "--database-url", database_url, "--key", key)
        return Bad((*args, "--out", folder / "export"), env=env, **kw)

    def create(*extra: str, **kw: Any) -> Bad:
        return Bad(("enroll", "create", "--database-url", server.database_url, *extra), **kw)

    def join(code: str, name: str, **kw: Any) -> Bad:
        return Bad(("enroll", "join", "--data-dir", folder / name, "--code", code), **kw)

    def device(command: str, data_dir: Path, **kw: Any) -> Bad:
        return Bad((*command.split(), "--data-dir", data_dir), **kw)

    def run(answers_file: Path, *extra: str, protocol: str = "border-rapid", **kw: Any) -> Bad:
        return Bad(("protocol", "run", protocol, "--answers", answers_file, *extra), **kw)

    ok_file = _answers(folder, "ok", fine)
    to_server = ("--server-url", server.url)
    not_json = folder / "not.json"
    not_json.write_text("{'in_danger': 'no',", encoding="utf-8")
    not_utf8 = folder / "latin1.json"
    not_utf8.write_bytes(b'{"answers": {"in_danger": "\xe9"}}')
    run_file = write_json(folder / "run.json", fine)
    not_a_database = f"sqlite:///{run_file}"
    sqlite = f"sqlite:///{folder / 'server' / 'referral.db'}"
    return {
        # interview record: the secret
        "record_without_pin": rec(ok_file, env={}, mentions=("WAYPOINT_PIN",)),
        "record_wrong_pin": rec(ok_file, env={"WAYPOINT_PIN": WRONG_PIN}),
        "record_weak_pin_existing_vault": rec(ok_file, env={"WAYPOINT_PIN": WEAK_PIN}),
        "record_weak_pin_new_vault": into(
            setting["fresh_vault"], ok_file, {"WAYPOINT_PIN": WEAK_PIN}, mentions=("passphrase",)
        ),
        "record_into_a_shared_folder": into(setting["shared_folder"], ok_file, pin, mentions=("shared",)),
        "record_into_a_folder_others_can_open": into(
            setting["open_folder"], ok_file, pin, mentions=("chmod 700", str(setting["open_folder"]))
        ),
        "record_into_a_damaged_vault": into(setting["damaged"]["cut"], ok_file, pin, mentions=("damaged",)),
        # interview list and sync: a folder without a vault, a damaged vault
        "list_no_such_data_dir": device(
            "interview list", setting["missing_folder"], env=pin, mentions=("no Waypoint data", "--data-dir")
        ),
        "sync_no_such_data_dir": device(
            "sync", setting["missing_folder"], mentions=("no Waypoint data", "--data-dir")
        ),
        "list_damaged_vault": device(
            "interview list", setting["damaged"]["random"], env=pin, mentions=("damaged",)
        ),
        "list_without_pin": device("interview list", vault, mentions=("WAYPOINT_PIN",)),
        "sync_damaged_vault": device("sync", setting["damaged"]["cut"], mentions=("damaged",)),
        # interview record: the answers file
        "record_not_json": rec(not_json, mentions=("JSON",)),
        "record_not_utf8": rec(not_utf8, mentions=("JSON",)),
        "record_not_an_object": rec(write_json(folder / "list.json", [fine]), mentions=("answers",)),
        "record_answers_not_an_object": rec(_answers(folder, "a-list", ["no"]), mentions=("answers",)),
        "record_unknown_question": rec(
            _answers(folder, "typo", {**fine, "in_dagner": "yes"}), mentions=("in_dagner",)
        ),
        "record_wrong_type": rec(_answers(folder, "type", {**fine, "age": "thirty-one"}), mentions=("age",)),
        "record_value_not_allowed": rec(
            _answers(folder, "value", {**fine, "documents_holder": VALUE_CANARY}),
            mentions=("documents_holder", "employer"),
        ),
        "record_number_out_of_range": rec(
            _answers(folder, "range", {**fine, "age": 300}), mentions=("age", "120")
        ),
        "record_notes_not_text": rec(_answers(folder, "notes", fine, notes=42), mentions=("notes",)),
        "record_unknown_language": rec(
            _answers(folder, "lang", fine, respondent_language="xx"), mentions=("language",)
        ),
        "record_no_language": rec(
            write_json(folder / "nolang.json", {"answers": fine}), mentions=("respondent_language",)
        ),
        "record_unknown_officer_language": rec(
            ok_file, "--officer-language", "english", mentions=("officer language",)
        ),
        "record_unknown_protocol": Bad(
            (
                "interview",
                "record",
                "--data-dir",
                vault,
                "--protocol",
                "no-such-protocol",
                "--answers",
                ok_file,
            ),
            env=pin,
            mentions=("no-such-protocol", "border-rapid"),
        ),
        "record_missing_file": rec(folder / "absent.json", code=2, mentions=("--answers",)),
        "record_file_is_a_folder": rec(folder, code=2, mentions=("--answers",)),
        # protocol run / show
        "run_unknown_protocol": run(run_file, protocol="no-such-protocol", mentions=("border-rapid",)),
        "run_not_json": run(not_json, mentions=("JSON",)),
        "run_not_an_object": run(write_json(folder / "l.json", ["no"]), mentions=("object",)),
        "run_value_not_allowed": run(
            write_json(folder / "v.json", {"in_danger": VALUE_CANARY}), mentions=("in_danger",)
        ),
        "run_unknown_language": run(run_file, "--lang", "xx", mentions=("xx",)),
        "run_missing_file": run(folder / "absent.json", code=2, mentions=("--answers",)),
        "show_unknown_protocol": Bad(("protocol", "show", "no-such-protocol", "--json")),
        "show_unknown_language": Bad(("protocol", "show", "border-rapid", "--lang", "xx"), mentions=("xx",)),
        # enroll join
        "join_garbled_code": join("WP1:this-is-not-a-code", "d1", mentions=("enrollment code",)),
        "join_cut_short_code": join(setting["used_code"][:60], "d2", mentions=("enrollment code",)),
        "join_expired_code": join(setting["expired_code"], "d3", mentions=("expired",)),
        "join_reused_code": join(setting["used_code"], "d4", mentions=("already used",)),
        "join_expired_code_seen_offline": join(
            setting["long_expired_code"], "d5", mentions=("expired", "date and time")
        ),
        "join_code_with_a_bad_token": join(setting["bad_token_code"], "d7", mentions=("enrollment code",)),
        "join_server_unreachable": join(
            setting["unreachable_code"], "d6", mentions=("could not be reached", "connection")
        ),
        # desk export
        "export_wrong_passphrase": export(
            server.database_url,
            keys.private,
            {"WAYPOINT_KEY_PASSPHRASE": WRONG_PASSPHRASE},
            mentions=("WAYPOINT_KEY_PASSPHRASE",),
        ),
        "export_no_passphrase": export(
            server.database_url, keys.private, {}, mentions=("WAYPOINT_KEY_PASSPHRASE",)
        ),
        "export_missing_key_file": export(
            server.database_url, folder / "absent.json", passphrase, code=2, mentions=("--key",)
        ),
        "export_public_key_given": export(
            server.database_url, keys.public, passphrase, mentions=("organisation.private.json",)
        ),
        "export_database_url_garbled": export(
            "referral.db", keys.private, passphrase, mentions=("sqlite:///",)
        ),
        "export_database_missing": export(
            f"sqlite:///{setting['missing_database']}", keys.private, passphrase, mentions=("--database-url",)
        ),
        "export_not_a_database": export(
            not_a_database, keys.private, passphrase, mentions=("--database-url",)
        ),
        "authorize_garbled_code": Bad(
            ("desk", "authorize-code", "--key", keys.private, "--code-file", not_json),
            env=passphrase,
            mentions=("WP1:",),
        ),
        # the organisation's side
        "server_database_url_garbled": Bad(("server", "--database-url", "mysql://db/x", "--port", "0")),
        "server_not_a_database": Bad(
            ("server", "--database-url", not_a_database, "--port", "0"), mentions=("--database-url",)
        ),
        "server_without_public_key": Bad(
            ("server", "--database-url", sqlite, "--port", "0"), mentions=("--public-key",)
        ),
        "server_public_key_not_a_key": Bad(
            ("server", "--database-url", sqlite, "--port", "0", "--public-key", run_file),
            mentions=("organisation.public.pem",),
        ),
        "enroll_create_database_url_garbled": Bad(
            ("enroll", "create", "--database-url", "nonsense", "--server-url", server.url)
        ),
        "enroll_create_server_url_not_a_url": create(
            "--server-url", "the server", mentions=("--server-url",)
        ),
        "enroll_create_negative_ttl": create("--server-url", server.url, "--ttl-minutes", "-5"),
        "enroll_create_database_folder_missing": Bad(
            ("enroll", "create", "--database-url", f"sqlite:///{setting['missing_database']}", *to_server),
            mentions=("--database-url", str(setting["missing_database"].parent)),
        ),
        "enroll_create_database_never_served": Bad(
            ("enroll", "create", "--database-url", f"sqlite:///{folder / 'never-served.db'}", *to_server),
            mentions=("waypoint server", "--public-key"),
        ),
        "keys_generate_without_passphrase": Bad(
            ("keys", "generate", "--out", folder / "k1"), mentions=("WAYPOINT_KEY_PASSPHRASE",)
        ),
        "keys_generate_short_passphrase": Bad(
            ("keys", "generate", "--out", folder / "k2"),
            env={"WAYPOINT_KEY_PASSPHRASE": "short"},
            mentions=("12",),
        ),
        "keys_generate_over_existing_keys": Bad(
            ("keys", "generate", "--out", keys.folder), env=passphrase, mentions=("--out",)
        ),
        "device_revoke_unknown": Bad(
            ("device", "revoke", "--database-url", server.database_url, "no-such-device"),
            mentions=("waypoint device list",),
        ),
    }


def _digests(folder: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(folder.iterdir())}


def _vault_digests(folders: dict[str, Path]) -> dict[str, str]:
    return {
        name: hashlib.sha256((path / "vault.sqlite3").read_bytes()).hexdigest()
        for name, path in folders.items()
    }


def _code(server: ServerProcess, *extra: str) -> str:
    args = ("enroll", "create", "--database-url", server.database_url, "--server-url", server.url)
    return ok(waypoint(*args, *extra)).out.strip()


# Run by default; `--campaign=full` adds EXTRA_CASES (each command costs 0.5-3 s of start-up and KDF).
CORE_CASES = [
    "record_without_pin",
    "record_wrong_pin",
    "record_weak_pin_new_vault",
    "record_into_a_shared_folder",
    "record_not_json",
    "record_not_utf8",
    "record_not_an_object",
    "record_unknown_question",
    "record_wrong_type",
    "record_value_not_allowed",
    "record_unknown_language",
    "record_unknown_protocol",
    "run_value_not_allowed",
    "run_unknown_language",
    "join_garbled_code",
    "join_expired_code",
    "join_reused_code",
    "export_wrong_passphrase",
    "export_missing_key_file",
    "export_database_missing",
    "authorize_garbled_code",
    "enroll_create_server_url_not_a_url",
    "keys_generate_over_existing_keys",
    "record_into_a_folder_others_can_open",
    "record_into_a_damaged_vault",
    "list_no_such_data_dir",
    "sync_no_such_data_dir",
    "list_damaged_vault",
    "list_without_pin",
    "sync_damaged_vault",
    "join_expired_code_seen_offline",
    "join_server_unreachable",
    "join_code_with_a_bad_token",
    "enroll_create_database_folder_missing",
    "enroll_create_database_never_served",
]
EXTRA_CASES = [
    "server_not_a_database",
    "show_unknown_language",
    "run_not_json",
    "record_missing_file",
    "record_weak_pin_existing_vault",
    "record_answers_not_an_object",
    "record_number_out_of_range",
    "record_notes_not_text",
    "record_no_language",
    "record_unknown_officer_language",
    "record_file_is_a_folder",
    "run_unknown_protocol",
    "run_not_an_object",
    "run_missing_file",
    "show_unknown_protocol",
    "join_cut_short_code",
    "export_no_passphrase",
    "export_public_key_given",
    "export_database_url_garbled",
    "export_not_a_database",
    "server_database_url_garbled",
    "server_without_public_key",
    "server_public_key_not_a_key",
    "enroll_create_database_url_garbled",
    "enroll_create_negative_ttl",
    "keys_generate_without_passphrase",
    "keys_generate_short_passphrase",
    "device_revoke_unknown",
]


def _selected(config: pytest.Config) -> list[str]:
    return CORE_CASES + (EXTRA_CASES if config.getoption("--campaign") == "full" else [])


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "bad_case" in metafunc.fixturenames:
        metafunc.parametrize("bad_case", _selected(metafunc.config))


@pytest.fixture(scope="module")
def setting(
    request: pytest.FixtureRequest,
    sqlite_server: ServerProcess,
    org_keys: OrganisationKeys,
    tmp_path_factory: pytest.TempPathFactory,
) -> Setting:
    folder = tmp_path_factory.mktemp("bad-inputs")
    vault = folder / "vault"
    shared = folder / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    case = make_case("border-rapid", "fr", COMPLETE_ANSWERS["border-rapid"], "kept")
    with ThreadPoolExecutor(max_workers=2) as pool:
        recorded = pool.submit(record, vault, case, folder)
        extras: list[tuple[str, ...]] = [(), ("--ttl-minutes", "0.01")]
        used_code, expired_code = pool.map(lambda extra: _code(sqlite_server, *extra), extras)
        interview_id = recorded.result()[0]
    ok(waypoint("enroll", "join", "--data-dir", vault, "--code", used_code, env={"WAYPOINT_PIN": PIN}))
    time.sleep(0.7)  # the code made with a 0.6 s lifetime has expired by now
    open_folder = folder / "a-persons-folder"  # made by a person for something else; others may read it
    open_folder.mkdir()
    (open_folder / "holiday.jpg").write_bytes(b"not Waypoint's")
    open_folder.chmod(0o755)
    damaged = {"random": folder / "damaged-random", "cut": folder / "damaged-cut"}
    for damaged_folder in damaged.values():
        damaged_folder.mkdir(mode=0o700)
    (damaged["random"] / "vault.sqlite3").write_bytes(os.urandom(40_960))
    shutil.copyfile(vault / "vault.sqlite3", damaged["cut"] / "vault.sqlite3")
    with (damaged["cut"] / "vault.sqlite3").open("r+b") as cut:
        cut.truncate(cut.seek(0, os.SEEK_END) // 2)
    parts = {
        "vault": vault,
        "keys": org_keys,
        "server": sqlite_server,
        "fresh_vault": folder / "fresh-vault",
        "shared_folder": shared,
        "missing_database": folder / "nowhere" / "referral.db",
        "expired_code": expired_code,
        "used_code": used_code,
        "long_expired_code": made_up_code(sqlite_server.url, expires_in=-3600),
        "unreachable_code": made_up_code(f"http://127.0.0.1:{closed_port()}", expires_in=900),
        "bad_token_code": made_up_code(sqlite_server.url, expires_in=900, token="not a token"),
        "missing_folder": folder / "no-such-folder",
        "open_folder": open_folder,
        "damaged": damaged,
    }
    digests = _digests(org_keys.folder)
    parts["damaged_digests"] = _vault_digests(damaged)
    every_case = _cases(folder, parts)
    cases = {name: every_case[name] for name in _selected(request.config)}
    with ThreadPoolExecutor(max_workers=2) as pool:
        ran = pool.map(lambda bad: waypoint(*bad.args, env=bad.env), cases.values())
        results = dict(zip(cases, ran, strict=True))
    return Setting(vault, interview_id, org_keys, digests, every_case, results, parts)


@dataclass
class Setting:
    vault: Path
    vault_interview: str
    keys: OrganisationKeys
    key_digests: dict[str, str]
    cases: dict[str, Bad]
    results: dict[str, Ran]
    parts: dict[str, Any]


def test_bi001_a_clear_refusal(setting: Setting, bad_case: str) -> None:
    bad, ran = setting.cases[bad_case], setting.results[bad_case]
    assert_clean_failure(ran, code=bad.code, mentions=bad.mentions)
    secrets = (PIN, WRONG_PIN, WEAK_PIN, KEY_PASSPHRASE, WRONG_PASSPHRASE, VALUE_CANARY)
    assert [word for word in secrets if word in ran.output] == [], str(ran)


def test_bi001_every_case_is_listed(setting: Setting) -> None:
    assert sorted(CORE_CASES + EXTRA_CASES) == sorted(setting.cases)


def test_bi002_nothing_saved_is_lost(setting: Setting, tmp_path: Path) -> None:
    assert _digests(setting.keys.folder) == setting.key_digests
    missing_database: Path = setting.parts["missing_database"]
    assert not missing_database.parent.exists()
    shared: Path = setting.parts["shared_folder"]
    assert shared.stat().st_mode & 0o7777 == 0o1777 and list(shared.iterdir()) == []
    assert listed(setting.parts["fresh_vault"]) == {}
    assert not setting.parts["missing_folder"].exists()
    # A garbled code, one cut short, one long expired, one with a malformed token: refused before any
    # folder was made. (d3's code
    # expired a moment ago, within the allowance for a device clock running fast: the server refuses it.)
    made = [name for name in ("d1", "d2", "d5", "d7") if (setting.parts["vault"].parent / name).exists()]
    assert made == []
    assert _vault_digests(setting.parts["damaged"]) == setting.parts["damaged_digests"]
    open_folder: Path = setting.parts["open_folder"]
    assert open_folder.stat().st_mode & 0o777 == 0o755
    assert sorted(path.name for path in open_folder.iterdir()) == ["holiday.jpg"]
    case = make_case("border-rapid", "fr", COMPLETE_ANSWERS["border-rapid"], "after")
    second, _ = record(setting.vault, case, tmp_path)  # the officer's secret still opens the vault
    states = {key: row["state"] for key, row in listed(setting.vault).items()}
    assert states[setting.vault_interview] == "sealed" and states[second] == "sealed"


def test_bi003_export_from_a_database_without_server_tables(
    postgres_schema_factory: Callable[[], str], org_keys: OrganisationKeys, tmp_path: Path
) -> None:
    ran = waypoint(
        "desk",
        "export",
        "--database-url",
        postgres_schema_factory(),
        "--key",
        org_keys.private,
        "--out",
        tmp_path / "export",
        env={"WAYPOINT_KEY_PASSPHRASE": KEY_PASSPHRASE},
    )
    assert_clean_failure(ran, mentions=("--database-url",))
    assert not (tmp_path / "export").exists()
