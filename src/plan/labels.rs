//! The labels onboarder keeps on a person's issue: the marker, the template's, the stage reached,
//! the pace and, in a sharded run, the shard. Scoped labels it no longer wants are taken off;
//! every other label a person added stays. Pure: no IO.

use super::settings::Settings;
use crate::desired::DesiredIssue;
use crate::progress::Assessment;
use crate::selection::SHARD_LABEL_PREFIX;

/// The labels an issue of `d` should carry: the marker, the template's, the stage, the pace and,
/// in a sharded run, the shard's.
pub(super) fn wanted_labels(d: &DesiredIssue, a: &Assessment, s: &Settings) -> Vec<String> {
    let mut labels = d.labels.clone();
    labels.extend(d.stage_ids.get(a.reached).map(|id| format!("{}::{id}", s.stage_label_prefix)));
    labels.push(format!("{}::{}", s.pace_label_prefix, a.pace.id()));
    labels.extend(s.shard.map(|sh| sh.label()));
    labels
}

/// The labels to add and to take off an issue carrying `have` so it carries `wanted`. Scoped
/// labels do not replace each other on GitLab Free: the old stage, pace and shard are taken off;
/// every other label a person added stays.
pub(super) fn label_changes(have: &[String], wanted: &[String], s: &Settings) -> (Vec<String>, Vec<String>) {
    let scopes = [
        format!("{}::", s.stage_label_prefix),
        format!("{}::", s.pace_label_prefix),
        format!("{SHARD_LABEL_PREFIX}::"),
    ];
    let add = wanted.iter().filter(|l| !have.contains(l)).cloned().collect();
    let remove = have
        .iter()
        .filter(|l| scopes.iter().any(|sc| l.starts_with(sc.as_str())) && !wanted.contains(l))
        .cloned()
        .collect();
    (add, remove)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    use crate::progress::overrides::Commands;

    #[test]
    fn label_changes_take_off_an_old_stage_pace_or_shard_and_keep_a_persons_labels() {
        let commands = Commands::default();
        let everyone = |_: &str| true;
        let words = crate::template::TemplateSet::empty(&std::sync::Arc::from(std::path::Path::new("t")));
        let s = Settings {
            marker_label: "onboarder",
            stage_label_prefix: "onboarding-stage",
            pace_label_prefix: "onboarding-pace",
            close_completed: false,
            today: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            rules: crate::progress::Rules::default(),
            selected: &everyone,
            others: &|_| false,
            seal: &crate::seal::Seal::unchecked(),
            bots: &[],
            proofs: &Default::default(),
            shard: None,
            commands: &commands,
            words: &words,
            memo: None,
            shortcut: true,
            preview: None,
        };
        const M: &str = "onboarder";
        const STAGE: &str = "onboarding-stage::one";
        const PACE: &str = "onboarding-pace::on-track";
        /// Labels the issue has, labels wanted, added, taken off.
        type Row<'a> = (&'a [&'a str], &'a [&'a str], &'a [&'a str], &'a [&'a str]);
        let table: &[Row] = &[
            // Nothing to do; a person's own label stays.
            (&[M, STAGE, PACE, "team-x"], &[M, STAGE, PACE], &[], &[]),
            // A first sharded run: the shard's label added.
            (&[M, STAGE, PACE], &[M, STAGE, PACE, "onboarder-shard::2-of-3"], &["onboarder-shard::2-of-3"], &[]),
            (&[M, "onboarder-shard::2-of-3"], &[M, "onboarder-shard::2-of-3"], &[], &[]),
            // N changed (2 to 3): the old shard label goes, a person's stays.
            (
                &[M, "onboarder-shard::1-of-2", "team-x"],
                &[M, "onboarder-shard::2-of-3"],
                &["onboarder-shard::2-of-3"],
                &["onboarder-shard::1-of-2"],
            ),
            // Sharding turned off: the label goes.
            (&[M, "onboarder-shard::2-of-3"], &[M], &[], &["onboarder-shard::2-of-3"]),
            // Labels that only look like one are a person's.
            (&[M, "onboarder-shard-notes", "shard::1-of-3"], &[M], &[], &[]),
            // The stage and the pace moved on.
            (
                &[M, "onboarding-stage::zero", PACE],
                &[M, STAGE, "onboarding-pace::behind"],
                &[STAGE, "onboarding-pace::behind"],
                &["onboarding-stage::zero", PACE],
            ),
        ];
        let owned = |l: &[&str]| l.iter().map(|x| x.to_string()).collect::<Vec<String>>();
        for (have, wanted, add, remove) in table {
            let changes = label_changes(&owned(have), &owned(wanted), &s);
            assert_eq!(changes, (owned(add), owned(remove)), "{have:?} to {wanted:?}");
        }
    }
}
