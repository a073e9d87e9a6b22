//! Integration tests: the real `onboarder` binary against an in-process fake GitLab.

mod support;

mod bad_input;
mod check_and_plan;
mod ci_files;
mod cli;
mod faults;
mod merge_requests;
mod sync;
