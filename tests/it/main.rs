//! Integration tests: the real `onboarder` binary against an in-process fake GitLab.

mod support;

mod bad_input;
mod check_and_plan;
mod dashboards;
mod faults;
mod inputs;
mod progress;
mod sync;
