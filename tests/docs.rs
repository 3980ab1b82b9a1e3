//! The README documents what the code does: every rule, the two commands, a valid config.

use crate::common::*;

#[test]
fn readme_lists_every_rule_and_the_two_commands() {
    let readme = read("README.md");
    for id in nhi::rules::ids() {
        assert!(
            readme.contains(&format!("| `{id}` |")),
            "README's rule table lacks {id}"
        );
    }
    assert!(readme.contains("cargo run --release -- scan --from fixtures/demo"));
    assert!(readme.contains("cargo test --workspace"));
    let ci = read(".ci/run");
    assert!(
        ci.contains("cargo test --workspace"),
        ".ci/run runs the README's test command"
    );
}

#[test]
fn readme_config_example_is_valid() {
    let readme = read("README.md");
    let start = readme.find("```toml\n").expect("a toml example") + "```toml\n".len();
    let end = start + readme[start..].find("```").expect("closed block");
    let config = nhi::config::Config::parse(&readme[start..end], &nhi::rules::ids())
        .expect("README's nhi.toml is valid");
    assert_eq!(config.thresholds.access_key_unused_days.get(), 45);
    assert!(config.is_disabled("aws-trust-service-no-source-condition"));
}

#[test]
fn published_json_schema_matches_the_report_type() {
    let published: serde_json::Value =
        serde_json::from_str(&read("docs/report.schema.json")).expect("schema is JSON");
    assert_eq!(
        published,
        nhi::report::json_schema(),
        "docs/report.schema.json is out of date: run `cargo run -- schema > docs/report.schema.json`"
    );
    let r = run(&["schema"]);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&r.stdout).expect("json"),
        published
    );
    // The schema requires what the contract promises.
    let required = published["required"].as_array().expect("required");
    for key in [
        "schema_version",
        "tool",
        "evaluated_at",
        "sources",
        "summary",
        "identities",
    ] {
        assert!(required.iter().any(|k| k == key), "{key}");
    }
}
