//! A dashboard never passes GitLab's limit on a description, however many reports: past a size
//! budget it keeps those who most need attention and counts the rest.

use std::time::Instant;

use crate::dashboards::with_dashboards;
use crate::support::TRAINING;

/// GitLab's limit on a description, in bytes (`Issuable::DESCRIPTION_LENGTH_MAX`).
const LIMIT: usize = 1_048_576;
const REPORTS: usize = 2_500;

// Issue 22: a manager with 2,500 reports had a dashboard over 1 MB; GitLab refused it (400) on
// every run, and every run exited 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_manager_with_2500_reports_gets_a_dashboard_under_a_megabyte() {
    let ctx = with_dashboards("").await;
    // No pacing: the fake has no rate limits, and 2,500 creates would otherwise take minutes.
    let config = ctx.read("onboarder.yaml");
    ctx.write(
        "onboarder.yaml",
        &format!(
            "{config}\nrate_limits: {{window_seconds: 1, requests: 1000000, issue_creates: 1000000, notes: 1000000}}\nconcurrency: 16\n"
        ),
    );
    ctx.write(
        "roster/bboss.yaml",
        "name: Bea Boss\ntitle: Support Engineering Manager\nregion: EMEA\nstart_date: 2020-01-06\n\
         gitlab: {id: 7000000, username: bboss}\n",
    );
    ctx.fake.add_user_with_id(7_000_000, "bboss", "Bea Boss");
    for i in 0..REPORTS {
        let username = format!("report{i:04}");
        // Starts spread over five months: some on track, most behind by now.
        let start = chrono::NaiveDate::from_ymd_opt(2026, 6, 8).unwrap() + chrono::Days::new((i % 150) as u64);
        ctx.write(
            &format!("roster/{username}.yaml"),
            &format!(
                "name: Report {i:04}\ntitle: Support Engineer\nregion: AMER\nstart_date: {start}\nreports_to: Bea Boss\n\
                 gitlab: {{id: {}, username: {username}}}\n",
                8_000_000 + i
            ),
        );
        ctx.fake.add_user_with_id(8_000_000 + i as u64, &username, &format!("Report {i:04}"));
    }
    let started = Instant::now();
    let out = ctx.sync(&[]).await;
    assert_eq!(out.code(), 0, "{}", out.stderr());
    let first = started.elapsed();
    let board = ctx.issue_of(TRAINING, "Onboarding dashboard: Bea Boss");
    let size = board.description.len();
    eprintln!("the dashboard of {REPORTS} reports: {size} bytes, first run {first:?}");
    assert!(size < LIMIT, "{size} bytes");
    let d = &board.description;
    let note = d.lines().find(|l| l.contains("more not listed here")).expect("it says some are not listed");
    let shown = d.lines().filter(|l| l.starts_with("| [Report ")).count();
    let not_listed: usize = note.trim_start_matches("**").split(' ').next().unwrap().parse().unwrap();
    assert_eq!(shown + not_listed, REPORTS, "everyone is shown or counted: {note}");
    // The chart counts everyone, shown or not.
    let counted: usize = d
        .lines()
        .filter(|l| l.starts_with("    \"") && l.contains("\" : "))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<usize>().unwrap())
        .sum();
    assert_eq!(counted, REPORTS);
    // Those who most need attention are the ones listed: nobody on track before someone behind.
    let rank = |l: &str| ["**overdue**", "**behind**"].iter().position(|p| l.contains(p)).unwrap_or(2);
    let ranks: Vec<usize> = d.lines().filter(|l| l.starts_with("| [Report ")).map(rank).collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "who needs attention first");
    assert!(ranks.first().is_some_and(|r| *r < 2), "{ranks:?}");

    ctx.fake.clear_requests();
    let started = Instant::now();
    ctx.sync(&[]).await.ok();
    eprintln!(
        "a no-change run: {} requests ({} GET), {:?}",
        ctx.fake.requests().len(),
        ctx.fake.count("GET"),
        started.elapsed()
    );
    assert_eq!(
        ctx.fake.writes(),
        0,
        "{:?}",
        ctx.fake.requests().iter().filter(|r| r.method != "GET").collect::<Vec<_>>()
    );
}
