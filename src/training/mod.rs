//! Training modules as evidence. In GitLab Support each module is its own issue in the modules
//! project, opened by the person from the module's issue template, titled "<name> - <module>"
//! (order and spelling vary), assigned to them, and closed when done. The shell lists each
//! person's issues (one request each) and hands them here; the renderer asks, per module item,
//! whether the module is done, started or not opened, and links the item to its issue or to a
//! new one. Pure: no IO.

mod link;
mod names;

use std::collections::{BTreeMap, BTreeSet};

pub use link::{encode, new_issue_url, safe_url};
pub use names::closest;

use crate::issue::Observed;

/// One module issue, as an item links to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleIssue {
    pub iid: u64,
    /// `<project>/-/issues/<iid>`, fit for a Markdown link.
    pub url: String,
    pub open: bool,
}

/// What the modules project says about one module for one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Module<'a> {
    /// Its issue is closed: completed.
    Done(&'a ModuleIssue),
    /// Its issue is open: started.
    Started(&'a ModuleIssue),
    /// No issue names it yet: the address that opens one from its template, titled for them.
    NotOpened(String),
    /// Nothing was read for this person (a run offline, or a person out of scope): no evidence.
    Unknown,
}

impl Module<'_> {
    pub fn done(&self) -> bool {
        matches!(self, Module::Done(_))
    }

    /// What the item says after its text: a link to the issue, or to open it (none when the
    /// roster already says the module is done, or when nothing was read).
    pub fn suffix(&self, roster_done: bool) -> Option<String> {
        match self {
            Module::Done(i) | Module::Started(i) => Some(link::suffix(true, &i.url)),
            Module::NotOpened(url) if !roster_done => Some(link::suffix(false, url)),
            Module::NotOpened(_) | Module::Unknown => None,
        }
    }
}

/// The person a listing was for.
#[derive(Debug, Clone, Copy)]
pub struct Who<'a> {
    pub username: &'a str,
    pub name: &'a str,
    pub user_id: Option<u64>,
}

/// One person's module issues, each with the key its title is compared by.
#[derive(Debug, Clone, Default)]
struct Found {
    name: String,
    name_words: BTreeSet<String>,
    issues: Vec<(String, ModuleIssue)>,
}

/// Every in-scope person's module issues, read once before anything is planned.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// The modules project's page, fit for a Markdown link; `None` when nothing was read.
    project_url: Option<String>,
    /// By lowercase username.
    people: BTreeMap<String, Found>,
}

impl Evidence {
    /// No evidence at all (offline, or nobody in scope): module items are as the roster says.
    pub fn none() -> Evidence {
        Evidence::default()
    }

    /// Evidence from the modules project at `project_url`: the GitLab address and the project's
    /// path as the config spells them, so that an item's links read the same on every run (a
    /// renamed project's old path keeps answering: GitLab redirects it). `None` when that is no
    /// web address.
    pub fn new(project_url: &str) -> Option<Evidence> {
        let url = safe_url(project_url.trim_end_matches('/'))?;
        Some(Evidence { project_url: Some(url), people: BTreeMap::new() })
    }

    /// The issues listed for `who`. Only issues assigned to them count (GitLab ignores a filter
    /// it does not know, so the listing's word is not taken for it), and never one of
    /// onboarder's own (`own`), nor one moved to another project (closed here, not done).
    pub fn add(&mut self, who: Who<'_>, listed: &[Observed], own: &dyn Fn(&Observed) -> bool) {
        let name_words = names::name_words(who.name, who.username);
        let assigned = |o: &Observed| {
            who.user_id.is_some_and(|id| o.assignee_ids.contains(&id))
                || o.assignees.iter().any(|a| a.eq_ignore_ascii_case(who.username))
        };
        let project = self.project_url.as_deref().unwrap_or_default();
        let issues = listed
            .iter()
            .filter(|o| assigned(o) && !own(o) && o.moved_to_id.is_none())
            .map(|o| {
                let url = format!("{project}/-/issues/{}", o.iid);
                (names::key(&o.title, &name_words), ModuleIssue { iid: o.iid, url, open: o.open })
            })
            .collect();
        self.people.insert(who.username.to_lowercase(), Found { name: who.name.to_string(), name_words, issues });
    }

    /// How many issues were kept as module issues, for the log.
    pub fn issues(&self) -> usize {
        self.people.values().map(|f| f.issues.len()).sum()
    }

    /// What `module` for `username` is made of, as a digest input: which issue (and whether it
    /// is open) or none, and what a link to open one is made of. Equal fingerprints, equal
    /// `module` answers, without building the link.
    pub fn fingerprint(&self, username: &str, module: &str, out: &mut impl FnMut(&[u8])) {
        let Some((project_url, found, best)) = self.lookup(username, module) else { return out(b"unknown") };
        match best {
            Some(i) => out(format!("{}:{}:{}", i.open, i.iid, i.url).as_bytes()),
            None => {
                for part in [project_url, module, found.name.as_str()] {
                    out(part.as_bytes());
                    out(b"\0");
                }
            }
        }
    }

    /// What the modules project says about `module` for `username` (of several issues naming it,
    /// the one `lookup` picks).
    pub fn module(&self, username: &str, module: &str) -> Module<'_> {
        let Some((project_url, found, best)) = self.lookup(username, module) else { return Module::Unknown };
        match best {
            Some(i) if i.open => Module::Started(i),
            Some(i) => Module::Done(i),
            None => match new_issue_url(project_url, module, &found.name) {
                Some(url) => Module::NotOpened(url),
                None => Module::Unknown,
            },
        }
    }

    /// The modules project, the person's evidence and, of their issues naming `module`, the one
    /// that counts: a closed one (the module was done), then the newest. `None` when nothing was
    /// read for them.
    fn lookup(&self, username: &str, module: &str) -> Option<(&str, &Found, Option<&ModuleIssue>)> {
        let (Some(project_url), Some(found)) = (&self.project_url, self.people.get(&username.to_lowercase())) else {
            return None;
        };
        let key = names::key(module, &found.name_words);
        let best = found.issues.iter().filter(|(k, _)| *k == key).map(|(_, i)| i).max_by_key(|i| (!i.open, i.iid));
        Some((project_url.as_str(), found, best))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROJECT: &str = "https://gitlab.example.com/support/training";

    fn issue(iid: u64, title: &str, open: bool, assignee: &str) -> Observed {
        Observed {
            iid,
            title: title.into(),
            open,
            assignees: vec![assignee.into()],
            // GitLab's own address is not what the link uses (it changes when the project is renamed).
            web_url: format!("https://elsewhere.example.com/-/work_items/{iid}"),
            ..Observed::default()
        }
    }

    fn dee(listed: &[Observed]) -> Evidence {
        let mut e = Evidence::new(&format!("{PROJECT}/")).unwrap();
        let own = |o: &Observed| o.labels.iter().any(|l| l == "onboarder");
        e.add(Who { username: "ddiligent", name: "Dee Diligent", user_id: Some(7) }, listed, &own);
        e
    }

    #[test]
    fn closed_is_done_open_is_started_none_is_a_link_to_open_it() {
        let e = dee(&[
            issue(1, "Dee Diligent - GitLab Omnibus", false, "ddiligent"),
            issue(2, "Documentation - Dee Diligent", true, "DDiligent"),
        ]);
        assert_eq!(
            e.module("ddiligent", "GitLab Omnibus").suffix(false),
            Some(format!(" ([module issue]({PROJECT}/-/issues/1))"))
        );
        assert!(e.module("DDILIGENT", "GitLab Omnibus").done());
        assert!(matches!(e.module("ddiligent", "Documentation"), Module::Started(i) if i.iid == 2));
        let not_opened = e.module("ddiligent", "Support Manager Basics");
        assert_eq!(
            not_opened,
            Module::NotOpened(format!(
                "{PROJECT}/-/issues/new?issuable_template=Support%20Manager%20Basics\
                 &issue[title]=Dee%20Diligent%20-%20Support%20Manager%20Basics"
            ))
        );
        assert!(!not_opened.done());
        assert!(not_opened.suffix(false).is_some_and(|s| s.starts_with(" ([open the module issue](")));
        assert_eq!(not_opened.suffix(true), None, "the roster says it is done: nothing to open");
    }

    #[test]
    fn only_the_persons_own_module_issues_count() {
        let mut moved = issue(3, "Dee Diligent - GitLab Omnibus", false, "ddiligent");
        moved.moved_to_id = Some(99);
        let mut ours = issue(4, "Dee Diligent - GitLab Omnibus", false, "ddiligent");
        ours.labels = vec!["onboarder".into()];
        let someone_elses = issue(5, "Dee Diligent - GitLab Omnibus", false, "wtan");
        let mut by_id = issue(6, "Dee Diligent - Documentation", false, "renamed-dee");
        by_id.assignee_ids = vec![7];
        let e = dee(&[moved, ours, someone_elses, by_id]);
        assert!(matches!(e.module("ddiligent", "GitLab Omnibus"), Module::NotOpened(_)));
        assert!(e.module("ddiligent", "Documentation").done(), "assigned by id under an old username");
        assert_eq!(e.issues(), 1);
    }

    #[test]
    fn a_closed_issue_wins_then_the_newest() {
        let e = dee(&[
            issue(10, "Dee Diligent - GitLab Omnibus", true, "ddiligent"),
            issue(8, "GitLab Omnibus - Dee Diligent", false, "ddiligent"),
            issue(9, "gitlab omnibus", false, "ddiligent"),
        ]);
        assert!(matches!(e.module("ddiligent", "GitLab Omnibus"), Module::Done(i) if i.iid == 9));
    }

    #[test]
    fn nothing_read_is_no_evidence() {
        let e = dee(&[issue(1, "Dee Diligent - GitLab Omnibus", false, "ddiligent")]);
        assert_eq!(e.module("someone-else", "GitLab Omnibus"), Module::Unknown);
        assert_eq!(Evidence::none().module("ddiligent", "GitLab Omnibus"), Module::Unknown);
        assert_eq!(Module::Unknown.suffix(false), None);
    }

    #[test]
    fn a_project_address_that_is_not_a_web_address_gives_no_evidence() {
        assert!(Evidence::new("javascript:alert(1)//g/p").is_none());
        assert!(Evidence::new("https://gitlab.example.com/g/p").is_some());
    }
}
