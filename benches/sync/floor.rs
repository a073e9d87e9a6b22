//! The least a run can cost (the floor each measurement is set beside), and requests by route.

use std::collections::BTreeMap;
use std::time::Duration;

use fake_gitlab::FakeGitlab;

use super::{Setup, CONCURRENCY};

/// What a run must do at the least.
#[derive(Clone, Copy, Default)]
pub struct Expect {
    /// Open managed issues before the run (the listing pages).
    pub existing: usize,
    pub creates: usize,
    pub updates: usize,
    pub notes: usize,
    /// Requests for module issues, before anything is planned: one listing per person in scope
    /// (every bench person's learning path has module items), or past 100 people the modules
    /// project listed whole (`module_requests`).
    pub modules: usize,
}

/// The route a listing of one person's module issues is counted under (the same endpoint as
/// the managed issues' pages, told apart by its assignee filter).
pub const MODULE_LISTING: &str = "GET /projects/:id/issues (module issues)";

/// The least a run can cost.
pub struct Floor {
    pub requests: usize,
    /// Listing pages.
    pub pages: usize,
    /// Latency rounds: `GET /user`, page 1, the other pages `concurrency` at a time (the
    /// floor for a no-change run), then the writes and their re-reads `concurrency` at a time.
    pub rounds: usize,
    /// `rounds` × latency.
    pub latency: Duration,
    /// The latency floor, or the rate limits' floor when higher.
    pub wall: Duration,
}

pub fn floor(e: &Expect, latency: Duration, setup: &Setup) -> Floor {
    let pages = e.existing.div_ceil(100).max(1);
    // Writes and one re-read before every update; user ids come from the roster: no lookups.
    let work = e.creates + e.updates + e.notes + e.updates;
    let requests = 1 + e.modules + pages + work;
    let rounds = 2 + e.modules.div_ceil(CONCURRENCY) + (pages - 1).div_ceil(CONCURRENCY) + work.div_ceil(CONCURRENCY);
    let latency_floor = latency * rounds as u32;
    let window = setup.window();
    let creation_floor = window.mul_f64(e.creates as f64 / f64::from(setup.issue_creates));
    let note_floor = window.mul_f64(e.notes as f64 / f64::from(setup.notes));
    let request_floor = window.mul_f64(requests as f64 / f64::from(setup.requests));
    let wall = latency_floor.max(creation_floor).max(note_floor).max(request_floor);
    Floor { requests, pages, rounds, latency: latency_floor, wall }
}

/// The recorded requests by `METHOD route` (without `/api/v4`).
pub fn by_route(fake: &FakeGitlab) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for r in fake.requests() {
        // Module issues are listed most recently updated first, by person or the project whole.
        let assigned = r.query.split('&').any(|p| p.starts_with("assignee_id=") || p.starts_with("assignee_username"))
            || r.query.contains("order_by=updated_at");
        let route = match r.route.trim_start_matches("/api/v4") {
            "/projects/:id/issues" if r.method == "GET" && assigned => MODULE_LISTING.to_string(),
            other => format!("{} {other}", r.method),
        };
        *out.entry(route).or_default() += 1;
    }
    out
}

/// Listing pages recorded (`GET /projects/:id/issues`).
pub fn listing_pages(routes: &BTreeMap<String, usize>) -> usize {
    routes.get("GET /projects/:id/issues").copied().unwrap_or(0)
}

/// Requests above what the floor counts, by route: e.g. "1 × `GET /projects/:id`".
pub fn over_floor(routes: &BTreeMap<String, usize>, e: &Expect, f: &Floor) -> Vec<String> {
    let counted: BTreeMap<&str, usize> = [
        ("GET /user", 1),
        ("GET /projects/:id/issues", f.pages),
        (MODULE_LISTING, e.modules),
        ("POST /projects/:id/issues", e.creates),
        ("GET /projects/:id/issues/:iid", e.updates),
        ("PUT /projects/:id/issues/:iid", e.updates),
        ("POST /projects/:id/issues/:iid/notes", e.notes),
    ]
    .into_iter()
    .collect();
    routes
        .iter()
        .filter_map(|(route, n)| {
            let over = n.saturating_sub(counted.get(route.as_str()).copied().unwrap_or(0));
            (over > 0).then(|| format!("{over} × `{route}`"))
        })
        .collect()
}

/// What reading `people`'s module issues costs when the modules project holds none of them (the
/// bench's): one listing each, or past 100 people one page of the project listed whole.
pub fn module_requests(people: usize) -> usize {
    if people > 100 {
        1
    } else {
        people
    }
}
