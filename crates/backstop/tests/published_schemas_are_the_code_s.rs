//! docs/schemas/<profile>.schema.json are `backstop::envelope_schema(profile)`, byte for byte
//! (pretty-printed, newline at the end). `BACKSTOP_BLESS=1` rewrites them from the code.

#[path = "support/docs.rs"]
mod docs;

use backstop::{Profile, envelope_schema};

#[test]
fn every_profile_s_schema_is_published_as_the_code_builds_it() {
    let dir = docs::repo_root().join("docs/schemas");
    for profile in Profile::ALL {
        let path = dir.join(format!("{}.schema.json", profile.name()));
        let expected = serde_json::to_string_pretty(&envelope_schema(profile)).unwrap() + "\n";
        if docs::bless() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &expected).unwrap();
            continue;
        }
        let published = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{} is missing ({e}); run with BACKSTOP_BLESS=1",
                path.display()
            )
        });
        assert_eq!(
            published,
            expected,
            "{} differs from backstop::envelope_schema({profile:?}); run with BACKSTOP_BLESS=1",
            path.display()
        );
    }
}

#[test]
fn the_published_schemas_are_json_schema_2020_12() {
    for profile in Profile::ALL {
        let schema = envelope_schema(profile);
        assert_eq!(schema["$schema"], backstop::schema::JSON_SCHEMA_DIALECT);
        jsonschema::meta::validate(&schema).unwrap_or_else(|e| panic!("{profile:?}: {e}"));
    }
}
