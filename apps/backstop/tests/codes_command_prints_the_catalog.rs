//! `backstop codes` prints the catalog from the code: `--markdown` (the default) is the table of
//! docs/CONTRACT.md §3.1, `--json` every code with each profile's spelling and status, `--schema
//! PROFILE` the published JSON Schema of that profile's envelope.

use std::process::Command;

fn codes(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_backstop"))
        .arg("codes")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn markdown_is_the_contract_s_table() {
    assert_eq!(codes(&[]), backstop::catalog_markdown());
    assert_eq!(codes(&["--markdown"]), backstop::catalog_markdown());
}

#[test]
fn json_lists_every_code_with_every_profile() {
    let json: serde_json::Value = serde_json::from_str(&codes(&["--json"])).unwrap();
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), backstop::CATALOG.len());
    for (row, code) in rows.iter().zip(backstop::CATALOG) {
        assert_eq!(row["code"], code.name());
        assert_eq!(row["status"], code.status().as_u16());
        assert_eq!(row["retryable"], code.is_retryable());
        assert_eq!(row["message"], code.default_message());
        assert_eq!(
            row["profiles"]["flat"]["code"],
            code.name().to_ascii_lowercase()
        );
        assert!(
            row["renamed_by"]
                .as_array()
                .unwrap()
                .contains(&"flat".into())
        );
    }
    let validation = rows
        .iter()
        .find(|r| r["code"] == "VALIDATION_ERROR")
        .unwrap();
    assert_eq!(validation["status"], 422);
    assert_eq!(validation["profiles"]["flat"]["status"], 400);
    assert_eq!(validation["profiles"]["problem"]["status"], 422);
}

#[test]
fn schema_prints_the_published_schema() {
    for profile in backstop::Profile::ALL {
        let printed: serde_json::Value =
            serde_json::from_str(&codes(&["--schema", profile.name()])).unwrap();
        assert_eq!(printed, backstop::envelope_schema(profile));
        let published = std::fs::read_to_string(format!(
            "{}/../../docs/schemas/{}.schema.json",
            env!("CARGO_MANIFEST_DIR"),
            profile.name()
        ))
        .unwrap();
        assert_eq!(codes(&["--schema", profile.name()]), published);
    }
}

#[test]
fn json_and_markdown_together_are_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_backstop"))
        .args(["codes", "--json", "--markdown"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}
