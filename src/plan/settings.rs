//! What the planner is given besides the desired and observed issues: the config's settings,
//! the day, who is in this run, the commands to carry out, and how to render a body.

use chrono::NaiveDate;

use super::proof::Proofs;
use crate::desired::{Body, DesiredIssue, Want};
use crate::error::InputError;
use crate::progress::comments::Words;
use crate::progress::overrides::Commands;
use crate::seal::Seal;
use crate::selection::Shard;

/// Settings the planner needs from the config.
pub struct Settings<'a> {
    pub marker_label: &'a str,
    pub stage_label_prefix: &'a str,
    pub pace_label_prefix: &'a str,
    pub close_completed: bool,
    /// The day the run plans for.
    pub today: NaiveDate,
    /// How progress is judged: the share of the work that reaches a stage, and the grace.
    pub rules: crate::progress::Rules,
    /// Usernames this run may touch (`--only`, `--shard`).
    pub selected: &'a dyn Fn(&str) -> bool,
    /// Keys of managed issues that another planner owns (the dashboards): left alone here.
    pub others: &'a dyn Fn(&str) -> bool,
    /// The run's shard: its people's issues carry its label (`Shard::label`); `None` (not
    /// sharded) wants no shard label on any issue.
    pub shard: Option<Shard>,
    /// The managers' commands to carry out, decided before planning (today from the dashboards).
    pub commands: &'a Commands,
    /// Seals the state blocks this run writes and checks the ones it reads.
    pub seal: &'a Seal,
    /// The accounts whose issues and notes are onboarder's: the token's user, and past bot
    /// accounts the config names. Anything else is a person's, whatever it carries. Empty when the
    /// run cannot tell (a plan read with `GITLAB_READ_TOKEN`, another account): nothing is checked.
    pub bots: &'a [u64],
    /// What onboarder's own notes prove, for the issues whose state block it cannot trust.
    pub proofs: &'a Proofs,
    /// The words of onboarder's comments (the templates directory's `_comment-*.md`).
    pub words: Words<'a>,
    /// The digest of what a desired issue's body is rendered from, showing a due date
    /// (`Renderer::inputs_digest`): recorded in each issue written (`memo`), so that a later run
    /// knows an untouched issue without rendering it.
    pub memo: Option<MemoInputs<'a>>,
    /// Know untouched issues from their memo (on unless `ONBOARDER_PLAN_IN_FULL` is set: then
    /// every issue is planned in full, the reference the shortcut is tested against).
    pub shortcut: bool,
    /// Where each planned issue's new description goes when previews are asked for
    /// (`--preview-dir`): handed over as it is made, so that no run holds them all.
    pub preview: Option<Preview<'a>>,
}

/// Takes a planned issue's new description (see `Settings::preview`).
pub type Preview<'a> = &'a dyn Fn(&DesiredIssue, &str);

/// Renders a desired issue's body showing a given due date, when a decision needs it.
pub type Render<'a> = &'a dyn Fn(&DesiredIssue, Option<NaiveDate>, Want) -> Result<Body, InputError>;

/// See `Settings::memo`.
pub type MemoInputs<'a> = &'a dyn Fn(&DesiredIssue, Option<NaiveDate>) -> Option<[u8; 32]>;
