//! Which people a run touches: `--only` usernames and `--shard K/N` (stable across machines),
//! and, for a person named with `--only` who gets no issue, why not.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use crate::desired::Standing;
use crate::roster::{Person, Program, Status};

/// A shard of the roster: people whose username hashes to `index` of `total` (1-based, as
/// GitLab CI's `CI_NODE_INDEX` / `CI_NODE_TOTAL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub total: u32,
}

impl Shard {
    pub fn parse(s: &str) -> Result<Shard, String> {
        let (k, n) = s.split_once('/').ok_or_else(|| format!("shard {s:?} is not K/N"))?;
        let index: u32 = k.trim().parse().map_err(|_| format!("shard {s:?} is not K/N"))?;
        let total: u32 = n.trim().parse().map_err(|_| format!("shard {s:?} is not K/N"))?;
        if total == 0 || index == 0 || index > total {
            return Err(format!("shard {s:?} must have 1 <= K <= N"));
        }
        Ok(Shard { index, total })
    }

    /// Does this shard own `username`? Every username belongs to exactly one shard of N.
    pub fn owns(&self, username: &str) -> bool {
        stable_hash(&username.to_lowercase()) % u64::from(self.total) == u64::from(self.index - 1)
    }

    /// The label every issue of this shard's people carries, so a shard lists only its own issues:
    /// `onboarder-shard::K-of-N`.
    pub fn label(&self) -> String {
        format!("{SHARD_LABEL_PREFIX}::{}-of-{}", self.index, self.total)
    }

    /// The labels of every shard of this run's N: an issue carrying none of them is nobody's yet
    /// (new, from an unsharded run, or from a run with another N).
    pub fn all_labels(&self) -> Vec<String> {
        (1..=self.total).map(|index| Shard { index, total: self.total }.label()).collect()
    }
}

/// The scope of the shard labels. Fixed rather than derived from the marker label: an issue's
/// shard label only ever narrows a listing that already asks for the marker label.
pub const SHARD_LABEL_PREFIX: &str = "onboarder-shard";

/// FNV-1a: the same on every machine and every Rust version, unlike the std hasher.
fn stable_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// The people a run may touch.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Lowercase usernames from `--only`; empty means everyone.
    pub only: BTreeSet<String>,
    pub shard: Option<Shard>,
}

impl Selection {
    pub fn contains(&self, username: &str) -> bool {
        (self.only.is_empty() || self.only.contains(&username.to_lowercase()))
            && self.shard.is_none_or(|s| s.owns(username))
    }
}

/// The username closest to `wanted` (edit distance, case ignored), if it is close enough to be
/// a typo: at most 2 edits, or a third of the name for longer names.
pub fn closest<'a>(wanted: &str, usernames: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted = wanted.to_lowercase();
    let limit = (wanted.chars().count() / 3).max(2);
    usernames
        .into_iter()
        .map(|u| (strsim::damerau_levenshtein(&wanted, &u.to_lowercase()), u))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, u)| (*d, *u))
        .map(|(_, u)| u)
}

/// Why a person named with `--only` gets no issue from this run, or `None` if they get one.
/// `has_issue`: the run computed at least one issue for them.
pub fn why_no_issue(
    p: &Person,
    standing: &Standing,
    started_after: Option<NaiveDate>,
    shard: Option<Shard>,
    has_issue: bool,
) -> Option<String> {
    let file = p.at.file.display();
    match standing {
        Standing::OutOfScope => {
            let after = started_after.map_or(String::new(), |d| d.to_string());
            Some(format!(
                "{} started on {}, before started_after ({after}) in the config, so onboarder does not onboard them; \
                 to give them a path anyway, set onboarding.paths in {file} (for example paths: [support-learning-path])",
                p.name, p.start_date
            ))
        }
        Standing::Paused => Some(format!(
            "onboarding.status is paused in {file}: a scheduled sync keeps their issue with the pace clock stopped, and a new issue waits until they are active again"
        )),
        Standing::Closing(reason) => Some(match (p.status, p.program) {
            (Status::Left, _) => format!(
                "{reason} (onboarding.status: left in {file}): nothing is created for them; the scheduled sync closes their issues"
            ),
            (_, Program::Shadow) => format!("{reason} (end_date in {file}): nothing is created for them"),
            _ => format!("{reason}: nothing is created for them"),
        }),
        Standing::Active => match shard {
            Some(s) if !s.owns(&p.username) => {
                let owner = (1..=s.total).find(|&index| Shard { index, total: s.total }.owns(&p.username));
                Some(format!(
                    "they are in shard {}/{}, not in this run's shard {}/{} (--shard, or CI_NODE_INDEX/CI_NODE_TOTAL)",
                    owner.unwrap_or(0),
                    s.total,
                    s.index,
                    s.total
                ))
            }
            _ if !has_issue => Some(format!(
                "no template applies to them (role {}); set onboarding.paths in {file}",
                p.role.map_or("none", |r| r.id())
            )),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_username_is_a_likely_typo_or_nothing() {
        let names = ["praman", "mkowalski", "dwhitfield", "ytanaka"];
        for (typed, want) in [
            ("pramann", Some("praman")),
            ("PRAMAN", Some("praman")),
            ("mkowalsky", Some("mkowalski")),
            ("ytanka", Some("ytanaka")),
            ("dwhitefeld", Some("dwhitfield")),
            ("someoneelse", None),
            ("abc", None),
        ] {
            assert_eq!(closest(typed, names), want, "{typed}");
        }
    }

    #[test]
    fn shards_are_disjoint_and_cover_everyone() {
        let names: Vec<String> = (0..2000).map(|i| format!("user{i}")).collect();
        for total in [1, 2, 3, 7] {
            let shards: Vec<Shard> = (1..=total).map(|index| Shard { index, total }).collect();
            for n in &names {
                assert_eq!(shards.iter().filter(|s| s.owns(n)).count(), 1, "{n} in {total} shards");
            }
            // Roughly balanced: no shard gets less than half its share.
            for s in &shards {
                let count = names.iter().filter(|n| s.owns(n)).count();
                assert!(count * 2 * total as usize >= names.len(), "{s:?} got {count}");
            }
        }
    }

    #[test]
    fn shard_parsing_and_case() {
        assert_eq!(Shard::parse("2/3"), Ok(Shard { index: 2, total: 3 }));
        for bad in ["0/3", "4/3", "1/0", "x", "1-2"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        let s = Shard { index: 1, total: 5 };
        assert_eq!(s.owns("JDoe"), s.owns("jdoe"));
        // Pinned to FNV-1a's published test vectors: a shard's people must not move between builds.
        assert_eq!(stable_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(stable_hash("foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn shard_labels_name_the_shard_and_its_total() {
        let s = Shard { index: 2, total: 3 };
        assert_eq!(s.label(), "onboarder-shard::2-of-3");
        assert_eq!(s.all_labels(), ["onboarder-shard::1-of-3", "onboarder-shard::2-of-3", "onboarder-shard::3-of-3"]);
        assert!(s.all_labels().contains(&s.label()));
        assert!(!Shard { index: 2, total: 2 }.all_labels().contains(&s.label()), "another N, other labels");
    }
}
