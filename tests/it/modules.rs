//! Training modules as evidence, against the fake GitLab: each module is an issue the person
//! opened from the module's template and is assigned to. A closed one ticks and links its item,
//! an open one links it, a module not opened gets a link that opens it; someone else's issue
//! never counts; a run reads one listing per person in scope; `check` names a module that is no
//! template's, with the closest. The test brings its own roster, template and module names.

use fake_gitlab::Issue;

use crate::support::{is_module_listing, module_listings, Ctx, TRAINING};

const TODAY: &str = "2026-11-23";
const OTHER: &str = "gitlab-com/support/modules-elsewhere";

const CONFIG: &str = "gitlab:\n  url: https://gitlab.example.com\n  project: gitlab-com/support/support-training\n\
roster: roster/\ntemplates: module-templates/\nstarted_after: 2026-06-01\nmarker_label: onboarder\n\
dashboards:\n  managers: false\n";

const TEMPLATE: &str = "---\nkey: module-path\ntitle: \"Module path: {{person.name}}\"\nroles: [engineer]\n\
assign: [person]\ndue_days: 90\nstages:\n  - {id: basics, title: Basics, week: 1}\n  - {id: deeper, title: Deeper, week: 3}\n\
---\n## Basics\n\
- [ ] Read the handbook <!-- id: read-handbook -->\n\
- [ ] You have completed the GitLab Omnibus module <!-- id: module-omnibus --> <!-- module: GitLab Omnibus -->\n\
- [ ] Subscriptions module <!-- id: module-subscriptions --> <!-- module: Subscriptions License and Renewals -->\n\
## Deeper\n\
- [ ] Documentation module <!-- id: module-docs --> <!-- module: Documentation -->\n\
- [ ] Pair with your buddy <!-- id: pair -->\n";

/// A path without module items: its people's module issues are never read.
const PLAIN: &str = "---\nkey: plain-path\ntitle: \"Plain path: {{person.name}}\"\nroles: [staff]\n\
assign: [person]\nstages:\n  - {id: only, title: Only, week: 1}\n---\n## Only\n- [ ] Read the handbook <!-- id: read-handbook -->\n";

/// A roster entry; Ben's gives no GitLab id, so his issues are asked for by username.
fn person(name: &str, username: &str, id: u64, title: &str, start: &str, extra: &str) -> String {
    let id = if username == "bbehind" { String::new() } else { format!("id: {id}, ") };
    format!("name: {name}\ntitle: {title}\nregion: EMEA\nstart_date: {start}\ngitlab: {{{id}username: {username}}}\n{extra}")
}

/// The test's own team: Dee and Ben on the module path (in scope), Pia paused, Sam on a path with
/// no module, and Mia, a manager who started long ago (out of scope).
async fn module_ctx() -> Ctx {
    let ctx = Ctx::new().await;
    std::fs::remove_dir_all(ctx.path("roster")).unwrap();
    ctx.write("onboarder.yaml", CONFIG);
    ctx.write("module-templates/module-path.md", TEMPLATE);
    ctx.write("module-templates/plain-path.md", PLAIN);
    let people = [
        ("Dee Diligent", "ddiligent", 910001, "Support Engineer", "2026-11-02", ""),
        ("Ben Behind", "bbehind", 910002, "Support Engineer", "2026-11-02", ""),
        ("Pia Paused", "ppaused", 910003, "Support Engineer", "2026-11-02", "onboarding:\n  status: paused\n"),
        ("Sam Staff", "sstaff", 910004, "Staff Support Engineer", "2026-11-02", ""),
        ("Mia Manager", "mmanager", 910005, "Support Engineering Manager", "2020-01-06", ""),
    ];
    for (name, username, id, title, start, extra) in people {
        ctx.write(&format!("roster/{username}.yaml"), &person(name, username, id, title, start, extra));
        ctx.fake.add_user_with_id(id, username, name);
    }
    ctx.fake.add_user("wendy", "Wendy Other");
    ctx
}

fn user(ctx: &Ctx, username: &str) -> u64 {
    ctx.fake.user_id(username).unwrap()
}

fn dee(ctx: &Ctx) -> Issue {
    ctx.issue_of(TRAINING, "Module path: Dee Diligent")
}

fn line_with<'a>(text: &'a str, id: &str) -> &'a str {
    let needle = format!("<!-- id: {id} -->");
    text.lines().find(|l| l.contains(&needle)).unwrap_or_else(|| panic!("no item {id} in:\n{text}"))
}

async fn sync(ctx: &Ctx) -> crate::support::Run {
    ctx.run(&["sync", "--today", TODAY, "--format", "json"]).await.ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_module_issue_ticks_and_links_its_item_an_open_one_links_it_and_one_not_opened_gets_a_link_to_open_it()
{
    let ctx = module_ctx().await;
    let (dee_id, wendy) = (user(&ctx, "ddiligent"), user(&ctx, "wendy"));
    // Dee's module issues, titled as people title them; one Wendy holds (Dee opened it for her)
    // and one of Wendy's own that names Dee's module: neither is Dee's.
    let omnibus = ctx.fake.human_open_issue(TRAINING, dee_id, "Dee Diligent - GitLab Omnibus", &[dee_id], true);
    let subs = ctx.fake.human_open_issue(TRAINING, dee_id, "subscriptions license & renewals: Dee", &[dee_id], false);
    ctx.fake.human_open_issue(TRAINING, dee_id, "Dee Diligent - Documentation", &[wendy], true);
    ctx.fake.human_open_issue(TRAINING, wendy, "Documentation - Dee Diligent", &[wendy], true);

    sync(&ctx).await;
    let text = dee(&ctx).description;
    let project = format!("{}/{TRAINING}", ctx.fake.url());
    assert_eq!(
        line_with(&text, "module-omnibus"),
        format!(
            "- [x] You have completed the GitLab Omnibus module ([module issue]({project}/-/issues/{omnibus})) \
             <!-- id: module-omnibus -->"
        ),
        "a closed module issue ticks its item and links it"
    );
    assert_eq!(
        line_with(&text, "module-subscriptions"),
        format!(
            "- [ ] Subscriptions module ([module issue]({project}/-/issues/{subs})) <!-- id: module-subscriptions -->"
        ),
        "an open one links it, unticked"
    );
    assert_eq!(
        line_with(&text, "module-docs"),
        format!(
            "- [ ] Documentation module ([open the module issue]({project}/-/issues/new?issuable_template=Documentation\
             &issue[title]=Dee%20Diligent%20-%20Documentation)) <!-- id: module-docs -->"
        ),
        "a module only others hold is not opened: a link opens it, titled for Dee"
    );
    assert_eq!(line_with(&text, "read-handbook"), "- [ ] Read the handbook <!-- id: read-handbook -->");

    // Nothing changed: nothing is written.
    ctx.fake.clear_requests();
    sync(&ctx).await;
    assert_eq!(ctx.fake.writes(), 0, "a rerun wrote: {:?}", ctx.fake.requests());

    // Dee closes the subscriptions module: the next run ticks it (one edit), the link stays.
    ctx.fake.human_edit(TRAINING, subs, |i| i.state = "closed".into());
    ctx.fake.clear_requests();
    sync(&ctx).await;
    assert_eq!(ctx.fake.count("PUT"), 1, "{:?}", ctx.fake.requests());
    assert!(line_with(&dee(&ctx).description, "module-subscriptions")
        .starts_with("- [x] Subscriptions module ([module issue]("));

    // Dee unticks the Omnibus item: her word wins over the closed issue, on this run and the next.
    let iid = dee(&ctx).iid;
    ctx.fake.human_edit(TRAINING, iid, |i| assert!(i.set_task("id: module-omnibus", false)));
    sync(&ctx).await;
    sync(&ctx).await;
    assert!(line_with(&dee(&ctx).description, "module-omnibus").starts_with("- [ ] You have completed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_reads_one_listing_per_person_in_scope_and_never_the_projects_history() {
    let ctx = module_ctx().await;
    let dee_id = user(&ctx, "ddiligent");
    // History the listing must not page through: 150 issues of other people, and Dee's own.
    let wendy = user(&ctx, "wendy");
    for n in 0..150 {
        ctx.fake.human_open_issue(TRAINING, wendy, &format!("Wendy - module {n}"), &[wendy], true);
    }
    ctx.fake.human_open_issue(TRAINING, dee_id, "Dee Diligent - GitLab Omnibus", &[dee_id], true);
    let ben = user(&ctx, "bbehind");
    ctx.fake.human_open_issue(TRAINING, ben, "Ben Behind - Documentation", &[ben], true);
    for run in ["plan", "sync"] {
        ctx.fake.clear_requests();
        ctx.run(&[run, "--today", TODAY]).await.ok();
        // In scope: Dee and Ben (the module path). Not Pia (paused), Sam (a path without
        // modules) or Mia (out of scope).
        assert_eq!(module_listings(&ctx.fake), 2, "{run}: {:?}", ctx.fake.requests());
        let listings: Vec<String> =
            ctx.fake.requests().into_iter().filter(is_module_listing).map(|r| r.query).collect();
        for q in &listings {
            for part in ["state=all", "per_page=100", "page=1", "not%5Blabels%5D=onboarder", "order_by=updated_at"] {
                assert!(q.contains(part), "{run}: {q} lacks {part}");
            }
        }
        let mut whom: Vec<&str> =
            listings.iter().filter_map(|q| q.split('&').find(|p| p.starts_with("assignee"))).collect();
        whom.sort();
        // By id where the roster gives one, else by username (GitLab takes one or the other).
        assert_eq!(whom, ["assignee_id=910001", "assignee_username%5B%5D=bbehind"], "{run}");
        // The modules project is the onboarding project: already resolved, no request for it.
        let resolves = ctx.fake.requests().iter().filter(|r| r.route == "/api/v4/projects/:id").count();
        assert_eq!(resolves, 1, "{run}: {:?}", ctx.fake.requests());
    }
    assert!(line_with(&dee(&ctx).description, "module-omnibus").starts_with("- [x]"));
    let ben = ctx.issue_of(TRAINING, "Module path: Ben Behind");
    assert!(line_with(&ben.description, "module-docs").starts_with("- [x]"), "found by username too");

    // A run for one person reads one listing.
    ctx.fake.clear_requests();
    ctx.run(&["sync", "--today", TODAY, "--only", "bbehind"]).await.ok();
    assert_eq!(module_listings(&ctx.fake), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn module_issues_are_read_from_the_modules_project_when_the_config_names_one() {
    let ctx = module_ctx().await;
    ctx.write("onboarder.yaml", &format!("{CONFIG}modules:\n  project: {OTHER}\n"));
    ctx.fake.add_project(OTHER);
    let dee_id = user(&ctx, "ddiligent");
    // The same module issue in the onboarding project does not count; the one in the modules project does.
    ctx.fake.human_open_issue(TRAINING, dee_id, "Dee Diligent - Documentation", &[dee_id], true);
    let omnibus = ctx.fake.human_open_issue(OTHER, dee_id, "Dee Diligent - GitLab Omnibus", &[dee_id], true);
    ctx.fake.clear_requests();
    sync(&ctx).await;
    let text = dee(&ctx).description;
    let other = format!("{}/{OTHER}", ctx.fake.url());
    assert!(
        line_with(&text, "module-omnibus").contains(&format!("[module issue]({other}/-/issues/{omnibus})")),
        "{text}"
    );
    assert!(line_with(&text, "module-docs").starts_with("- [ ] Documentation module ([open the module issue]("));
    assert!(
        line_with(&text, "module-docs").contains(&format!("({other}/-/issues/new?issuable_template=Documentation&"))
    );
    // One more request than with the onboarding project: the modules project's id.
    let resolves = ctx.fake.requests().iter().filter(|r| r.route == "/api/v4/projects/:id").count();
    assert_eq!((resolves, module_listings(&ctx.fake)), (2, 2), "{:?}", ctx.fake.requests());

    // A modules project the token cannot see stops the run before anything is written.
    ctx.write("onboarder.yaml", &format!("{CONFIG}modules:\n  project: gitlab-com/support/nowhere\n"));
    ctx.fake.clear_requests();
    let out = ctx.run(&["sync", "--today", TODAY]).await;
    assert_eq!(out.code(), 2, "{}", out.stderr());
    assert!(out.stderr().contains("cannot read the module issues in gitlab-com/support/nowhere"), "{}", out.stderr());
    assert_eq!(ctx.fake.writes(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_with_a_token_names_each_module_that_is_no_template_and_the_closest_one() {
    let ctx = module_ctx().await;
    for name in ["GitLab Omnibus", "Subscriptions License and Renewals", "Documentation"] {
        ctx.fake.add_issue_template(TRAINING, name, "- [ ] Work through the module\n");
    }
    ctx.edit("module-templates/module-path.md", "<!-- module: GitLab Omnibus -->", "<!-- module: Omnibus GitLab -->");
    ctx.edit("roster/sstaff.yaml", "start_date:", "modules:\n  - Documentation\n  - License & Renewals\nstart_date:");
    let out = ctx.run(&["check"]).await.ok();
    let err = out.stderr();
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(
        warnings,
        [
            format!(
                "warning: module-templates/module-path.md:13:80: module \"Omnibus GitLab\" names no issue template in \
                 {TRAINING}; the closest is \"GitLab Omnibus\""
            ),
            format!(
                "warning: roster/sstaff.yaml:6:5: module \"License & Renewals\" names no issue template in {TRAINING}; \
                 the closest is \"Subscriptions License and Renewals\""
            ),
        ],
        "{err}"
    );
    assert!(out.stdout().starts_with("ok:"), "{}", out.stdout());
    let asked: Vec<String> = ctx.fake.requests().iter().map(|r| format!("{} {}", r.method, r.route)).collect();
    assert!(asked.contains(&"GET /api/v4/projects/:id/templates/:type".to_string()), "{asked:?}");
    assert_eq!(ctx.fake.writes(), 0);

    // Without a token, `check` stays offline: no warning, no request.
    ctx.fake.clear_requests();
    let offline = ctx.run_env(&["check"], &[("GITLAB_URL", &ctx.fake.url())]).await.ok();
    assert!(!offline.stderr().contains("names no issue template"), "{}", offline.stderr());
    assert!(ctx.fake.requests().is_empty());
}

/// Issue 24: at 20,000 people one listing a person was 20,000 requests on every run. Past 100
/// people in scope, one look at the modules project's first page decides: when listing the whole
/// project takes fewer pages than there are people, it is listed whole (here one page for 120
/// people), and each person's module issues are the ones assigned to them, as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_a_hundred_people_the_modules_project_is_listed_whole_when_that_takes_fewer_pages() {
    let ctx = module_ctx().await;
    for n in 0..118 {
        let username = format!("hire{n}");
        ctx.write(
            &format!("roster/{username}.yaml"),
            &person(&format!("Hire {n}"), &username, 920000 + n, "Support Engineer", "2026-11-02", ""),
        );
        ctx.fake.add_user_with_id(920000 + n, &username, &format!("Hire {n}"));
    }
    let dee_id = user(&ctx, "ddiligent");
    ctx.fake.human_open_issue(TRAINING, dee_id, "Dee Diligent - GitLab Omnibus", &[dee_id], true);
    let ben = user(&ctx, "bbehind");
    ctx.fake.human_open_issue(TRAINING, ben, "Ben Behind - Documentation", &[ben], true);
    let wendy = user(&ctx, "wendy");
    ctx.fake.human_open_issue(TRAINING, wendy, "Documentation - Dee Diligent", &[wendy], true);
    for run in ["sync", "sync"] {
        ctx.fake.clear_requests();
        ctx.run(&[run, "--today", TODAY]).await.ok();
        assert_eq!(module_listings(&ctx.fake), 0, "no listing by person: {:?}", ctx.fake.requests());
        let whole: Vec<String> = ctx
            .fake
            .requests()
            .into_iter()
            .filter(|r| r.route == "/api/v4/projects/:id/issues" && r.query.contains("order_by=updated_at"))
            .map(|r| r.query)
            .collect();
        assert_eq!(whole.len(), 1, "one page holds the project's module issues: {whole:?}");
        assert!(whole[0].contains("not%5Blabels%5D=onboarder") && !whole[0].contains("assignee"), "{whole:?}");
    }
    // Dee's closed module issue ticks her item; Wendy's issue titled for Dee does not tick Dee's.
    let d = dee(&ctx).description;
    assert!(line_with(&d, "module-omnibus").starts_with("- [x]"), "{d}");
    assert!(line_with(&d, "module-docs").starts_with("- [ ]"), "{d}");
    let ben = ctx.issue_of(TRAINING, "Module path: Ben Behind");
    assert!(line_with(&ben.description, "module-docs").starts_with("- [x]"), "found by username too");
}
