//! nhi's integration tests, in one binary so that nhi and the AWS SDK are linked once. Each
//! module drives the real `nhi` binary (or a connector) against files, moto, Prism or a scenario
//! mock; `common` holds what they share.

mod common;

mod ai_providers;
mod aws_live;
mod aws_recorded;
mod azure;
mod bad_input;
mod ci_recipes;
mod completions_man;
mod diff;
mod docs;
mod external;
mod gcp;
mod gcp_prism;
mod gcp_scenario;
mod github_prism;
mod github_scenario;
mod gitlab_prism;
mod gitlab_scenario;
mod graph;
mod html;
mod k8s;
mod k8s_live;
mod k8s_prism;
mod ocsf;
mod okta_connector;
mod pipeline;
mod prism_openai;
mod renderers;
mod sarif_github;
mod sarif_validator;
mod scan;
mod suppress;
