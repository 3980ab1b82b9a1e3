//! nhi's integration tests, in one binary so that nhi and the AWS SDK are linked once. Each
//! module drives the real `nhi` binary (or a connector) against files, moto, Prism or a scenario
//! mock; `common` holds what they share.

mod common;

mod ai_providers;
mod aws_live;
mod aws_recorded;
mod azure;
mod bad_input;
mod completions_man;
mod docs;
mod github_prism;
mod github_scenario;
mod graph;
mod html;
mod ocsf;
mod pipeline;
mod prism_openai;
mod renderers;
mod sarif_validator;
mod scan;
