//! onboarder: keeps each person's onboarding issue in GitLab in line with the team roster.
//!
//! The data goes through the house once, and each layer imports only the layers below it
//! (docs/architecture.md draws it; `tests/it/layers.rs` holds the code to it):
//!
//! 0. base: text, files, dates, issue descriptions, and the GitLab client;
//! 1. inputs: the config, the roster and the templates;
//! 2. desired: what each person's issues should say, and who a run is for;
//! 3. progress: where each person stands, and the comments owed;
//! 4. the issue plan: the actions that bring each person's issue in line;
//! 5. dashboards: planned from the issue plan's actions, after it;
//! 6. sync: carrying the actions out in GitLab;
//! 7. the shell: the command line, the reports, `main`.

// 0. base
pub mod calendar;
pub mod checklist;
pub mod error;
pub mod escape;
pub mod gitlab;
pub mod input;
pub mod issue;
pub mod region;
pub mod seal;

// 1. inputs
pub mod config;
pub mod roster;
pub mod template;

// 2. desired
pub mod desired;
pub mod selection;
pub mod training;

// 3. progress
pub mod progress;

// 4. the issue plan
pub mod departures;
pub mod merge;
pub mod plan;

// 5. dashboards
pub mod dashboard;

// 6. sync
pub mod mr_comment;
pub mod sync;

// 7. the shell
pub mod app;
pub mod ci;
pub mod cli;
pub mod isolation;
pub mod report;
pub mod token_expiry;
