//! Module issues through the GitLab client: each in-scope person's, read before anything is
//! planned (`evidence`), and the modules project's issue templates, held against the module
//! names of the templates and the roster by `check` (`check_names`).

use std::collections::{BTreeMap, BTreeSet};

use futures::stream::{self, StreamExt, TryStreamExt};

use super::env::{gitlab_url, token, Mode};
use super::inputs::Inputs;
use crate::desired::Desired;
use crate::error::Located;
use crate::gitlab::{reach_advice, ApiError, Assignee, FirstPage, Gitlab, Listing, Project};
use crate::issue::Observed;
use crate::roster::Person;
use crate::training::{closest, Evidence, Who};

/// The modules project, resolved once (`GET /projects/:path`, unless the run resolved it already).
async fn modules_project(gl: &Gitlab, spelling: &str) -> Result<Project, ApiError> {
    if let Some(p) = gl.project(spelling) {
        return Ok(p);
    }
    let mut found = gl.resolve_projects(&BTreeSet::from([spelling.to_string()])).await;
    match found.remove(spelling) {
        Some(Ok(p)) => Ok(p),
        Some(Err(ApiError::NotFound(_))) => {
            Err(ApiError::NotFound(format!("404 Project Not Found: {}", reach_advice(spelling))))
        }
        Some(Err(e)) => Err(e),
        None => Err(ApiError::Config(format!("project {spelling} was not resolved"))),
    }
}

/// The people whose module issues a run reads: those with an issue planned in this run (selected,
/// not paused) on a path whose template has module items. One listing each.
fn in_scope<'a>(inputs: &'a Inputs, desired: &Desired) -> Vec<&'a Person> {
    let with_modules = inputs.templates.with_modules();
    let mut people: BTreeMap<String, &Person> = BTreeMap::new();
    for d in desired.issues.iter().filter(|d| !d.paused && with_modules.contains(&d.template)) {
        if let Some(p) = inputs.roster.people.get(d.person) {
            people.entry(p.username.to_lowercase()).or_insert(p);
        }
    }
    people.into_values().collect()
}

/// Above this many people in scope, the modules project's issues may be listed whole instead of
/// one listing a person, when that takes fewer pages than there are people.
const LIST_WHOLE_PROJECT_ABOVE: usize = 100;

/// Every in-scope person's module issues: one request each (the first page of the issues in the
/// modules project assigned to them, open or closed, the most recently updated first, without
/// onboarder's own), `concurrency` at a time. With more than `LIST_WHOLE_PROJECT_ABOVE` people,
/// the project's issues are listed whole instead when GitLab says that takes fewer pages (one
/// look at its first page decides). Nobody in scope: no request at all.
pub(super) async fn evidence(
    gl: &Gitlab,
    url: &str,
    inputs: &Inputs,
    desired: &Desired,
    bots: &[u64],
) -> Result<Evidence, ApiError> {
    let people = in_scope(inputs, desired);
    if people.is_empty() {
        return Ok(Evidence::none());
    }
    let config = &inputs.config;
    let project = modules_project(gl, &config.modules.project).await?;
    let marker = std::slice::from_ref(&config.marker_label);
    let path = project.path.as_str();
    // Onboarder's own issues are never module issues: what its accounts opened, what carries its
    // label (a GitLab that ignores `not[labels]` lists them), what holds its region.
    let own = |o: &Observed| {
        o.author_id.is_some_and(|a| bots.contains(&a))
            || o.labels.iter().any(|l| l.eq_ignore_ascii_case(&config.marker_label))
            || o.key().is_some()
    };
    let whole = Listing { not_labels: marker, recent_first: true, ..Listing::default() };
    let mut listed: Option<Vec<(&Person, FirstPage)>> = None;
    if people.len() > LIST_WHOLE_PROJECT_ABOVE {
        let first = gl.first_issues_page(path, &whole).await?;
        if first.total_pages.is_some_and(|pages| pages < people.len() as u64) {
            // A module issue's description is long and never needed: only whether it is
            // onboarder's own (its key) is kept.
            let keep_less = |o: Observed| {
                let key = crate::region::key_of(&o.description);
                Observed { description: String::new(), key_kept: key, ..o }
            };
            let all = match first.more {
                true => gl.list_issues_each(path, &whole, &keep_less).await?,
                false => first.issues.into_iter().map(keep_less).collect(),
            };
            listed = Some(by_assignee(&people, all));
        }
    }
    let listed = match listed {
        Some(l) => l,
        None => {
            stream::iter(people)
                .map(|p| async move {
                    let assignee = match p.gitlab_id {
                        Some(id) => Assignee::Id(id),
                        None => Assignee::Username(&p.username),
                    };
                    let filter = Listing {
                        assignee: Some(assignee),
                        not_labels: marker,
                        recent_first: true,
                        ..Listing::default()
                    };
                    Ok::<_, ApiError>((p, gl.first_issues_page(path, &filter).await?))
                })
                .buffer_unordered(gl.concurrency())
                .try_collect()
                .await?
        }
    };
    let spelling = &config.modules.project;
    let at = format!("{}/{spelling}", url.trim_end_matches('/'));
    let mut evidence = Evidence::new(&at).ok_or_else(|| ApiError::Config(format!("{at} is not a web address")))?;
    for (p, page) in &listed {
        if page.more {
            eprintln!(
                "warning: {} has more than 100 issues assigned in {}: only the 100 most recently updated are read \
                 for their training modules",
                p.username, project.path
            );
        }
        let who = Who { username: &p.username, name: &p.name, user_id: p.gitlab_id };
        evidence.add(who, &page.issues, &own);
    }
    tracing::info!(
        "read the module issues of {} people in {}: {} found",
        listed.len(),
        project.path,
        evidence.issues()
    );
    Ok(evidence)
}

/// The issues of a whole listing, each under the people it is assigned to (by id, or by username
/// for a person without one), as if each person's had been listed alone.
fn by_assignee<'p>(people: &[&'p Person], all: Vec<Observed>) -> Vec<(&'p Person, FirstPage)> {
    let mut by_id: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    let mut by_name: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (n, o) in all.iter().enumerate() {
        for id in &o.assignee_ids {
            by_id.entry(*id).or_default().push(n);
        }
        for name in &o.assignees {
            by_name.entry(name.to_lowercase()).or_default().push(n);
        }
    }
    people
        .iter()
        .map(|p| {
            let mut found: BTreeSet<usize> =
                p.gitlab_id.and_then(|id| by_id.get(&id)).into_iter().flatten().copied().collect();
            found.extend(by_name.get(&p.username.to_lowercase()).into_iter().flatten().copied());
            let issues = found.into_iter().map(|n| all[n].clone()).collect();
            (*p, FirstPage { issues, more: false, total_pages: Some(1) })
        })
        .collect()
}

/// With a token, `check` warns about every module name of a template or a roster entry that
/// names no issue template of the modules project, with the closest one. Warnings only: the
/// exit status stays what the inputs make it.
pub(super) fn check_names(inputs: &Inputs) {
    let config = &inputs.config;
    let (Some(url), Some(token)) = (gitlab_url(config), token(Mode::Plan)) else {
        tracing::info!("no GitLab URL or token: module names are not held against the modules project's templates");
        return;
    };
    let project = &config.modules.project;
    let read = async {
        let gl = Gitlab::connect(&url, &token, config.gitlab.accept_invalid_certs, &config.sync.client).await?;
        let resolved = modules_project(&gl, project).await?;
        gl.issue_templates(&resolved.path).await
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
    let templates = match runtime.map_err(|e| ApiError::Config(e.to_string())).and_then(|rt| rt.block_on(read)) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("warning: could not check the module names against the issue templates of {project}: {e}");
            return;
        }
    };
    let mut names: Vec<&Located<String>> = Vec::new();
    let in_templates = inputs.templates.module_names();
    names.extend(&in_templates);
    names.extend(inputs.roster.people.iter().flat_map(|p| &p.modules_at));
    names.sort_by(|a, b| (&a.at.file, a.at.line, a.at.column).cmp(&(&b.at.file, b.at.line, b.at.column)));
    for m in names.into_iter().filter(|m| !templates.contains(&m.value)) {
        let hint = match closest(&m.value, templates.iter().map(String::as_str)) {
            Some(near) => format!("; the closest is {near:?}"),
            None if templates.is_empty() => format!("; {project} has no issue templates"),
            None => "; none is close".to_string(),
        };
        eprintln!("warning: {}: module {:?} names no issue template in {project}{hint}", m.at, m.value);
    }
}
