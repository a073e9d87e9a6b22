//! How a run ends: its exit statuses, and input errors printed once, with the promise that
//! nothing was written.

use std::process::ExitCode;

use crate::error::InputErrors;

/// Exit statuses: 0 all done, 1 some people or issues failed, 2 invalid input or no access.
pub const EXIT_FAILURES: u8 = 1;
pub const EXIT_INPUT: u8 = 2;

/// Print every input error and say that nothing was written: exit 2.
pub fn print_input_errors(errors: &InputErrors) -> ExitCode {
    eprintln!("{errors}");
    let n = errors.0.len();
    eprintln!("onboarder: {n} input error{}; nothing was written", if n == 1 { "" } else { "s" });
    ExitCode::from(EXIT_INPUT)
}
