//! The issue list's filters and sort order, parsed from the query the way GitLab reads them.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};

use super::search::Search;
use super::validate::{self, ISSUE_TYPES};
use crate::model::Issue;
use crate::params::Params;
use crate::reply::Reply;
use crate::state::State;

const ORDER_BY: &[&str] = &[
    "created_at",
    "updated_at",
    "priority",
    "due_date",
    "relative_position",
    "label_priority",
    "milestone_due",
    "popularity",
    "weight",
    "title",
];

enum AssigneeFilter {
    None,
    Any,
    Id(u64),
}

/// The list filters GitLab applies; unknown parameters are ignored, as GitLab does.
pub(super) struct Filter {
    state: Option<&'static str>,
    labels: Option<Vec<String>>,
    not_labels: Vec<String>,
    author_id: Option<u64>,
    not_author_id: Option<u64>,
    author_username: Option<String>,
    assignee: Option<AssigneeFilter>,
    assignee_usernames: Vec<String>,
    iids: Option<Vec<u64>>,
    created_after: Option<DateTime<Utc>>,
    created_before: Option<DateTime<Utc>>,
    updated_after: Option<DateTime<Utc>>,
    updated_before: Option<DateTime<Utc>>,
    issue_type: Option<&'static str>,
    confidential: Option<bool>,
    search: Option<Search>,
    order_by: &'static str,
    descending: bool,
}

/// Every value given for `name` (or `name[]`), as given: GitLab does not split
/// `assignee_username` on commas (`CheckAssigneesCount.coerce` wraps a string in an array).
fn raw_values(p: &Params, name: &str) -> Vec<String> {
    let bracketed = format!("{name}[]");
    p.pairs().iter().filter(|(k, _)| *k == name || *k == bracketed).map(|(_, v)| v.clone()).collect()
}

/// Grape's `mutually_exclusive`: 400 when both are given.
fn exclusive(p: &Params, a: &str, b: &str) -> Result<(), Reply> {
    if p.has(a) && p.has(b) {
        return Err(Reply::error(400, &format!("{a}, {b} are mutually exclusive")));
    }
    Ok(())
}

impl Filter {
    /// The filters of `p` (lib/api/issues.rb, `issues_stats_params`). On Free (`free_mode`) an
    /// issue has one assignee and `assignee_username` takes one value (CheckAssigneesCount).
    pub(super) fn parse(p: &Params, free_mode: bool) -> Result<Self, Reply> {
        exclusive(p, "author_id", "author_username")?;
        exclusive(p, "assignee_id", "assignee_username")?;
        let assignee_usernames = raw_values(p, "assignee_username");
        if free_mode && assignee_usernames.len() > 1 {
            return Err(Reply::error(
                400,
                &format!(
                    "assignee_username allows one value, but found {}: {}",
                    assignee_usernames.len(),
                    assignee_usernames.join(", ")
                ),
            ));
        }
        let state = match validate::one_of(p, "state", &["opened", "closed", "all"])? {
            Some("all") | None => None,
            other => other,
        };
        let assignee = match p.get("assignee_id").map(str::trim) {
            None => None,
            Some(v) if v.eq_ignore_ascii_case("none") => Some(AssigneeFilter::None),
            Some(v) if v.eq_ignore_ascii_case("any") => Some(AssigneeFilter::Any),
            Some(v) => Some(AssigneeFilter::Id(v.parse().map_err(|_| validate::invalid("assignee_id"))?)),
        };
        Ok(Filter {
            state,
            labels: p.list("labels").filter(|l| !l.is_empty()),
            not_labels: p.list("not[labels]").unwrap_or_default(),
            author_id: validate::opt_u64(p, "author_id")?,
            not_author_id: validate::opt_u64(p, "not[author_id]")?,
            author_username: p.get("author_username").map(str::to_string),
            assignee,
            assignee_usernames,
            iids: validate::id_list(p, "iids")?,
            created_after: validate::opt_time(p, "created_after")?,
            created_before: validate::opt_time(p, "created_before")?,
            updated_after: validate::opt_time(p, "updated_after")?,
            updated_before: validate::opt_time(p, "updated_before")?,
            issue_type: validate::one_of(p, "issue_type", ISSUE_TYPES)?,
            confidential: validate::opt_bool(p, "confidential")?,
            search: Search::parse(p),
            order_by: validate::one_of(p, "order_by", ORDER_BY)?.unwrap_or("created_at"),
            descending: validate::one_of(p, "sort", &["asc", "desc"])? != Some("asc"),
        })
    }

    fn labels_match(&self, i: &Issue) -> bool {
        if let Some(wanted) = &self.labels {
            if wanted.iter().any(|l| l.eq_ignore_ascii_case("none")) {
                if !i.labels.is_empty() {
                    return false;
                }
            } else if wanted.iter().any(|l| l.eq_ignore_ascii_case("any")) {
                if i.labels.is_empty() {
                    return false;
                }
            } else if !wanted.iter().all(|l| i.labels.contains(l)) {
                return false;
            }
        }
        // GitLab excludes issues carrying ANY of the negated labels: `by_negated_label` in
        // app/finders/issuable_finder.rb calls `without_particular_labels`, a NOT EXISTS over the
        // issue's label links whose title is IN the list.
        !self.not_labels.iter().any(|l| i.labels.contains(l))
    }

    pub(super) fn matches(&self, st: &State, i: &Issue) -> bool {
        let username_of = |id: u64| st.users.get(&id).map(|u| u.username.as_str());
        let after = |t: &DateTime<Utc>, bound: &Option<DateTime<Utc>>| bound.is_none_or(|b| *t >= b);
        let before = |t: &DateTime<Utc>, bound: &Option<DateTime<Utc>>| bound.is_none_or(|b| *t <= b);
        self.state.is_none_or(|s| i.state == s)
            && self.labels_match(i)
            && self.author_id.is_none_or(|a| i.author_id == a)
            && self.not_author_id.is_none_or(|a| i.author_id != a)
            && self
                .author_username
                .as_deref()
                .is_none_or(|name| username_of(i.author_id).is_some_and(|u| u.eq_ignore_ascii_case(name)))
            && match self.assignee {
                None => true,
                Some(AssigneeFilter::None) => i.assignee_ids.is_empty(),
                Some(AssigneeFilter::Any) => !i.assignee_ids.is_empty(),
                Some(AssigneeFilter::Id(id)) => i.assignee_ids.contains(&id),
            }
            && self.assignee_usernames.iter().all(|name| {
                i.assignee_ids.iter().any(|&a| username_of(a).is_some_and(|u| u.eq_ignore_ascii_case(name)))
            })
            && self.iids.as_ref().is_none_or(|ids| ids.contains(&i.iid))
            && after(&i.created_at, &self.created_after)
            && before(&i.created_at, &self.created_before)
            && after(&i.updated_at, &self.updated_after)
            && before(&i.updated_at, &self.updated_before)
            && self.issue_type.is_none_or(|t| i.issue_type == t)
            && self.confidential.is_none_or(|c| i.confidential == c)
            && self.search.as_ref().is_none_or(|s| s.matches(&i.title, &i.description))
    }

    pub(super) fn compare(&self, a: &Issue, b: &Issue) -> Ordering {
        let primary = match self.order_by {
            "updated_at" => a.updated_at.cmp(&b.updated_at),
            "title" => a.title.to_lowercase().cmp(&b.title.to_lowercase()),
            "due_date" => match (&a.due_date, &b.due_date) {
                // Issues without a due date come last either way.
                (None, None) => Ordering::Equal,
                (None, Some(_)) => return Ordering::Greater,
                (Some(_), None) => return Ordering::Less,
                (Some(x), Some(y)) => x.cmp(y),
            },
            _ => a.created_at.cmp(&b.created_at),
        };
        let ordering = primary.then(a.id.cmp(&b.id));
        if self.descending {
            ordering.reverse()
        } else {
            ordering
        }
    }
}
