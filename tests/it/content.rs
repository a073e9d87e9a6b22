//! The shipped templates say what the handbook says: each checkpoint of the Support Hybrid
//! Learning Path Checkpoints page is one required item, every detail is optional, Customer Support
//! Representatives get their own variant, and the paths with no timeline say so.

use std::path::Path;
use std::sync::Arc;

use onboarder::error::InputErrors;
use onboarder::template::{
    BuddyContext, ContactContext, PersonContext, SpecialtyContext, Template, TemplateContext, TemplateInfo, TemplateSet,
};

/// Checkpoints per stage on the handbook's Support Hybrid Learning Path Checkpoints page (44 in
/// all). Stage 1's third ("You've met most of your region ... if you're in EMEA or APAC") is
/// for those two regions only.
const CHECKPOINTS: [usize; 8] = [7, 8, 6, 7, 3, 4, 4, 5];

fn templates() -> TemplateSet {
    let dir: Arc<Path> = Path::new(env!("CARGO_MANIFEST_DIR")).join("issue-templates").into();
    let mut errors = InputErrors::default();
    let set = TemplateSet::load(&dir, &mut errors);
    assert!(errors.0.is_empty(), "{:?}", errors.0);
    set
}

fn person(role: &str, region_group: &str, specialty: SpecialtyContext) -> TemplateContext {
    TemplateContext {
        person: PersonContext {
            name: "Sample Person".into(),
            username: "sample-person".into(),
            title: role.into(),
            role: Some(role.into()),
            region: Some(region_group.into()),
            region_group: Some(region_group.into()),
            start_date: "2026-10-05".into(),
            end_date: None,
            department: "Support".into(),
            specialty,
        },
        manager: Some(ContactContext { name: Some("Sample Manager".into()), username: Some("sample-manager".into()) }),
        buddy: Some(BuddyContext { username: "sample-buddy".into() }),
        template: TemplateInfo { key: String::new(), title: String::new() },
        due_date: Some("2027-01-03".into()),
    }
}

/// What `t` renders for `ctx`: its text, and each item's id, stage and whether it is optional.
fn render(set: &TemplateSet, t: &Template, ctx: &TemplateContext) -> (String, Vec<(String, usize, bool)>) {
    let r = set.render(t, ctx).unwrap();
    let items = r.items(t).iter().map(|i| (i.id.to_string(), i.stage, i.optional)).collect();
    (r.text.clone(), items)
}

fn required_per_stage(t: &Template, items: &[(String, usize, bool)]) -> Vec<usize> {
    (0..t.stages.len()).map(|s| items.iter().filter(|(_, stage, opt)| *stage == s && !opt).count()).collect()
}

#[test]
fn each_checkpoint_is_one_required_item_for_every_role_and_region() {
    let set = templates();
    let t = set.get("support-learning-path").unwrap();
    for role in ["csr", "associate", "engineer", "senior", "staff"] {
        for region in ["AMER", "APAC", "EMEA"] {
            for specialty in [SpecialtyContext::default(), SpecialtyContext::of(|_| true)] {
                let (_, items) = render(&set, t, &person(role, region, specialty));
                let mut want = CHECKPOINTS;
                if region == "AMER" {
                    want[0] -= 1;
                }
                if role == "csr" {
                    // No onboarding buddy nomination and no Technical Assessment Interview module.
                    want[7] -= 2;
                }
                assert_eq!(required_per_stage(t, &items), want, "{role} in {region}, {specialty:?}");
            }
        }
    }
}

#[test]
fn stage_one_keeps_the_channels_calendars_and_groups_as_optional_details() {
    let set = templates();
    let t = set.get("support-learning-path").unwrap();
    let (_, items) = render(&set, t, &person("senior", "EMEA", SpecialtyContext::default()));
    let optional = |id: &str| items.iter().find(|(i, ..)| i == id).unwrap_or_else(|| panic!("no {id}")).2;
    for id in [
        "calendar-9bs159",
        "calendar-as6a08",
        "slack-support-team-chat",
        "slack-senior-support",
        "gitlab-group-support",
        "regional-groups-emea",
        "meeting-emea-weekly-news",
    ] {
        assert!(optional(id), "{id} holds stage 1 back");
        assert_eq!(items.iter().find(|(i, ..)| i == id).unwrap().1, 0, "{id} left stage 1");
    }
    for id in ["calendars-and-meeting-types", "coffee-chats", "met-region-team-call"] {
        assert!(!optional(id), "the checkpoint {id} is not required");
    }
}

#[test]
fn customer_support_representatives_get_their_own_variant() {
    let set = templates();
    let t = set.get("support-learning-path").unwrap();
    let (csr_text, csr) = render(&set, t, &person("csr", "EMEA", SpecialtyContext::default()));
    let (_, engineer) = render(&set, t, &person("engineer", "EMEA", SpecialtyContext::default()));
    let has = |items: &[(String, usize, bool)], id: &str| items.iter().any(|(i, ..)| i == id);
    for id in ["module-technical-assessment-interview", "ready-to-be-onboarding-buddy", "first-six-months-progress"] {
        assert!(!has(&csr, id), "a CSR gets {id}");
        assert!(has(&engineer, id), "an engineer lacks {id}");
    }
    assert!(has(&csr, "csr-career-matrix-progress") && !has(&engineer, "csr-career-matrix-progress"));
    assert!(csr_text.contains("/careers/matrix/support/csr/"), "the CSR career matrix is not linked");
}

#[test]
fn the_paths_with_no_timeline_turn_pace_off_and_the_learning_path_says_its_weeks_are_ours() {
    let set = templates();
    for key in ["promotion-senior", "promotion-staff", "promotion-manager", "support-manager-path"] {
        assert!(!set.get(key).unwrap().pace, "{key} has a pace");
    }
    let t = set.get("support-learning-path").unwrap();
    assert!(t.pace);
    let (text, _) = render(&set, t, &person("engineer", "EMEA", SpecialtyContext::default()));
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("team's choice")).collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    // The line names the weeks and the days the front matter sets, so the two cannot drift apart.
    let weeks: Vec<String> = t.stages.iter().map(|s| s.week.to_string()).collect();
    let (last, rest) = weeks.split_last().unwrap();
    let named = format!("weeks {} and {last}", rest.join(", "));
    assert!(lines[0].contains(&named), "{} does not say {named:?}", lines[0]);
    assert!(lines[0].contains(&format!("{} days", t.due_days.unwrap())), "{}", lines[0]);
}
