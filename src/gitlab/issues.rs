//! Issues and notes: listing (every page, whatever headers a proxy leaves), reading, creating,
//! editing and commenting. Wire types become `issue::Observed` here and nowhere else.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use futures::stream::{self, StreamExt, TryStreamExt};
use gitlab::api;
use gitlab::api::projects::issues::notes::{CreateIssueNote, IssueNotes};
use gitlab::api::projects::issues::{CreateIssue, EditIssue, Issue, IssueStateEvent, Issues};
use http::HeaderMap;
use serde::Deserialize;

use super::client::{Gitlab, User};
use super::errors::ApiError;
use super::transport::{header_u64, next_page, Call, Class};
use crate::issue::{Edit, NewIssue, Note, Observed};

#[derive(Deserialize)]
struct Author {
    id: u64,
    #[serde(default)]
    username: Option<String>,
}

#[derive(Deserialize)]
struct WireIssue {
    #[serde(default)]
    project_id: u64,
    iid: u64,
    title: String,
    description: Option<String>,
    state: String,
    #[serde(default)]
    labels: Vec<String>,
    #[serde(default)]
    assignees: Vec<User>,
    due_date: Option<String>,
    #[serde(default)]
    web_url: String,
    #[serde(default)]
    moved_to_id: Option<u64>,
    #[serde(default)]
    user_notes_count: u64,
    author: Option<Author>,
    created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    closed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    confidential: bool,
}

impl WireIssue {
    fn into_observed(self, project: &str) -> Observed {
        Observed {
            project: project.to_string(),
            project_id: self.project_id,
            iid: self.iid,
            title: self.title,
            description: self.description.unwrap_or_default(),
            open: self.state == "opened",
            labels: self.labels,
            assignee_ids: self.assignees.iter().map(|u| u.id).collect(),
            assignees: self.assignees.into_iter().map(|u| u.username).collect(),
            due_date: self.due_date.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
            web_url: self.web_url,
            moved_to_id: self.moved_to_id,
            user_notes_count: self.user_notes_count,
            author_id: self.author.as_ref().map(|a| a.id),
            author_username: self.author.and_then(|a| a.username),
            created_at: self.created_at,
            closed_at: self.closed_at,
            confidential: self.confidential,
            key_kept: None,
        }
    }
}

/// Filters for listing issues.
#[derive(Debug, Clone, Default)]
pub struct Listing<'a> {
    pub label: Option<&'a str>,
    /// A second label the issues must also carry (GitLab's `labels` is an AND).
    pub also_label: Option<&'a str>,
    /// Issues carrying ANY of these are left out (`not[labels]`, a comma list).
    pub not_labels: &'a [String],
    pub author_id: Option<u64>,
    pub created_after: Option<DateTime<Utc>>,
    pub updated_after: Option<DateTime<Utc>>,
    /// `opened`, `closed` or (the default) `all`.
    pub state: Option<&'a str>,
    /// Issues assigned to this person.
    pub assignee: Option<Assignee<'a>>,
    /// The most recently updated first (`order_by=updated_at`; GitLab's default is `created_at`).
    pub recent_first: bool,
}

/// Whom a listing's issues are assigned to: by user id when known, else by username. GitLab
/// takes one or the other (`mutually_exclusive :assignee_id, :assignee_username` in
/// lib/api/helpers/issues_helpers.rb).
#[derive(Debug, Clone, Copy)]
pub enum Assignee<'a> {
    Id(u64),
    Username(&'a str),
}

/// The first page of a listing, and whether GitLab has more.
#[derive(Debug, Clone, Default)]
pub struct FirstPage {
    pub issues: Vec<Observed>,
    pub more: bool,
    /// How many pages the listing has, when GitLab says (`X-Total-Pages`: not past 10,000 issues).
    pub total_pages: Option<u64>,
}

/// What a write asked GitLab to set, to compare with GitLab's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Asked {
    pub labels: Vec<String>,
    pub unlabels: Vec<String>,
    pub assignee_ids: Option<Vec<u64>>,
    pub due_date: Option<Option<NaiveDate>>,
}

impl Asked {
    pub fn create(new: &NewIssue, ids: &[u64]) -> Asked {
        Asked {
            labels: new.labels.clone(),
            unlabels: Vec::new(),
            assignee_ids: (!ids.is_empty()).then(|| ids.to_vec()),
            due_date: new.due_date.map(Some),
        }
    }

    pub fn edit(edit: &Edit, ids: Option<&[u64]>) -> Asked {
        Asked {
            labels: edit.add_labels.clone(),
            unlabels: edit.remove_labels.clone(),
            assignee_ids: ids.map(<[u64]>::to_vec),
            due_date: edit.due_date,
        }
    }

    /// The fields GitLab's answer shows were silently dropped (a token below Planner gets
    /// 200/201 with labels, assignees and due date ignored). Assignees are a set: GitLab answers
    /// them in no set order (`has_many :assignees` in app/models/issue.rb has none) and compares
    /// them as sets itself (`ids_changing?` in app/services/issuable_base_service.rb sorts both).
    /// A single-assignee tier keeping only the first id sent is not a drop.
    pub fn dropped(&self, answer: &Observed) -> Vec<&'static str> {
        let mut out = Vec::new();
        let has = |l: &String| answer.labels.iter().any(|x| x.eq_ignore_ascii_case(l));
        if !self.labels.iter().all(has) || self.unlabels.iter().any(has) {
            out.push("labels");
        }
        if let Some(ids) = &self.assignee_ids {
            let got = &answer.assignee_ids;
            let same = ids.iter().collect::<BTreeSet<_>>() == got.iter().collect::<BTreeSet<_>>();
            let kept_first = ids.len() > 1 && got.len() == 1 && got[0] == ids[0];
            if !same && !kept_first {
                out.push("assignees");
            }
        }
        if let Some(due) = self.due_date {
            if answer.due_date != due {
                out.push("due date");
            }
        }
        out
    }
}

/// A request's query parameters besides the endpoint's own.
type Query = Vec<(&'static str, String)>;

/// Issues a listing page holds (GitLab's most).
const PER_PAGE: usize = 100;
/// The most pages one listing reads: a million issues.
const MAX_PAGES: usize = 10_000;

/// Whether an answer says anything about paging (on the last page `X-Next-Page` is empty).
fn has_paging(h: &HeaderMap) -> bool {
    ["x-next-page", "x-total-pages", "x-page"].iter().any(|k| h.contains_key(*k)) || h.contains_key(http::header::LINK)
}

fn builder_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::Config(e.to_string())
}

impl Gitlab {
    /// Every issue in `project` matching the filter: pages of 100, following `X-Next-Page` or
    /// the `Link` header. When GitLab gives the page count, the pages after the first are
    /// fetched in parallel.
    pub async fn list_issues(&self, project: &str, filter: &Listing<'_>) -> Result<Vec<Observed>, ApiError> {
        self.list_issues_each(project, filter, &|o| o).await
    }

    /// `list_issues`, passing each issue through `each` as soon as its page is read, while later
    /// pages are still on their way: the caller can keep less of each issue than GitLab sends.
    pub async fn list_issues_each(
        &self,
        project: &str,
        filter: &Listing<'_>,
        each: &dyn Fn(Observed) -> Observed,
    ) -> Result<Vec<Observed>, ApiError> {
        let (ep, base) = self.listing(project, filter)?;
        let page = |n: u64| {
            let mut q = base.clone();
            q.push(("page", n.to_string()));
            q
        };
        let t = &self.inner.transport;
        let path = self.canonical(project);
        let read = |call: Call| {
            let path = &path;
            async move {
                let (headers, page): (HeaderMap, Vec<WireIssue>) = self.json(&call).await?;
                // A full page with no paging information at all cannot show it is the last one: a
                // proxy stripped the headers, and what follows it would be taken for gone.
                if page.len() >= PER_PAGE && !has_paging(&headers) {
                    return Err(ApiError::Server {
                        status: 200,
                        message: format!(
                            "GitLab's listing of {path} came back as a full page of {PER_PAGE} with no paging \
                             headers (X-Next-Page, Link): it cannot show it is complete, so nothing is decided on \
                             it; check the proxy in front of GitLab"
                        ),
                    });
                }
                Ok::<_, ApiError>((headers, page.into_iter().map(|i| each(i.into_observed(path))).collect::<Vec<_>>()))
            }
        };
        let (headers, mut issues) = read(t.call(&ep, &page(1), &[], Class::Read)?).await?;
        let mut next = next_page(&headers);
        if let (Some(n), Some(total)) = (next, header_u64(&headers, "x-total-pages")) {
            if total >= n {
                let calls =
                    (n..=total).map(|p| t.call(&ep, &page(p), &[], Class::Read)).collect::<Result<Vec<_>, _>>()?;
                let pages: Vec<(HeaderMap, Vec<Observed>)> =
                    stream::iter(calls).map(read).buffered(t.concurrency).try_collect().await?;
                next = pages.last().and_then(|(h, _)| next_page(h));
                issues.extend(pages.into_iter().flat_map(|(_, v)| v));
            }
        }
        let mut asked = BTreeSet::from([1]);
        // No total (GitLab leaves `X-Total-Pages` out past 10,000 issues): fetch ahead, a window
        // of `concurrency` pages in flight, in order, stopping at the first page that says it is
        // the last. At most a window's worth of pages past the end is asked for, and dropped.
        if let Some(start) = next.filter(|_| t.concurrency > 1) {
            next = None;
            let ahead = stream::iter(start..)
                .map(|p| {
                    let call = t.call(&ep, &page(p), &[], Class::Read);
                    async move { (p, async { read(call?).await }.await) }
                })
                .buffered(t.concurrency);
            futures::pin_mut!(ahead);
            while let Some((p, answer)) = ahead.next().await {
                let (headers, more) = answer?;
                asked.insert(p);
                let said_next = next_page(&headers);
                let last = more.is_empty() || said_next.is_none();
                issues.extend(more);
                if last || asked.len() > MAX_PAGES {
                    break;
                }
                if said_next != Some(p + 1) {
                    // Pages that do not follow one another: walk them as GitLab says, one by one.
                    next = said_next;
                    break;
                }
            }
        }
        while let Some(n) = next {
            // A page asked for twice means the headers loop: stop rather than spin. So does a
            // listing longer than any onboarding project holds.
            if !asked.insert(n) || asked.len() > MAX_PAGES {
                break;
            }
            let (headers, more) = read(t.call(&ep, &page(n), &[], Class::Read)?).await?;
            next = next_page(&headers);
            issues.extend(more);
        }
        // An issue created while we page can shift another onto two pages.
        let mut seen = BTreeSet::new();
        issues.retain(|i| seen.insert(i.iid));
        Ok(issues)
    }

    /// The endpoint and query of a listing, without its page number.
    fn listing(&self, project: &str, filter: &Listing<'_>) -> Result<(Issues<'static>, Query), ApiError> {
        let mut b = Issues::builder();
        b.project(self.project_ref(project)).issue_type(api::issues::IssueType::Issue);
        if let Some(label) = filter.label {
            b.labels(std::iter::once(label.to_string()).chain(filter.also_label.map(str::to_string)));
        }
        if let Some(author) = filter.author_id {
            b.author(author);
        }
        match filter.assignee {
            Some(Assignee::Id(id)) => {
                b.assignee_id(id);
            }
            Some(Assignee::Username(name)) => {
                b.assignee(name.to_string());
            }
            None => {}
        }
        if filter.recent_first {
            b.order_by(api::issues::IssueOrderBy::UpdatedAt);
        }
        if let Some(after) = filter.created_after {
            b.created_after(after);
        }
        if let Some(after) = filter.updated_after {
            b.updated_after(after);
        }
        let ep = b.build().map_err(builder_error)?;
        let mut base: Vec<(&str, String)> =
            vec![("state", filter.state.unwrap_or("all").into()), ("per_page", "100".into())];
        if !filter.not_labels.is_empty() {
            base.push(("not[labels]", filter.not_labels.join(",")));
        }
        Ok((ep, base))
    }

    /// Only the first page (100 issues) of a listing: one request, whatever the project holds.
    pub async fn first_issues_page(&self, project: &str, filter: &Listing<'_>) -> Result<FirstPage, ApiError> {
        let (ep, mut query) = self.listing(project, filter)?;
        query.push(("page", "1".into()));
        let call = self.inner.transport.call(&ep, &query, &[], Class::Read)?;
        let (headers, page): (HeaderMap, Vec<WireIssue>) = self.json(&call).await?;
        let path = self.canonical(project);
        // Without paging headers (a proxy stripped them), a full page may have more behind it.
        let more = next_page(&headers).is_some() || (page.len() >= PER_PAGE && !has_paging(&headers));
        let total_pages = if more { header_u64(&headers, "x-total-pages") } else { Some(1) };
        Ok(FirstPage { more, total_pages, issues: page.into_iter().map(|i| i.into_observed(&path)).collect() })
    }

    /// One issue, fresh.
    pub async fn issue(&self, project: &str, iid: u64) -> Result<Observed, ApiError> {
        let ep = Issue::builder().project(self.project_ref(project)).issue(iid).build().map_err(builder_error)?;
        let (_, w): (_, WireIssue) = self.json(&self.inner.transport.call(&ep, &[], &[], Class::Read)?).await?;
        Ok(w.into_observed(&self.canonical(project)))
    }

    /// Create an issue. A timeout or 5xx here may still have created it: the caller must look.
    /// Assignee ids go in the order given (GitLab Free keeps only the first).
    pub async fn create_issue(
        &self,
        project: &str,
        new: &NewIssue,
        description: &str,
        assignee_ids: &[u64],
    ) -> Result<Observed, ApiError> {
        let mut b = CreateIssue::builder();
        b.project(self.project_ref(project))
            .title(new.title.as_str())
            .description(description)
            .labels(new.labels.iter().map(String::as_str));
        if let Some(d) = new.due_date {
            b.due_date(d);
        }
        if new.confidential {
            b.confidential(true);
        }
        let ep = b.build().map_err(builder_error)?;
        let form: Vec<(&str, String)> = assignee_ids.iter().map(|id| ("assignee_ids[]", id.to_string())).collect();
        let (_, w): (_, WireIssue) =
            self.json(&self.inner.transport.call(&ep, &[], &form, Class::CreateIssue)?).await?;
        Ok(w.into_observed(&self.canonical(project)))
    }

    /// Change only the fields `edit` sets; labels by add/remove so people's labels stay.
    /// Never retried here: the caller re-reads and re-merges before trying again.
    pub async fn edit_issue(
        &self,
        project: &str,
        iid: u64,
        edit: &Edit,
        assignee_ids: Option<&[u64]>,
    ) -> Result<Observed, ApiError> {
        let mut b = EditIssue::builder();
        b.project(self.project_ref(project)).issue(iid);
        if let Some(t) = &edit.title {
            b.title(t.as_str());
        }
        if let Some(d) = &edit.description {
            b.description(d.as_str());
        }
        for l in &edit.add_labels {
            b.add_label(l.as_str());
        }
        for l in &edit.remove_labels {
            b.remove_label(l.as_str());
        }
        let mut form: Vec<(&str, String)> = Vec::new();
        match assignee_ids {
            Some([]) => {
                b.unassign();
            }
            Some(ids) => form.extend(ids.iter().map(|id| ("assignee_ids[]", id.to_string()))),
            None => {}
        }
        if let Some(Some(d)) = edit.due_date {
            b.due_date(d);
        }
        if edit.close {
            b.state_event(IssueStateEvent::Close);
        }
        if let Some(c) = edit.confidential {
            b.confidential(c);
        }
        let ep = b.build().map_err(builder_error)?;
        let (_, w): (_, WireIssue) = self.json(&self.inner.transport.call(&ep, &[], &form, Class::Edit)?).await?;
        Ok(w.into_observed(&self.canonical(project)))
    }

    /// Every note on an issue, newest first, with its author (to find a comment onboarder's own
    /// account already posted, and who ticked a box).
    pub async fn notes(&self, project: &str, iid: u64) -> Result<Vec<Note>, ApiError> {
        self.notes_until(project, iid, &|_| false).await
    }

    /// The notes of an issue, newest first, a page at a time until `enough` says the notes so far
    /// answer the question (who ticked a box is in the newest notes, usually the first page).
    pub async fn notes_until(
        &self,
        project: &str,
        iid: u64,
        enough: &dyn Fn(&[Note]) -> bool,
    ) -> Result<Vec<Note>, ApiError> {
        #[derive(serde::Deserialize)]
        struct WireNote {
            body: String,
            author: Author,
            #[serde(default)]
            system: bool,
            created_at: Option<DateTime<Utc>>,
        }
        let ep = IssueNotes::builder()
            .project(self.project_ref(project))
            .issue(iid)
            .sort(gitlab::api::common::SortOrder::Descending)
            .build()
            .map_err(builder_error)?;
        let note = |n: WireNote| Note {
            author_id: n.author.id,
            author_username: n.author.username,
            body: n.body,
            system: n.system,
            created_at: n.created_at,
        };
        self.pages_until(&ep, &note, enough).await
    }

    /// Post a comment. Not retried after a timeout: a second copy would be spam.
    pub async fn create_note(&self, project: &str, iid: u64, body: &str) -> Result<(), ApiError> {
        let ep = CreateIssueNote::builder()
            .project(self.project_ref(project))
            .issue(iid)
            .body(body)
            .build()
            .map_err(builder_error)?;
        self.inner.transport.send(&self.inner.transport.call(&ep, &[], &[], Class::CreateNote)?).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropped_fields_are_named_and_a_single_assignee_tier_is_not_a_drop() {
        let answer = Observed { labels: vec!["a".into()], assignee_ids: vec![5], ..Observed::default() };
        let asked = Asked { labels: vec!["a".into()], assignee_ids: Some(vec![5, 2]), ..Asked::default() };
        assert!(asked.dropped(&answer).is_empty());
        let asked = Asked {
            labels: vec!["a".into(), "b".into()],
            assignee_ids: Some(vec![2, 5]),
            due_date: Some(NaiveDate::from_ymd_opt(2026, 1, 1)),
            ..Asked::default()
        };
        assert_eq!(asked.dropped(&answer), ["labels", "assignees", "due date"]);
        // The same assignees in another order are what was asked (bug pinned: an answer in id
        // order was taken for a drop, and every later edit in the project left its fields out).
        let reordered = Observed { assignee_ids: vec![2, 5, 9], ..Observed::default() };
        let asked = Asked { assignee_ids: Some(vec![9, 2, 5]), ..Asked::default() };
        assert!(asked.dropped(&reordered).is_empty());
        // A single-assignee tier keeps the first id sent, not another one.
        let asked = Asked { assignee_ids: Some(vec![9, 2]), ..Asked::default() };
        assert_eq!(asked.dropped(&Observed { assignee_ids: vec![2], ..Observed::default() }), ["assignees"]);
        assert_eq!(asked.dropped(&Observed { assignee_ids: vec![9, 2, 7], ..Observed::default() }), ["assignees"]);
    }
}
