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

/// The README's list of escalation paths is the catalog's (`nhi rules --format json`).
/// Regenerate it with `NHI_UPDATE_README=1 cargo test --test integration docs::`.
#[test]
fn readme_lists_the_escalation_catalog() {
    let catalog = rule_catalog("aws-privilege-escalation");
    let catalog = catalog
        .as_array()
        .expect("the escalation rule exposes its catalog");
    let judged = |j: &str| catalog.iter().filter(|p| p["judgement"] == j).count();
    let mut block = format!(
        "<!-- escalation-paths: generated from the catalog; a test keeps it in step -->\n{} paths: {} decided from IAM data, {} through resources IAM data does not list (judged on the roles that could be behind them, at medium confidence).\n\n| path | actions | category | judged |\n|---|---|---|---|\n",
        catalog.len(),
        judged("iam"),
        judged("resources"),
    );
    for p in catalog {
        let id = p["id"].as_str().expect("id");
        let link = match p["url"].as_str() {
            Some(url) => format!("[{id}]({url})"),
            None => id.to_string(),
        };
        block.push_str(&format!(
            "| {link} | {} | {} | {} |\n",
            code_list(&p["actions"]),
            p["category"].as_str().unwrap_or(""),
            match p["judgement"].as_str() {
                Some("iam") => "from IAM",
                _ => "via resources",
            }
        ));
    }
    block.push_str("<!-- escalation-paths end -->");
    readme_block("escalation-paths", &block);
}

/// The README's Google Cloud escalation paths are the catalog of `gcp-sa-privilege-escalation`.
#[test]
fn readme_lists_the_gcp_escalation_catalog() {
    let catalog = rule_catalog("gcp-sa-privilege-escalation");
    let paths = catalog["paths"].as_array().expect("paths");
    assert!(paths.len() >= 10, "{} paths", paths.len());
    let mut block = format!(
        "<!-- gcp-escalation-paths: generated from the catalog; a test keeps it in step -->\n{} paths, after {}.\n\n| path | what it does | permissions | gives |\n|---|---|---|---|\n",
        paths.len(),
        catalog["source"].as_str().expect("source"),
    );
    for p in paths {
        block.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            p["id"].as_str().expect("id"),
            p["title"].as_str().unwrap_or(""),
            code_list(&p["permissions"]),
            p["outcome"].as_str().unwrap_or(""),
        ));
    }
    block.push_str("<!-- gcp-escalation-paths end -->");
    readme_block("gcp-escalation-paths", &block);
}

/// A rule's `catalog`, as `nhi rules --format json` prints it.
fn rule_catalog(id: &str) -> serde_json::Value {
    let r = run(&["rules", "--format", "json"]);
    let rules: Vec<serde_json::Value> = serde_json::from_str(&r.stdout).expect("json");
    rules
        .into_iter()
        .find(|r| r["id"] == id)
        .map(|mut r| r["catalog"].take())
        .filter(|c| !c.is_null())
        .unwrap_or_else(|| panic!("{id} exposes its catalog"))
}

/// A JSON list of names as README code spans: `a` + `b`.
fn code_list(list: &serde_json::Value) -> String {
    list.as_array()
        .expect("a list")
        .iter()
        .filter_map(|a| a.as_str().map(|a| format!("`{a}`")))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// Compare the README's generated block `marker` with `block` (or write it, with
/// NHI_UPDATE_README set).
fn readme_block(marker: &str, block: &str) {
    let readme = read("README.md");
    let open = format!("<!-- {marker}:");
    let close = format!("<!-- {marker} end -->");
    let start = readme
        .find(&open)
        .unwrap_or_else(|| panic!("README has the {marker} block"));
    let end = readme.find(&close).expect("the block ends") + close.len();
    if std::env::var_os("NHI_UPDATE_README").is_some() {
        let updated = format!("{}{block}{}", &readme[..start], &readme[end..]);
        std::fs::write(root().join("README.md"), updated).expect("write README");
        return;
    }
    assert_eq!(
        &readme[start..end],
        block,
        "README's {marker} are stale: NHI_UPDATE_README=1 cargo test --test integration docs::"
    );
}
