//! What `plan` and `sync` print: a readable block per issue, or one JSON document.

use std::fmt::Write as _;

use serde::Serialize;

use crate::dashboard;
use crate::gitlab::RequestCounts;
use crate::plan::{Action, Kind};
use crate::progress::Pace;
use crate::sync::Outcome;

/// Counts for the final line, and the JSON `summary`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub today: String,
    pub offline: bool,
    /// Read with no state key: onboarder's records in the issues were not checked.
    pub unverified: bool,
    pub dry_run: bool,
    pub create: usize,
    pub update: usize,
    pub close: usize,
    pub unchanged: usize,
    pub skip: usize,
    pub conflict: usize,
    pub failed: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requests: Option<RequestCounts>,
    /// The warning that the token expires soon (see `token_expiry`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_warning: Option<String>,
    /// People in the roster or the shadow program who get no issue and have none, with why
    /// ("mchen: the shadow program ended on 2026-11-06"): a plan that shows nobody for them
    /// says so.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub without_issue: Vec<String>,
}

impl Summary {
    /// Every issue the run decided about: what `check` renders and `-v` says were planned.
    pub fn issues(&self) -> usize {
        self.create + self.update + self.close + self.unchanged + self.skip + self.conflict + self.failed
    }

    /// The plan in the words `-v` logs: the same numbers as the report's last line.
    pub fn planned(&self) -> String {
        format!(
            "{} issues: {} to create, {} to update, {} to close, {} unchanged, {} skipped, {} conflicts, {} failed",
            self.issues(),
            self.create,
            self.update,
            self.close,
            self.unchanged,
            self.skip,
            self.conflict,
            self.failed
        )
    }

    pub fn count(&mut self, actions: &[(Action, Option<Outcome>)]) {
        for (a, outcome) in actions {
            if outcome.as_ref().is_some_and(|o| o.status == "failed") {
                self.failed += 1;
                continue;
            }
            match a.kind {
                Kind::Create => self.create += 1,
                Kind::Update => self.update += 1,
                Kind::Close => self.close += 1,
                Kind::Unchanged => self.unchanged += 1,
                Kind::Skip => self.skip += 1,
                Kind::Conflict => self.conflict += 1,
            }
        }
    }

    pub fn line(&self) -> String {
        let (create, update, close) = if self.dry_run || self.offline {
            ("would create", "update", "close")
        } else {
            ("created", "updated", "closed")
        };
        let mut s = format!(
            "{create} {}, {update} {}, {close} {}; {} unchanged, {} skipped, {} conflicts, {} failed",
            self.create, self.update, self.close, self.unchanged, self.skip, self.conflict, self.failed
        );
        if let Some(r) = &self.requests {
            // The methods add up to the total (retries are among them, counted again apart).
            let _ = write!(
                s,
                "; {} API requests ({} GET, {} POST, {} PUT, {} DELETE",
                r.total, r.get, r.post, r.put, r.delete
            );
            if r.other > 0 {
                let _ = write!(s, ", {} other", r.other);
            }
            let _ = write!(s, "; {} retried, {} rate-limited)", r.retries, r.rate_limited);
        }
        if let Some(w) = &self.token_warning {
            let _ = write!(s, "; warning: {w}");
        }
        s
    }
}

#[derive(Serialize)]
struct JsonAction<'a> {
    action: &'static str,
    username: &'a str,
    template: &'a str,
    project: &'a str,
    title: &'a str,
    stage: Option<&'a str>,
    expected_stage: Option<&'a str>,
    pace: Option<Pace>,
    checked: usize,
    total: usize,
    labels: &'a [String],
    assignees: &'a [String],
    due_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iid: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    changes: &'a [crate::plan::ItemChange],
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<&'a Outcome>,
}

/// One JSON document: `{"actions": [...], "summary": {...}}`.
pub fn json(actions: &[(Action, Option<Outcome>)], summary: &Summary) -> String {
    let list: Vec<JsonAction> = actions
        .iter()
        .map(|(a, o)| JsonAction {
            action: a.kind.name(),
            username: &a.username,
            template: &a.template,
            project: &a.project,
            title: &a.title,
            stage: a.stage.as_deref(),
            expected_stage: a.expected_stage.as_deref(),
            pace: a.pace,
            checked: a.checked,
            total: a.total,
            labels: &a.labels,
            assignees: &a.assignees,
            due_date: a.due_date.map(|d| d.to_string()),
            iid: a.iid,
            url: a.web_url.as_deref(),
            reason: a.reason.as_deref(),
            note: a.note.as_ref().map(|n| n.body.as_str()),
            changes: &a.changes,
            outcome: o.as_ref(),
        })
        .collect();
    let doc = serde_json::json!({ "actions": list, "summary": summary });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// What every output of an offline plan says first, so that nobody takes it for GitLab's state.
pub const OFFLINE_NOTICE: &str = "OFFLINE PLAN: no token (GITLAB_TOKEN, or GITLAB_READ_TOKEN for plan), so nothing was read from GitLab; every issue is shown as if the projects had none yet";

/// What every output of a plan read without the state key says first.
pub const UNVERIFIED_NOTICE: &str = "UNVERIFIED PLAN: without ONBOARDER_STATE_KEY (or with the read token, another account), onboarder's records in the issues were read without checking their seals or who opened each issue; a sync may decide otherwise where a record was forged or an issue is not onboarder's";

/// The readable form: a block per issue that changes, a line per issue that does not.
pub fn text(actions: &[(Action, Option<Outcome>)], summary: &Summary, show_diff: bool) -> String {
    let mut out = String::new();
    if summary.offline {
        let _ = writeln!(out, "{OFFLINE_NOTICE}");
    }
    if summary.unverified {
        let _ = writeln!(out, "{UNVERIFIED_NOTICE}");
    }
    for (a, outcome) in actions {
        let issue = match a.iid {
            Some(iid) => format!("{}#{iid}", a.project),
            None if a.project.is_empty() => "-".to_string(),
            None => format!("{} (new)", a.project),
        };
        let status = match outcome {
            Some(o) if o.status == "failed" => format!("  FAILED: {}", o.error.as_deref().unwrap_or("unknown error")),
            _ => String::new(),
        };
        let _ = writeln!(out, "{:<9} {} · {} · {issue}{status}", a.kind.name(), a.username, a.template);
        if matches!(a.kind, Kind::Unchanged | Kind::Skip | Kind::Conflict) {
            if let Some(r) = &a.reason {
                let _ = writeln!(out, "          {r}");
            }
            continue;
        }
        let _ = writeln!(out, "          title      {}", a.title);
        if let Some(stage) = &a.stage {
            let _ = writeln!(out, "          stage      {stage}");
        }
        let expected = a.expected_stage.as_deref().unwrap_or("- (not started)");
        let pace = a.pace.map_or("", Pace::id);
        if a.pace.is_some() {
            let _ = writeln!(out, "          expected   {expected}");
            let _ = writeln!(out, "          pace       {pace}");
        }
        if a.template != dashboard::KIND {
            let _ = writeln!(out, "          checked    {} of {}", a.checked, a.total);
        }
        let _ = writeln!(out, "          labels     {}", a.labels.join(", "));
        let _ = writeln!(
            out,
            "          assignees  {}",
            if a.assignees.is_empty() { "-".into() } else { a.assignees.join(", ") }
        );
        let _ = writeln!(out, "          due        {}", a.due_date.map_or("-".to_string(), |d| d.to_string()));
        if let Some(r) = &a.reason {
            let _ = writeln!(out, "          reason     {r}");
        }
        if let Some(edit) = &a.edit {
            let mut fields = Vec::new();
            if edit.title.is_some() {
                fields.push("title".to_string());
            }
            if edit.description.is_some() {
                fields.push("description".to_string());
            }
            if !edit.add_labels.is_empty() {
                fields.push(format!("+labels {}", edit.add_labels.join(",")));
            }
            if !edit.remove_labels.is_empty() {
                fields.push(format!("-labels {}", edit.remove_labels.join(",")));
            }
            if edit.assignees.is_some() {
                fields.push("assignees".to_string());
            }
            if edit.due_date.is_some() {
                fields.push("due date".to_string());
            }
            if edit.close {
                fields.push("close".to_string());
            }
            let _ = writeln!(out, "          changes    {}", fields.join("; "));
        }
        if a.note.is_some() {
            let _ = writeln!(out, "          note       yes (one comment)");
        }
        if show_diff && !a.changes.is_empty() {
            for c in &a.changes {
                let from = c.from.map_or("   ".to_string(), |m| format!("[{m}]"));
                let to = c.to.map_or("(removed)".to_string(), |m| format!("[{m}]"));
                let _ = writeln!(out, "            {from} -> {to} {}", crate::error::truncate(&c.text, 90));
            }
        }
    }
    // A few are named; a roster keeping many who left gets one line.
    match summary.without_issue.as_slice() {
        [] => {}
        few @ [_, ..] if few.len() <= 5 => {
            let _ = writeln!(out, "no issue for {}", few.join("; "));
        }
        many => {
            let _ = writeln!(
                out,
                "no issue for {} people who left or whose shadow program ended (--format json lists them)",
                many.len()
            );
        }
    }
    out.push_str(&summary.line());
    out.push('\n');
    out
}

/// A JUnit report: one test case per person and template, failures shown in GitLab's UI.
pub fn junit(actions: &[(Action, Option<Outcome>)], summary: &Summary) -> anyhow::Result<String> {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    // GitLab's test report shows a case's class name as its suite: an offline plan says so there too.
    let (suite_name, class_prefix) =
        if summary.offline { ("onboarder (offline plan)", "offline plan: ") } else { ("onboarder", "") };
    let mut suite = TestSuite::new(suite_name);
    if summary.offline {
        suite.add_property(quick_junit::Property::new("offline", "true"));
    }
    for (a, o) in actions {
        let status = match o {
            Some(o) if o.status == "failed" => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(o.error.clone().unwrap_or_default());
                s
            }
            _ if a.kind == Kind::Conflict => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(a.reason.clone().unwrap_or_default());
                s
            }
            _ => TestCaseStatus::success(),
        };
        let mut case = TestCase::new(format!("{} · {}", a.username, a.template), status);
        case.set_classname(format!("{class_prefix}{}", a.kind.name()));
        suite.add_test_case(case);
    }
    // A warning is a property, not a failed test case: an expiring token must not turn the
    // pipeline red before it has expired.
    if let Some(w) = &summary.token_warning {
        suite.add_property(quick_junit::Property::new("warning", w.as_str()));
        suite.set_system_err(format!("warning: {w}"));
    }
    let mut report = Report::new(format!("onboarder {}", summary.today));
    report.add_test_suite(suite);
    Ok(report.to_string()?)
}

/// The plan as a merge request sees it: what a merge would create or change, by issue title and
/// action. A roster repository is often public, so nobody's stage or pace is named unless the
/// config asks for it (`plan_comment.show_pace`).
pub fn merge_request(actions: &[(Action, Option<Outcome>)], summary: &Summary, show_pace: bool) -> String {
    let mut out = format!("# onboarder plan, {}\n\n", summary.today);
    if summary.offline {
        let _ = write!(out, "## {OFFLINE_NOTICE}\n\n");
    }
    if summary.unverified {
        let _ = write!(out, "## {UNVERIFIED_NOTICE}\n\n");
    }
    let _ = write!(
        out,
        "A merge would create {}, update {} and close {} issues; {} unchanged, {} skipped, {} conflicts.\n\n",
        summary.create, summary.update, summary.close, summary.unchanged, summary.skip, summary.conflict
    );
    let rows: Vec<&(Action, Option<Outcome>)> =
        actions.iter().filter(|(a, _)| a.writes() || a.kind == Kind::Conflict).collect();
    if rows.is_empty() {
        return out;
    }
    out.push_str(if show_pace {
        "| action | issue | title | stage | pace |\n|---|---|---|---|---|\n"
    } else {
        "| action | issue | title |\n|---|---|---|\n"
    });
    for (a, _) in rows {
        let issue = match (&a.web_url, a.iid) {
            (Some(url), Some(iid)) if !url.is_empty() => format!("[#{iid}]({})", crate::escape::web_url(url)),
            (_, Some(iid)) => format!("#{iid}"),
            _ => "new".into(),
        };
        let _ = write!(out, "| {} | {issue} | {} |", a.kind.name(), crate::escape::inert(&a.title));
        if show_pace {
            let _ = write!(out, " {} | {} |", a.stage.as_deref().unwrap_or("-"), a.pace.map_or("-", Pace::id));
        }
        out.push('\n');
    }
    out
}

/// A Markdown summary: the counts, then a row per issue that was written or failed.
pub fn markdown(actions: &[(Action, Option<Outcome>)], summary: &Summary) -> String {
    let mut out = format!("# onboarder, {}\n\n", summary.today);
    if summary.offline {
        let _ = write!(out, "## {OFFLINE_NOTICE}\n\n");
    }
    if summary.unverified {
        let _ = write!(out, "## {UNVERIFIED_NOTICE}\n\n");
    }
    let _ = write!(out, "{}\n\n", summary.line());
    out.push_str(
        "| action | person | template | issue | stage | pace | checked | outcome |\n|---|---|---|---|---|---|---|---|\n",
    );
    for (a, o) in actions.iter().filter(|(a, o)| a.writes() || o.is_some() || a.kind == Kind::Conflict) {
        let issue = match (&a.web_url, a.iid) {
            (Some(url), Some(iid)) if !url.is_empty() => format!("[#{iid}]({url})"),
            (_, Some(iid)) => format!("#{iid}"),
            _ => "new".into(),
        };
        let outcome =
            o.as_ref().map_or("planned".to_string(), |o| o.error.clone().unwrap_or_else(|| o.status.to_string()));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {issue} | {} | {} | {}/{} | {} |",
            a.kind.name(),
            crate::escape::inert(&a.username),
            a.template,
            a.stage.as_deref().unwrap_or("-"),
            a.pace.map_or("-", Pace::id),
            a.checked,
            a.total,
            crate::escape::inert(&outcome)
        );
    }
    out
}
