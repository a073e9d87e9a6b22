//! What an issue was last written from, kept in its state block (`memo`), so that a run can tell
//! an issue nobody touched without rendering, taking apart or merging its checklist. Pure: no IO.
//!
//! The memo holds a digest of the body's inputs (`Renderer::inputs_digest`) and of the region as
//! written up to its state block, and the checklist's items in order (stage, mark, optional), so
//! that what changes with the date (the stage expected, the pace, the comments owed) is judged
//! again on every run exactly as the full plan judges it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::checklist::{Mark, StagedItem};

/// See the module's documentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Memo {
    /// The first 16 bytes of SHA-256 over the body's inputs and the region's head, base64url.
    pub of: String,
    /// The checklist's items in order, one letter each (`o` open, `x` done, `s` skipped;
    /// upper-case when optional), with a `/` where the next stage begins.
    pub work: String,
    /// The person's own marks as a digest (`Facts::own_marks`).
    #[serde(default)]
    pub own: u64,
}

impl Memo {
    /// The memo of a region whose head is `head`, written from `inputs` with `items`; `None` when
    /// the items are not in stage order (the memo could not say where each one lands).
    pub fn new(inputs: &[u8; 32], head: &str, items: &[StagedItem], own: u64) -> Option<Memo> {
        let mut work = String::with_capacity(items.len() + 8);
        let mut stage = 0;
        for i in items {
            if i.stage < stage {
                return None;
            }
            for _ in stage..i.stage {
                work.push('/');
            }
            stage = i.stage;
            let c = match i.mark {
                Mark::Open => 'o',
                Mark::Done => 'x',
                Mark::Skipped => 's',
            };
            work.push(if i.optional { c.to_ascii_uppercase() } else { c });
        }
        Some(Memo { of: digest(inputs, head), work, own })
    }

    /// Was this memo written from `inputs`, into a region whose head is `head`?
    pub fn matches(&self, inputs: &[u8; 32], head: &str) -> bool {
        self.of == digest(inputs, head)
    }

    /// The checklist's items, as progress judges them.
    pub fn items(&self) -> Option<Vec<StagedItem>> {
        let mut stage = 0;
        let mut out = Vec::with_capacity(self.work.len());
        for c in self.work.chars() {
            let mark = match c.to_ascii_lowercase() {
                '/' => {
                    stage += 1;
                    continue;
                }
                'o' => Mark::Open,
                'x' => Mark::Done,
                's' => Mark::Skipped,
                _ => return None,
            };
            out.push(StagedItem { stage, mark, optional: c.is_ascii_uppercase() });
        }
        Some(out)
    }
}

fn digest(inputs: &[u8; 32], head: &str) -> String {
    let mut h = Sha256::new();
    h.update(inputs);
    h.update(head.as_bytes());
    URL_SAFE_NO_PAD.encode(&h.finalize()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_come_back_as_they_were_written() {
        let items = vec![
            StagedItem { stage: 0, mark: Mark::Done, optional: false },
            StagedItem { stage: 0, mark: Mark::Open, optional: true },
            StagedItem { stage: 2, mark: Mark::Skipped, optional: false },
            StagedItem { stage: 3, mark: Mark::Done, optional: true },
        ];
        let memo = Memo::new(&[7; 32], "head", &items, 9).unwrap();
        assert_eq!(memo.work, "xO//s/X");
        assert_eq!(memo.items().unwrap(), items);
        assert!(memo.matches(&[7; 32], "head"));
        assert!(!memo.matches(&[7; 32], "head ") && !memo.matches(&[8; 32], "head"));
        // Out of stage order: no memo, so the issue is always planned in full.
        let backwards = [items[2], items[0]];
        assert_eq!(Memo::new(&[7; 32], "head", &backwards, 0), None);
        // A memo someone spelt oddly gives no items (it is sealed, so only onboarder wrote it).
        assert_eq!(Memo { work: "x?".into(), ..memo }.items(), None);
    }
}
