//! Fuzz the issue-description parser: whatever a person or a bug leaves in an issue, it never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let live = onboarder::region::parse(text);
        let _ = onboarder::region::normal_form(text);
        let _ = onboarder::checklist::marks_of(text);
        // What is outside the region is a slice of the input, untouched.
        assert!(text.starts_with(live.before) && text.ends_with(live.after));
    }
});
