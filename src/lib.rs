//! onboarder: keeps each person's onboarding issue in GitLab in line with the team roster.
//!
//! The core (`roster`, `template`, `checklist`, `merge`, `description`, `desired`, `plan`, `dashboard`) is pure;
//! `gitlab` is the only module that talks to GitLab, and `app` wires them together.

pub mod app;
pub mod checklist;
pub mod ci;
pub mod cli;
pub mod comments;
pub mod config;
pub mod dashboard;
pub mod departures;
pub mod description;
pub mod desired;
pub mod error;
pub mod escape;
pub mod gitlab;
pub mod guard;
pub mod input;
pub mod isolation;
pub mod merge;
pub mod mr_comment;
pub mod plan;
pub mod progress;
pub mod report;
pub mod roster;
pub mod selection;
pub mod sync;
pub mod template;
pub mod token_expiry;
