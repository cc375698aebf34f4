//! docs/CONTRACT.md §3.1 states the catalog as a table generated from the code
//! (`backstop codes --markdown`, i.e. `backstop::catalog_markdown()`): this fails when they differ.
//! `BACKSTOP_BLESS=1 cargo test -p backstop --test catalog_table_in_the_contract_matches_the_code`
//! rewrites the table from the code.

#[path = "support/docs.rs"]
mod docs;

const BEGIN: &str = "<!-- catalog:begin";
const END: &str = "<!-- catalog:end -->";

#[test]
fn the_contract_s_catalog_table_is_the_code_s() {
    let path = docs::repo_root().join("docs/CONTRACT.md");
    let text = std::fs::read_to_string(&path).expect("docs/CONTRACT.md exists");
    let begin = text
        .find(BEGIN)
        .expect("docs/CONTRACT.md has the catalog:begin marker");
    let table_start = begin
        + text[begin..]
            .find("-->")
            .expect("the begin marker is closed")
        + 3;
    let end = text
        .find(END)
        .expect("docs/CONTRACT.md has the catalog:end marker");
    assert!(table_start <= end, "catalog markers out of order");
    let in_doc = text[table_start..end].trim();
    let from_code = backstop::catalog_markdown();
    if docs::bless() && in_doc != from_code.trim() {
        let updated = format!("{}\n{}{}", &text[..table_start], from_code, &text[end..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    assert_eq!(
        in_doc,
        from_code.trim(),
        "docs/CONTRACT.md §3.1 and the catalog in crates/backstop/src/code.rs disagree; \
         regenerate the table with BACKSTOP_BLESS=1 (or `backstop codes --markdown`)"
    );
    for code in backstop::CATALOG {
        assert!(
            in_doc.contains(&format!("| `{}` |", code.name())),
            "{code} is missing from the table"
        );
    }
}
