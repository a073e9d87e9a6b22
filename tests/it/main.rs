//! Integration tests: the real `onboarder` binary against an in-process fake GitLab.

mod support;

mod bad_input;
mod check_and_plan;
mod ci_files;
mod cli;
mod cohort;
mod content;
mod dashboard_commands;
mod dashboard_size;
mod dashboard_trust;
mod dashboards;
mod docs;
mod faults;
mod floor;
mod gitlab_behaviours;
mod inputs;
mod layers;
mod lock;
mod merge_requests;
mod modules;
mod newcomer;
mod progress;
mod real_gitlab;
mod roster_git;
mod roster_source;
mod shards;
mod sync;
mod token_expiry;
mod trust;
