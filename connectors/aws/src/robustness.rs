//! No input makes the AWS parsers panic: arbitrary text, and the demo export with random parts
//! replaced by values of the wrong type.

use crate::AwsImport;
use proptest::prelude::*;
use serde_json::Value;

const DEMO_GAAD: &str = include_str!("../../../fixtures/demo/gaad.json");
const DEMO_REPORT: &str = include_str!("../../../fixtures/demo/credential-report.csv");

/// Every node of a JSON document, as a path of object keys and list indices.
fn paths(v: &Value, prefix: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    out.push(prefix.clone());
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                prefix.push(PathStep::Key(k.clone()));
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                prefix.push(PathStep::Index(i));
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn node_mut<'a>(v: &'a mut Value, path: &[PathStep]) -> Option<&'a mut Value> {
    let mut cur = v;
    for step in path {
        cur = match step {
            PathStep::Key(k) => cur.get_mut(k.as_str())?,
            PathStep::Index(i) => cur.get_mut(*i)?,
        };
    }
    Some(cur)
}

fn wrong_value(kind: u8) -> Value {
    match kind % 7 {
        0 => Value::Null,
        1 => Value::Bool(true),
        2 => serde_json::json!(-42),
        3 => Value::String("%7B%22Statement%22%3A".into()),
        4 => Value::String("lorem ipsum".into()),
        5 => serde_json::json!([1, "a", null]),
        _ => serde_json::json!({"Effect": "Maybe", "Statement": 3}),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn mutated_gaad_never_panics(mutations in prop::collection::vec((any::<usize>(), any::<u8>()), 1..6)) {
        let mut doc: Value = serde_json::from_str(DEMO_GAAD).expect("demo parses");
        let mut all = Vec::new();
        paths(&doc, &mut Vec::new(), &mut all);
        for (at, kind) in mutations {
            let path = &all[at % all.len()];
            if let Some(node) = node_mut(&mut doc, path) {
                *node = wrong_value(kind);
            }
        }
        let bytes = serde_json::to_vec(&doc).expect("serializes");
        let mut import = AwsImport::new();
        import.add_gaad("mutated.json", &bytes);
        import.add_credential_report_csv("report.csv", DEMO_REPORT);
        let inventory = import.finish();
        prop_assert!(!inventory.sources.is_empty());
    }

    #[test]
    fn arbitrary_text_as_a_credential_report_never_panics(text in "user,arn,user_creation_time[ -~\n,]{0,400}") {
        let mut import = AwsImport::new();
        import.add_credential_report_csv("r.csv", &text);
        let _ = import.finish();
    }

    #[test]
    fn mutated_report_rows_never_panic(line in 1usize..30, col in 0usize..22, value in "[ -~]{0,30}") {
        let mut rows: Vec<Vec<String>> = DEMO_REPORT.lines().map(|l| l.split(',').map(String::from).collect()).collect();
        let line = line % rows.len();
        if let Some(cell) = rows[line].get_mut(col) {
            *cell = value.replace(',', ";");
        }
        let text = rows.iter().map(|r| r.join(",")).collect::<Vec<_>>().join("\n");
        let mut import = AwsImport::new();
        import.add_credential_report_csv("r.csv", &text);
        let _ = import.finish();
    }

    #[test]
    fn arbitrary_bytes_as_gaad_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let mut import = AwsImport::new();
        import.add_gaad("g.json", &bytes);
        import.add_credential_report_json("r.json", &bytes);
        let _ = import.finish();
    }
}
