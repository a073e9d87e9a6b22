//! onboarder's entry point: parse the command line, set up logging, and hand over to `app`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    fixed_mmap_threshold();
    let cli = onboarder::cli::Cli::parse();
    cli.init_logging();
    onboarder::app::run(cli)
}

/// glibc raises its mmap threshold to the size of each large block freed, so after the first
/// page of issues (~2 MB) every later page is carved from the heap, which keeps growing in
/// fragments: a no-change sync of 1,000 people peaked at 40 MB instead of 31 MB (BENCHMARKS.md).
/// A fixed threshold maps large buffers and gives them back when they are dropped.
fn fixed_mmap_threshold() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        // Fixing one threshold fixes the other too; left at 128 KB, the heap's top would be
        // given back and faulted in again after nearly every issue planned (twice the CPU).
        libc::mallopt(libc::M_TRIM_THRESHOLD, 32 * 1024 * 1024);
    }
}
