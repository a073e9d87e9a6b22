//! A dashboard's commands: the boxes a manager ticks, read back and decided (carried out, refused
//! because the roster says otherwise, or left for a run that includes the person). What a
//! carried-out command does is progress's (`progress::overrides`). Pure: no IO.

use std::collections::{BTreeMap, BTreeSet};

use super::spec::{is_key, Spec};
use crate::calendar;
use crate::checklist::{parse_task_line, Fences, Mark};
use crate::desired::{key_username, Desired, DesiredIssue, Standing};
use crate::issue::Observed;
use crate::plan::{is_ours, IssueState, Settings};
use crate::progress::overrides::{decide, CommandId, Commands, RosterSays, Verdict};
use crate::region;

const CMD: &str = "<!-- cmd: ";

/// The hidden comment that ends a command box's line.
pub fn comment(id: &CommandId) -> String {
    format!("{CMD}{} -->", id.text())
}

/// The command boxes of a dashboard description and whether each is ticked: only those onboarder
/// lays out, inside the managed region and outside code and HTML comments (a box hidden in a
/// comment, or written below the end marker, is nobody's command).
pub fn boxes(description: &str) -> Vec<(CommandId, bool)> {
    let live = region::parse(description);
    let inside = &description[live.before.len()..description.len() - live.after.len()];
    let mut fences = Fences::default();
    let mut in_comment = false;
    inside
        .lines()
        .filter(|l| !fences.in_code(l))
        .filter(|l| {
            // A comment opened on a line and not closed there hides the lines up to its end.
            let hidden = in_comment;
            let (opens, closes) = (l.rfind("<!--"), l.rfind("-->"));
            in_comment = match (opens, closes) {
                (Some(o), Some(c)) => o > c,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => in_comment,
            };
            !hidden
        })
        .filter_map(|l| {
            let t = parse_task_line(l)?;
            let at = t.text.rfind(CMD)?;
            let id = CommandId::parse(t.text[at + CMD.len()..].strip_suffix("-->")?.trim())?;
            Some((id, t.mark == Mark::Done))
        })
        .collect()
}

/// The ticked command boxes of a dashboard description.
pub fn ticked(description: &str) -> BTreeSet<CommandId> {
    boxes(description).into_iter().filter(|(_, t)| *t).map(|(id, _)| id).collect()
}

/// A command box seen ticked, and what this run does about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    /// The dashboard's key.
    pub board: String,
    pub id: CommandId,
    /// Whom it is about, as the log line names them.
    pub who: String,
    pub verdict: Verdict,
}

/// The commands the plan carries out: those decided `Apply`, applied to the people's issues (in
/// `plan::reconcile`, again on the fresh copy before writing); each dashboard reports on its own.
pub fn orders(decided: &[Decided]) -> Commands {
    Commands { apply: decided.iter().filter(|c| c.verdict == Verdict::Apply).map(|c| c.id.clone()).collect() }
}

/// The ticked command boxes of each open dashboard found, by the dashboard's key: only the
/// dashboards onboarder's own account opened (anyone may open an issue carrying a dashboard's key).
fn boards(observed: &[Observed], bots: &[u64]) -> Vec<(String, BTreeSet<CommandId>)> {
    observed
        .iter()
        .filter(|o| o.open && (bots.is_empty() || o.author_id.is_some_and(|a| bots.contains(&a))))
        .filter_map(|o| o.key().filter(|k| is_key(k)).map(|k| (k, o)))
        .map(|(k, o)| (k, ticked(&o.description)))
        .filter(|(_, t)| !t.is_empty())
        .collect()
}

/// The keys of the issues a ticked command box names: deciding a command reads their record.
pub fn commanded(observed: &[Observed], bots: &[u64]) -> BTreeSet<String> {
    boards(observed, bots).into_iter().flat_map(|(_, t)| t.into_iter().map(|c| c.issue)).collect()
}

/// Read and decide every ticked command box on the dashboards found, for the people selected in
/// this run. The issues the commands name must be listed whole (see `commanded`).
pub fn commands(specs: &[Spec], desired: &Desired, observed: &[Observed], s: &Settings) -> Vec<Decided> {
    if specs.is_empty() {
        return Vec::new();
    }
    let boards = boards(observed, s.bots);
    if boards.is_empty() {
        return Vec::new();
    }
    let wanted: BTreeSet<&str> = boards.iter().flat_map(|(_, t)| t.iter().map(|c| c.issue.as_str())).collect();
    let issues: BTreeMap<String, &Observed> = observed
        .iter()
        .filter(|o| is_ours(o, s))
        .filter_map(|o| o.key().filter(|k| wanted.contains(k.as_str())).map(|k| (k, o)))
        .collect();
    let desired_by_key: BTreeMap<&str, &DesiredIssue> = desired.issues.iter().map(|d| (d.key.as_str(), d)).collect();
    let mut out = Vec::new();
    for (board, ticked) in boards {
        let spec = specs.iter().find(|b| b.key == board);
        for id in ticked {
            let user = key_username(&id.issue).to_string();
            let who = spec.and_then(|b| b.reports.get(&user)).map_or_else(|| user.clone(), |r| r.name.clone());
            let verdict = if (s.selected)(&user) {
                decide_one(
                    spec,
                    &id,
                    &user,
                    desired,
                    desired_by_key.get(id.issue.as_str()).copied(),
                    issues.get(&id.issue).copied(),
                    s,
                )
            } else {
                Verdict::Wait
            };
            out.push(Decided { board: board.clone(), id, who, verdict });
        }
    }
    out
}

fn decide_one(
    spec: Option<&Spec>,
    id: &CommandId,
    user: &str,
    desired: &Desired,
    d: Option<&DesiredIssue>,
    issue: Option<&Observed>,
    s: &Settings,
) -> Verdict {
    let refuse = |why: &str| Verdict::Refuse(why.to_string());
    let Some(spec) = spec.filter(|b| b.manager.is_some()) else {
        return refuse("commands work on a manager's dashboard only");
    };
    if !spec.reports.contains_key(user) {
        return refuse("the roster no longer lists them as your report");
    }
    let (Some(d), Some(issue)) = (d, issue) else {
        return refuse("that issue is not one of their current paths, or does not exist yet");
    };
    if !issue.open {
        return refuse("their issue is closed; reopen it first");
    }
    let state = IssueState::proven(issue, &d.key, s.seal);
    let ov = state.as_ref().and_then(|st| st.overrides.clone()).unwrap_or_default();
    let stage = |i: Option<usize>| i.and_then(|i| d.stage_ids.get(i)).map(String::as_str);
    let expected = calendar::expected_stage(&d.path.weeks, d.calendar.working_days(s.today));
    let roster = RosterSays {
        paused: desired.standing.get(user) == Some(&Standing::Paused),
        stage: stage(d.path.stated),
        expected: stage(expected),
        reached: state.as_ref().and_then(|st| st.stage.as_deref()),
        has_due_date: d.path.due_days.is_some(),
    };
    decide(id, &roster, &ov)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::overrides::Verb;

    fn id(verb: Verb) -> CommandId {
        CommandId { verb, issue: "support-learning-path:praman".into(), serial: 0 }
    }

    // Regression (N3): command lines hidden in an HTML comment below the end marker were carried
    // out (420 days added in one run), and never unticked.
    #[test]
    fn boxes_outside_the_region_or_inside_a_comment_are_not_commands() {
        let pause = comment(&id(Verb::Pause));
        let extend = comment(&id(Verb::Extend));
        let inside = format!("<!-- onboarder:begin manager-dashboard:dana -->\n- [x] Pause {pause}\n<!--\n- [x] Extend {extend}\n-->\n<!-- onboarder:end -->");
        let below = format!("{inside}\n\n- [x] Extend {extend}\n<!--\n- [x] Extend {extend}\n-->");
        assert_eq!(ticked(&below).into_iter().collect::<Vec<_>>(), vec![id(Verb::Pause)]);
        assert!(ticked(&format!("- [x] Extend {extend}")).is_empty(), "no region: no command");
    }

    #[test]
    fn command_boxes_read_back() {
        let pause = id(Verb::Pause);
        let text = format!(
            "<!-- onboarder:begin manager-dashboard:dana -->\n- [x] Pause <!-- cmd: pause support-learning-path:praman 0 -->\n- [ ] Extend {}\n```\n- [x] x {}\n```\n- [x] mine\n- [x] bad <!-- cmd: fly a 0 -->\n<!-- onboarder:end -->",
            comment(&id(Verb::Extend)),
            comment(&id(Verb::Resume))
        );
        assert_eq!(boxes(&text), vec![(pause.clone(), true), (id(Verb::Extend), false)]);
        assert_eq!(ticked(&text).into_iter().collect::<Vec<_>>(), vec![pause.clone()]);
        assert_eq!(CommandId::parse(&pause.text()), Some(pause));
        assert_eq!(CommandId::parse("pause k 0 extra"), None);
    }
}
