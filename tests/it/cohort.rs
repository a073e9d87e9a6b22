//! A cohort's first 98 days, as a team lives them: a sync every week, and three new hires who
//! start the same Monday. Dee does each stage's work in that stage's week and leaves about one
//! item in ten open; Sam does most of the first week and then stalls; Lea works like Dee but takes
//! three weeks of leave. What each of them reads, and hears, on every run.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::{Days, NaiveDate};
use fake_gitlab::Issue;

use crate::support::{Ctx, TRAINING};

const START: &str = "2027-01-04";
const DAYS: u64 = 98;
/// Lea's leave: days 28 to 48 of her path, both included.
const LEAVE: (u64, u64) = (28, 48);
const TEMPLATE: &str = "support-learning-path";

fn day(n: u64) -> NaiveDate {
    NaiveDate::parse_from_str(START, "%Y-%m-%d").unwrap() + Days::new(n)
}

fn roster_entry(name: &str, username: &str, extra: &str) -> String {
    format!(
        "name: {name}\ntitle: Support Engineer\nregion: EMEA\nstart_date: {START}\nreports_to: Dana Whitfield\n\
         gitlab:\n  username: {username}\nmodules: []\nonboarding:\n  buddy: wtan\n{extra}"
    )
}

/// The learning path's stage weeks, from the example's template.
fn stage_weeks(ctx: &Ctx) -> Vec<u32> {
    let mut errors = onboarder::error::InputErrors::default();
    let dir: Arc<Path> = Arc::from(ctx.path("issue-templates").into_boxed_path());
    let set = onboarder::template::TemplateSet::load(&dir, &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
    set.get(TEMPLATE).unwrap().stages.iter().map(|s| s.week).collect()
}

/// One checklist item of an issue, as a person sees it.
#[derive(Debug, Clone)]
struct Item {
    id: String,
    text: String,
    stage: usize,
    ticked: bool,
}

/// The items of onboarder's part of the issue, each in the stage whose heading precedes it.
fn items(issue: &Issue) -> Vec<Item> {
    let mut stage: Option<usize> = None;
    let mut out = Vec::new();
    for line in issue.description.lines() {
        if line.starts_with("## ") {
            stage = Some(stage.map_or(0, |s| s + 1));
            continue;
        }
        let (Some(stage), Some(id)) = (stage, line.split("<!-- id: ").nth(1).and_then(|r| r.split(" -->").next()))
        else {
            continue;
        };
        let trimmed = line.trim_start();
        let Some(rest) = trimmed.strip_prefix("- [").or_else(|| trimmed.split_once(". [").map(|(_, r)| r)) else {
            continue;
        };
        let ticked = !rest.starts_with(' ');
        let text = rest[2..].split(" <!--").next().unwrap_or_default().trim().to_string();
        out.push(Item { id: id.to_string(), text, stage, ticked });
    }
    out
}

/// How a hire works: by the run of `today`, the stages whose week has ended on their own clock
/// (`worked` days) are done but for every tenth item. A training module is done the way GitLab
/// Support does it: its module issue ("<name> - <module>", assigned to them) is opened when its
/// stage's week begins and closed when it ends (`modules`: module item id -> that issue's iid).
fn work(ctx: &Ctx, hire: (u64, &str), weeks: &[u32], worked: u64, last: Option<usize>, modules: &mut Modules) {
    let (user, name) = hire;
    let issue = path_issue(ctx, name);
    let all = items(&issue);
    let in_scope = |i: &Item| last.is_none_or(|l| i.stage <= l);
    let begun = |i: &Item| u64::from(weeks[i.stage] - 1) * 7 <= worked;
    let ended = |i: &Item| u64::from(weeks[i.stage]) * 7 <= worked;
    for item in all.iter().filter(|i| in_scope(i) && begun(i)) {
        let iid = match (modules.get(&item.id), module_of(&item.text)) {
            (Some(iid), _) => *iid,
            (None, Some(module)) => {
                let iid = ctx.fake.human_open_issue(TRAINING, user, &format!("{name} - {module}"), &[user], false);
                modules.insert(item.id.clone(), iid);
                iid
            }
            (None, None) => continue,
        };
        if ended(item) && ctx.fake.issue(TRAINING, iid).unwrap().is_open() {
            ctx.fake.human_edit_by(user, TRAINING, iid, |i| {
                i.state = "closed".into();
                i.closed_by_id = Some(user);
            });
        }
    }
    let due: Vec<&Item> = all
        .iter()
        .enumerate()
        .filter(|(n, i)| in_scope(i) && ended(i) && n % 10 != 9 && !i.ticked && !is_module(i))
        .map(|(_, i)| i)
        .collect();
    if due.is_empty() {
        return;
    }
    ctx.fake.human_edit_by(user, TRAINING, issue.iid, |i| {
        for item in &due {
            assert!(i.set_task(&format!("<!-- id: {} -->", item.id), true), "{}", item.id);
        }
    });
}

/// Module item id -> the iid of the module issue the hire opened for it.
type Modules = BTreeMap<String, u64>;

fn is_module(i: &Item) -> bool {
    i.text.contains("module issue](")
}

/// The module an item is about, from its link to open the module issue (not opened yet).
fn module_of(text: &str) -> Option<String> {
    let encoded = text.split("issuable_template=").nth(1)?.split(['&', ')']).next()?;
    Some(percent_encoding::percent_decode_str(encoded).decode_utf8_lossy().into_owned())
}

/// A hire's learning-path issue (their module issues carry their name too).
fn path_issue(ctx: &Ctx, name: &str) -> Issue {
    ctx.issue_of(TRAINING, &format!("Support learning path: {name}"))
}

fn label(issue: &Issue, prefix: &str) -> String {
    issue.labels.iter().find_map(|l| l.strip_prefix(prefix)).unwrap_or_default().to_string()
}

/// onboarder's comments on an issue, oldest first.
fn comments(ctx: &Ctx, issue: &Issue) -> Vec<String> {
    ctx.fake.user_notes(TRAINING, issue.iid).into_iter().filter(|n| n.author_id == ctx.bot).map(|n| n.body).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cohorts_first_98_days_read_true_for_the_diligent_the_stalled_and_the_one_on_leave() {
    let ctx = Ctx::new().await;
    let hires = [("Dee Diligent", "ddiligent"), ("Sam Stalled", "sstalled"), ("Lea Leave", "lleave")];
    let mut ids = BTreeMap::new();
    for (name, username) in hires {
        ids.insert(username, ctx.fake.add_user(username, name));
    }
    ctx.write("roster/ddiligent.yaml", &roster_entry("Dee Diligent", "ddiligent", ""));
    ctx.write("roster/sstalled.yaml", &roster_entry("Sam Stalled", "sstalled", ""));
    let leave = format!("  leave: [{{from: {}, to: {}}}]\n", day(LEAVE.0), day(LEAVE.1));
    ctx.write("roster/lleave.yaml", &roster_entry("Lea Leave", "lleave", &leave));
    let weeks = stage_weeks(&ctx);
    let last = weeks.len() - 1;

    let mut modules: BTreeMap<&str, Modules> = BTreeMap::new();
    // (day, pace) per hire, and the comments each had after each run.
    let mut paces: BTreeMap<&str, Vec<(u64, String)>> = BTreeMap::new();
    let mut heard: BTreeMap<&str, Vec<(u64, usize)>> = BTreeMap::new();
    for run in 0..=DAYS / 7 {
        let today = run * 7;
        if today > 0 {
            let dee = (ids["ddiligent"], "Dee Diligent");
            work(&ctx, dee, &weeks, today, None, modules.entry("ddiligent").or_default());
            let sam = (ids["sstalled"], "Sam Stalled");
            work(&ctx, sam, &weeks, today, Some(0), modules.entry("sstalled").or_default());
            let away = today.min(LEAVE.1 + 1).saturating_sub(LEAVE.0);
            let lea = (ids["lleave"], "Lea Leave");
            work(&ctx, lea, &weeks, today - away, None, modules.entry("lleave").or_default());
        }
        let out = ctx.run(&["sync", "--today", &day(today).to_string()]).await.ok();
        assert!(!out.stdout().contains("FAILED"), "day {today}: {}", out.stdout());
        for (name, username) in hires {
            let issue = path_issue(&ctx, name);
            paces.entry(username).or_default().push((today, label(&issue, "onboarding-pace::")));
            heard.entry(username).or_default().push((today, comments(&ctx, &issue).len()));
        }
    }

    // Dee: on track on every weekly run, at the last stage by the end, never escalated, and told
    // no more than she needs.
    let dee = path_issue(&ctx, "Dee Diligent");
    assert!(paces["ddiligent"].iter().all(|(_, p)| p == "on-track"), "{:?}", paces["ddiligent"]);
    assert_eq!(label(&dee, "onboarding-stage::"), ctx_stage_id(&ctx, last), "she reaches the last stage");
    // Her module items were ticked by her closed module issues, and each links to its issue.
    let opened = &modules["ddiligent"];
    assert!(opened.len() >= 4, "{opened:?}");
    for item in items(&dee).iter().filter(|i| is_module(i)) {
        let iid = opened.get(&item.id).unwrap_or_else(|| panic!("no module issue for {}", item.id));
        assert!(item.ticked, "{}: its module issue is closed", item.id);
        assert!(item.text.contains(&format!("/-/issues/{iid})")), "{}: {}", item.id, item.text);
    }
    let said = comments(&ctx, &dee);
    assert!(said.len() <= 10, "{} comments: {said:#?}", said.len());
    assert!(said.iter().all(|c| !c.contains("@dwhitfield") && !c.contains("behind")), "{said:#?}");

    // Sam: on track while the grace lasts, behind from week 6 on, and his nudge names what he
    // has open; his manager hears of it a week after the nudge, not before.
    let sam = path_issue(&ctx, "Sam Stalled");
    let early: Vec<&(u64, String)> = paces["sstalled"].iter().filter(|(d, _)| *d <= 21).collect();
    assert!(early.iter().all(|(_, p)| p == "on-track"), "{:?}", paces["sstalled"]);
    let late: Vec<&(u64, String)> = paces["sstalled"].iter().filter(|(d, _)| *d >= 35).collect();
    assert!(late.iter().all(|(_, p)| p == "behind" || p == "overdue"), "{:?}", paces["sstalled"]);
    let nudge = comments(&ctx, &sam).into_iter().find(|c| c.contains("onboarder:note behind:")).expect("a nudge");
    let open: Vec<Item> = items(&sam).into_iter().filter(|i| !i.ticked).collect();
    // The comment's text is escaped for Markdown: compare without the escapes.
    let unescaped = nudge.replace('\\', "");
    assert!(open.iter().any(|i| unescaped.contains(&plain(&i.text))), "the nudge names an open item: {nudge}");
    assert!(!nudge.contains("@dwhitfield"), "the manager is not in the first nudge: {nudge}");
    let to_manager = comments(&ctx, &sam).into_iter().filter(|c| c.contains("@dwhitfield")).count();
    assert!(to_manager >= 1, "the manager is told once the nudge is a week old");

    // Lea: nothing said while away or in the week after, and never behind because of the leave.
    assert!(paces["lleave"].iter().all(|(_, p)| p == "on-track"), "{:?}", paces["lleave"]);
    let count_at = |d: u64| heard["lleave"].iter().find(|(x, _)| *x == d).map(|(_, n)| *n).unwrap();
    let before = count_at(21);
    for d in (28..=LEAVE.1 + 7).step_by(7) {
        assert_eq!(count_at(d), before, "day {d}: a comment during the leave or the week after");
    }

    // The last run again: nothing to write.
    ctx.fake.clear_requests();
    ctx.run(&["sync", "--today", &day(DAYS).to_string()]).await.ok();
    assert_eq!(ctx.fake.writes(), 0, "{:?}", ctx.fake.requests());
}

/// The id of the learning path's stage `n`.
fn ctx_stage_id(ctx: &Ctx, n: usize) -> String {
    let mut errors = onboarder::error::InputErrors::default();
    let dir: Arc<Path> = Arc::from(ctx.path("issue-templates").into_boxed_path());
    let set = onboarder::template::TemplateSet::load(&dir, &mut errors);
    set.get(TEMPLATE).unwrap().stages[n].id.clone()
}

/// An item's text as a comment quotes it: a link's words without its target.
fn plain(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let (Some(open), Some(mid)) = (rest.find('['), rest.find("](")) {
        let Some(end) = rest[mid..].find(')').map(|e| mid + e) else { break };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..mid]);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out.chars().take(40).collect()
}
