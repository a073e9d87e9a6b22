//! The progress bar while writing: a bar on a terminal, one plain line per write elsewhere (CI logs).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use crate::plan::Action;
use crate::sync::Outcome;

pub struct Bar {
    bar: Option<ProgressBar>,
}

impl Bar {
    pub fn new(total: u64) -> Bar {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            if let Ok(style) = ProgressStyle::with_template("{spinner} {pos}/{len} issues written {wide_bar} {msg}") {
                bar.set_style(style);
            }
            bar
        });
        Bar { bar }
    }

    pub fn step(&self, a: &Action, o: &Outcome) {
        let issue = a.iid.map_or_else(String::new, |iid| format!(" #{iid}"));
        let line = match &o.error {
            Some(e) => format!("failed    {} · {}{issue}: {e}", a.username, a.template),
            None => format!("{:<9} {} · {}{issue}", a.kind.name(), a.username, a.template),
        };
        match &self.bar {
            Some(bar) => {
                bar.inc(1);
                if o.error.is_some() {
                    bar.println(line);
                } else {
                    bar.set_message(format!("{} · {}", a.username, a.template));
                }
            }
            None => eprintln!("{line}"),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
