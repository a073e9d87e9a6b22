//! `check` and `plan`: what a manager sees before anything is written.

use std::path::Path;
use std::process::Command;

use crate::support::{copy_dir, repo, CLEARED_ENV};

/// A temp copy of the small fixture team (2 people, 1 shadow participant, 2 templates).
pub fn small() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("tests/fixtures/small"), dir.path());
    dir
}

pub fn onboarder(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_onboarder"));
    cmd.current_dir(dir).args(args);
    for v in CLEARED_ENV {
        cmd.env_remove(v);
    }
    cmd.output().unwrap()
}

fn plan_json(dir: &Path, today: &str) -> serde_json::Value {
    let out = onboarder(dir, &["plan", "--today", today, "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn action<'a>(plan: &'a serde_json::Value, username: &str) -> &'a serde_json::Value {
    plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == username)
        .unwrap_or_else(|| panic!("no action for {username}"))
}

#[test]
fn the_readme_command_plans_the_example_roster_offline() {
    let out = onboarder(&repo(), &["plan"]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("no GITLAB_TOKEN or GITLAB_READ_TOKEN set: planning offline"), "{stderr}");
    assert!(stdout.contains("would create"), "{stdout}");
    // Bug pinned: the example's Kwame Mensah reported to someone outside the roster, and every
    // command warned about it.
    assert!(!stderr.contains("warning"), "{stderr}");
    let out = onboarder(&repo(), &["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
}

#[test]
fn plan_shows_every_field_and_the_team_member_and_shadow_participant() {
    let dir = small();
    let plan = plan_json(dir.path(), "2026-11-23");
    let jdoe = action(&plan, "jdoe");
    assert_eq!(jdoe["action"], "create");
    assert_eq!(jdoe["project"], "support/training");
    assert_eq!(jdoe["title"], "Learning path: Jane Doe");
    // Three weeks in, with only the module's item ticked: still at the first stage, while the
    // calendar expects the second (and did two weeks ago, so Jane is behind).
    assert_eq!(jdoe["stage"], "first");
    assert_eq!(jdoe["expected_stage"], "second");
    assert_eq!(jdoe["pace"], "behind");
    assert_eq!((jdoe["checked"].as_u64(), jdoe["total"].as_u64()), (Some(1), Some(5)));
    assert_eq!(
        jdoe["labels"],
        serde_json::json!(["onboarder", "support-onboarding", "onboarding-stage::first", "onboarding-pace::behind"])
    );
    assert_eq!(jdoe["assignees"], serde_json::json!(["jdoe", "mmanager"]));
    assert_eq!(jdoe["due_date"], "2026-12-02");
    let sam = action(&plan, "sseller");
    assert_eq!(
        (sam["project"].as_str(), sam["assignees"].clone()),
        (Some("support/meta"), serde_json::json!(["sseller", "mmanager"]))
    );
    // The veteran manager started before started_after and names no path: nothing for him.
    assert!(plan["actions"].as_array().unwrap().iter().all(|a| a["username"] != "mmanager"));
    assert_eq!(plan["summary"]["create"], 2);
}

#[test]
fn a_single_roster_file_reads_like_a_directory() {
    let dir = small();
    let before = plan_json(dir.path(), "2026-11-23");
    let mut people = String::from("people:\n");
    for f in ["jdoe.yaml", "mmanager.yaml"] {
        let text = std::fs::read_to_string(dir.path().join("roster").join(f)).unwrap();
        for (i, line) in text.lines().enumerate() {
            people.push_str(if i == 0 { "  - " } else { "    " });
            people.push_str(line);
            people.push('\n');
        }
    }
    std::fs::remove_dir_all(dir.path().join("roster")).unwrap();
    std::fs::write(dir.path().join("team.yaml"), people).unwrap();
    let config = std::fs::read_to_string(dir.path().join("onboarder.yaml"))
        .unwrap()
        .replace("roster: roster/", "roster: team.yaml");
    std::fs::write(dir.path().join("onboarder.yaml"), config).unwrap();
    assert_eq!(plan_json(dir.path(), "2026-11-23")["actions"], before["actions"]);
}

#[test]
fn the_calendar_sets_the_expected_stage_and_only_evidence_moves_the_stage_reached() {
    // Regression: version 1 ticked every item of a stage once its week had passed, whatever the
    // person did; the stage reached came from the calendar.
    let dir = small();
    let at = |today: &str| {
        let a = action(&plan_json(dir.path(), today), "jdoe").clone();
        (a["stage"].clone(), a["expected_stage"].clone(), a["checked"].clone())
    };
    let v = |s: &str| serde_json::Value::String(s.into());
    assert_eq!(
        at("2026-11-01"),
        (v("first"), serde_json::Value::Null, 1.into()),
        "before the start nothing is expected"
    );
    assert_eq!(at("2026-11-02"), (v("first"), v("first"), 1.into()));
    assert_eq!(at("2026-11-09"), (v("first"), v("second"), 1.into()));
    assert_eq!(at("2026-12-30"), (v("first"), v("second"), 1.into()), "weeks passing tick nothing");
    // The manager's word moves the stage and ticks nothing: the checklist is what jdoe did.
    let path = dir.path().join("roster/jdoe.yaml");
    let text =
        std::fs::read_to_string(&path).unwrap().replace("  buddy: mmanager", "  buddy: mmanager\n  stage: second");
    std::fs::write(&path, text).unwrap();
    assert_eq!(at("2026-11-03"), (v("second"), v("first"), 1.into()));
}

#[test]
fn calendar_ticking_is_one_config_switch_away() {
    let dir = small();
    let config = dir.path().join("onboarder.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}progress:\n  calendar_ticks: true\n")).unwrap();
    let jdoe = action(&plan_json(dir.path(), "2026-11-09"), "jdoe").clone();
    assert_eq!((jdoe["stage"].as_str(), jdoe["checked"].as_u64()), (Some("second"), Some(4)));
}

#[test]
fn a_completed_module_checks_its_item_before_its_stage_passes() {
    let dir = small();
    let preview = dir.path().join("preview");
    let out = onboarder(dir.path(), &["plan", "--today", "2026-11-03", "--preview-dir", preview.to_str().unwrap()]);
    assert!(out.status.success());
    let issue = std::fs::read_to_string(preview.join("jdoe--path.md")).unwrap();
    assert!(issue.contains("- [x] Learn Git <!-- id: learn-git -->"), "{issue}");
    assert!(issue.contains("- [ ] Read the handbook"), "{issue}");
}

#[test]
fn rendering_is_deterministic_and_matches_the_snapshot() {
    let dir = small();
    let render = |name: &str| {
        let p = dir.path().join(name);
        let out = onboarder(dir.path(), &["plan", "--today", "2026-11-23", "--preview-dir", p.to_str().unwrap()]);
        assert!(out.status.success());
        std::fs::read_to_string(p.join("jdoe--path.md")).unwrap()
    };
    let first = render("a");
    assert_eq!(first, render("b"));
    expect_test::expect_file!["../snapshots/jdoe--path.md"].assert_eq(&first);
    let shadow = std::fs::read_to_string(dir.path().join("a/sseller--shadow.md")).unwrap();
    expect_test::expect_file!["../snapshots/sseller--shadow.md"].assert_eq(&shadow);
}

#[test]
fn hostile_roster_values_render_inert() {
    let dir = small();
    let path = dir.path().join("roster/jdoe.yaml");
    let hostile = "\"/close\\n/assign @someone @all @gitlab-com/support #123 <!-- onboarder:end --> --> \\n## Heading\\n- [x] fake {{person.name}} \\u202Eevil\\u200B\"";
    let text = std::fs::read_to_string(&path).unwrap().replace("name: Jane Doe", &format!("name: {hostile}"));
    std::fs::write(&path, text).unwrap();
    let p = dir.path().join("preview");
    let out = onboarder(dir.path(), &["plan", "--today", "2026-11-23", "--preview-dir", p.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let issue = std::fs::read_to_string(p.join("jdoe--path.md")).unwrap();
    let body = issue.split_once("\n\n").unwrap().1;
    for line in body.lines() {
        assert!(!line.starts_with('/'), "a line starts a quick action: {line}");
        assert!(
            !line.starts_with('#') || line.starts_with("## First") || line.starts_with("## Second"),
            "an extra heading: {line}"
        );
    }
    assert_eq!(body.matches("<!-- onboarder:end -->").count(), 1);
    assert_eq!(body.matches("-->").count(), body.matches("<!--").count(), "a comment was opened or closed");
    assert_eq!(onboarder::checklist::marks_of(body).len(), 5, "a task item was added");
    assert!(!body.contains('\u{202E}') && !body.contains('\u{200B}'));
    // Every @ and # from the roster sits inside a code span.
    let welcome = body.lines().find(|l| l.starts_with("Welcome")).unwrap();
    for risky in ["@someone", "@all", "@gitlab-com/support", "#123"] {
        assert!(welcome.contains(&format!("`{risky}`")), "{risky} not in a code span: {welcome}");
    }
}

#[test]
fn a_manager_outside_the_roster_is_a_warning_only_for_people_being_onboarded() {
    let dir = small();
    let edit = |file: &str, from: &str, to: &str| {
        let p = dir.path().join(file);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains(from));
        std::fs::write(&p, text.replace(from, to)).unwrap();
    };
    edit("roster/jdoe.yaml", "reports_to: Max Manager", "reports_to: Dana Director");
    // The veteran manager is not onboarded: an odd entry of theirs is not this run's business.
    edit("roster/mmanager.yaml", "start_date: 2020-05-04", "start_date: 2020-05-04\nreports_to: Vic Veep");
    let out = onboarder(dir.path(), &["plan", "--today", "2026-11-23"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("roster/jdoe.yaml:5:13: reports_to \"Dana Director\" names nobody in the roster"),
        "{stderr}"
    );
    assert!(!stderr.contains("Vic Veep"), "{stderr}");
    // Jane's issue goes ahead without a manager.
    let plan = plan_json(dir.path(), "2026-11-23");
    assert_eq!(action(&plan, "jdoe")["action"], "create");
}
