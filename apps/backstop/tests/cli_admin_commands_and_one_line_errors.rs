//! The admin subcommands on a SQLite file (JSON output), and CLI failures as one line on stderr with
//! a non-zero exit, never a panic.

use std::process::Command;

use serde_json::Value;

fn backstop(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_backstop"))
        .args(args)
        .env_remove("BACKSTOP_DATABASE_URL")
        .output()
        .unwrap()
}

fn json(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn admin_commands_create_list_revoke_and_suspend() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("b.db").display());
    let created = json(&backstop(&[
        "partners",
        "create",
        "--name",
        "Acme",
        "--database-url",
        &db,
        "--json",
    ]));
    let partner = created["partner_id"].as_str().unwrap();
    assert!(partner.starts_with("ptn_"));
    assert!(created["api_key"].as_str().unwrap().starts_with("bsk_"));
    let key = json(&backstop(&[
        "keys",
        "create",
        "--partner",
        partner,
        "--expires-in-days",
        "30",
        "--database-url",
        &db,
        "--json",
    ]));
    let key_id = key["key_id"].as_str().unwrap();
    assert!(key["expires_at"].is_string());
    json(&backstop(&[
        "keys",
        "revoke",
        key_id,
        "--database-url",
        &db,
        "--json",
    ]));
    let list = json(&backstop(&[
        "keys",
        "list",
        "--partner",
        partner,
        "--database-url",
        &db,
        "--json",
    ]));
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1]["status"], "revoked");
    assert!(
        !serde_json::to_string(&list)
            .unwrap()
            .contains(created["api_key"].as_str().unwrap()),
        "secrets never listed"
    );
    let s = json(&backstop(&[
        "partners",
        "suspend",
        partner,
        "--database-url",
        &db,
        "--json",
    ]));
    assert_eq!(s["status"], "suspended");
}

#[test]
fn failures_are_one_line_on_stderr_with_non_zero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("b.db").display());
    let out = backstop(&["keys", "revoke", "key_nope", "--database-url", &db]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("not found"));

    // Nothing listens on port 1: connection refused, quickly.
    let out = backstop(&[
        "serve",
        "--database-url",
        "postgres://postgres@127.0.0.1:1/none",
        "--listen",
        "127.0.0.1:0",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
