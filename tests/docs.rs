//! The README documents what the code does: every rule, the two commands, a valid config.

mod common;

use common::*;

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
    assert_eq!(config.thresholds.access_key_unused_days, 45);
    assert!(config.is_disabled("aws-trust-service-no-source-condition"));
}
