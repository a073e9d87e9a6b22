//! The team roster (GitLab support-team format) and the shadow-program list: who each person is.

//! `read` turns files into people; `source` reads them from a GitLab repository (`links`: the
//! symlinks there).

mod links;
mod read;
pub mod source;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::NaiveDate;

pub use read::{load_team, parse_person_files, parse_shadow, parse_team_file, read_shadow, read_team};

use crate::calendar::Away;
use crate::error::{InputError, Located, Location};

/// A person's job, which decides the learning path they get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Csr,
    Associate,
    Engineer,
    Senior,
    Staff,
    Manager,
}

impl Role {
    pub const ALL: [Role; 6] = [Role::Csr, Role::Associate, Role::Engineer, Role::Senior, Role::Staff, Role::Manager];

    pub fn id(self) -> &'static str {
        match self {
            Role::Csr => "csr",
            Role::Associate => "associate",
            Role::Engineer => "engineer",
            Role::Senior => "senior",
            Role::Staff => "staff",
            Role::Manager => "manager",
        }
    }

    pub fn from_id(id: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.id() == id)
    }

    /// The role a job title names, from the Support job families; `None` when it names none.
    pub fn from_title(title: &str) -> Option<Role> {
        let t = title.to_lowercase();
        // "Support Engineering Manager" contains "support engineer", so managers go first.
        if t.contains("manager") && t.contains("support") {
            Some(Role::Manager)
        } else if t.contains("customer support representative") {
            Some(Role::Csr)
        } else if !t.contains("support engineer") {
            None
        } else if t.contains("associate") {
            Some(Role::Associate)
        } else if t.contains("staff") {
            Some(Role::Staff)
        } else if t.contains("senior") {
            Some(Role::Senior)
        } else {
            Some(Role::Engineer)
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A specialty of the Support Engineer job family: it adds its own items to the learning path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Specialty {
    /// US Government Support Engineer: the US Government Support portal and its workflow.
    UsGovernment,
    /// Support Engineer (Shift): hours and on-call shifts outside the region's usual hours.
    Shift,
    /// Assigned Support Engineer: the relationship with a few assigned accounts.
    Ase,
}

impl Specialty {
    pub const ALL: [Specialty; 3] = [Specialty::UsGovernment, Specialty::Shift, Specialty::Ase];

    pub fn id(self) -> &'static str {
        match self {
            Specialty::UsGovernment => "us-government",
            Specialty::Shift => "shift",
            Specialty::Ase => "ase",
        }
    }

    pub fn from_id(id: &str) -> Option<Specialty> {
        Specialty::ALL.into_iter().find(|s| s.id() == id)
    }

    /// The specialties a job title names (the job-family page's titles).
    pub fn from_title(title: &str) -> Vec<Specialty> {
        let t = title.to_lowercase();
        let mut out = Vec::new();
        if t.contains("us government") || t.contains("u.s. government") {
            out.push(Specialty::UsGovernment);
        }
        if t.contains("(shift)") {
            out.push(Specialty::Shift);
        }
        if t.contains("assigned support engineer") || t.contains("(ase)") {
            out.push(Specialty::Ase);
        }
        out
    }
}

/// A Support region as the roster writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Region {
    AmerW,
    AmerC,
    AmerE,
    Amer,
    Apac,
    Emea,
}

impl Region {
    const NAMES: [(&'static str, Region); 6] = [
        ("AMER-W", Region::AmerW),
        ("AMER-C", Region::AmerC),
        ("AMER-E", Region::AmerE),
        ("AMER", Region::Amer),
        ("APAC", Region::Apac),
        ("EMEA", Region::Emea),
    ];

    pub fn parse(s: &str) -> Option<Region> {
        Self::NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(s.trim())).map(|(_, r)| *r)
    }

    pub fn name(self) -> &'static str {
        Self::NAMES.iter().find(|(_, r)| *r == self).map(|(n, _)| *n).unwrap_or("AMER")
    }

    /// The region whose meetings, groups and channels apply (AMER-W/C/E are AMER).
    pub fn group(self) -> &'static str {
        match self {
            Region::AmerW | Region::AmerC | Region::AmerE | Region::Amer => "AMER",
            Region::Apac => "APAC",
            Region::Emea => "EMEA",
        }
    }
}

/// Whether onboarder should keep a person's issues moving.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    #[default]
    Active,
    /// Leave their issues exactly as they are.
    Paused,
    /// Close their issues.
    Left,
}

/// Support team member, or a team member from elsewhere in the shadow program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Program {
    Team,
    Shadow,
}

/// Someone referred to by a person: a manager or a buddy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub name: Option<String>,
    pub username: Option<String>,
    /// Where the roster names them, for warnings.
    pub at: Option<Location>,
}

/// One person as onboarder sees them, validated.
#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    pub username: String,
    pub gitlab_id: Option<u64>,
    pub title: String,
    /// From `onboarding.role`, else from the title.
    pub role: Option<Role>,
    pub region: Option<Region>,
    pub start_date: NaiveDate,
    /// Stage weeks count from this date: `onboarding.since` (when paths were given), else the start date.
    pub since: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub department: String,
    pub manager: Option<Contact>,
    pub buddy: Option<String>,
    pub modules: BTreeSet<String>,
    /// Each name of `modules`, where the entry writes it (for `check`).
    pub modules_at: Vec<Located<String>>,
    /// From the title, plus `onboarding.specialties`.
    pub specialties: BTreeSet<Specialty>,
    /// Leave periods (`onboarding.leave`): the pace clock stops and the due date moves.
    pub leave: Vec<Away>,
    pub paths: Option<Vec<Located<String>>>,
    pub stage: Option<Located<String>>,
    pub status: Status,
    pub program: Program,
    /// Where the person's entry starts, and where their title is, for messages.
    pub at: Location,
    pub title_at: Location,
}

/// Something odd about a person's entry, worth showing when onboarder acts for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub username: String,
    pub message: String,
}

/// Everyone onboarder knows about, plus warnings worth showing (not errors).
#[derive(Debug, Clone, Default)]
pub struct Roster {
    pub people: Vec<Person>,
    pub warnings: Vec<Warning>,
    /// Entries that cannot be used, each failing its person only.
    pub rejected: Vec<Rejected>,
    /// Listings that may be missing people (a repository directory read in part): while there
    /// are any, nobody missing from the roster is taken for gone.
    pub incomplete: Vec<InputError>,
}

pub use crate::escape::is_valid_username;

/// Why GitLab keeps this name from any user, if it does: `all` mentions every member of a project
/// (doc/user/markdown.md, "Special GitLab references"), and the top-level routes cannot be
/// namespaces (lib/gitlab/path_regex.rb, `TOP_LEVEL_ROUTES`). Case does not matter.
pub fn reserved_username(u: &str) -> Option<&'static str> {
    const ROUTES: &[&str] = &[
        "-",
        "abuse_reports",
        "admin",
        "api",
        "assets",
        "autocomplete",
        "ci",
        "dashboard",
        "explore",
        "files",
        "groups",
        "health_check",
        "help",
        "import",
        "invites",
        "jwt",
        "koding",
        "notification_settings",
        "oauth",
        "profile",
        "projects",
        "public",
        "s",
        "search",
        "sent_notifications",
        "snippets",
        "u",
        "unsubscribes",
        "uploads",
        "users",
    ];
    let lower = u.to_ascii_lowercase();
    if lower == "all" {
        Some("`@all` would mention every member of the project")
    } else if ROUTES.contains(&lower.as_str()) {
        Some("GitLab reserves it for its own pages, so no user has it")
    } else {
        None
    }
}

/// A roster entry that cannot be used. It fails its person only: their issues are left as
/// they are (never closed), and the failure is reported.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// The GitLab username the entry gives, else the file name's stem (`jdoe.yaml` is jdoe's).
    pub username: String,
    /// Whether the username was read from the entry itself. While an entry is not identified,
    /// nobody missing from the roster is taken for gone: the entry may be theirs.
    pub identified: bool,
    pub errors: Vec<InputError>,
}

/// Put the team and the shadow participants together: unique usernames, managers resolved.
/// Two entries with one username are both rejected: which one is meant is for a person to say.
pub fn assemble(team: Vec<Person>, shadow: Vec<Person>, mut rejected: Vec<Rejected>) -> Roster {
    let mut roster = Roster::default();
    let by_name: BTreeMap<String, String> = team.iter().map(|p| (p.name.to_lowercase(), p.username.clone())).collect();
    let mut first: BTreeMap<String, Location> = BTreeMap::new();
    let mut duplicated: BTreeMap<String, Vec<InputError>> = BTreeMap::new();
    for p in team.iter().chain(&shadow) {
        let key = p.username.to_lowercase();
        match first.get(&key) {
            Some(at) => duplicated.entry(key).or_default().push(InputError::new(
                p.at.clone(),
                format!(
                    "GitLab username {:?} is already used by the entry at {at}; neither is used until one is fixed",
                    p.username
                ),
            )),
            None => {
                first.insert(key, p.at.clone());
            }
        }
    }
    for mut person in team.into_iter().chain(shadow) {
        if duplicated.contains_key(&person.username.to_lowercase()) {
            continue;
        }
        if let Some(manager) = &mut person.manager {
            if manager.username.is_none() {
                let name = manager.name.clone().unwrap_or_default();
                match by_name.get(&name.to_lowercase()) {
                    Some(u) => manager.username = Some(u.clone()),
                    None => roster.warnings.push(Warning {
                        username: person.username.clone(),
                        message: format!(
                            "{}: reports_to {name:?} names nobody in the roster; no manager to assign",
                            manager.at.as_ref().unwrap_or(&person.at)
                        ),
                    }),
                }
            }
        }
        roster.people.push(person);
    }
    rejected.extend(duplicated.into_iter().map(|(username, errors)| Rejected { username, identified: true, errors }));
    roster.rejected = rejected;
    let usernames: BTreeSet<String> = roster.people.iter().map(|p| p.username.to_lowercase()).collect();
    for p in &roster.people {
        if let Some(b) = &p.buddy {
            if !usernames.contains(&b.to_lowercase()) {
                let message = format!("{}: buddy {b:?} is not in the roster", p.at);
                roster.warnings.push(Warning { username: p.username.clone(), message });
            }
        }
    }
    roster
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_from_titles() {
        let table = [
            ("Customer Support Representative", Some(Role::Csr)),
            ("Associate Support Engineer", Some(Role::Associate)),
            ("Support Engineer", Some(Role::Engineer)),
            ("Intermediate Support Engineer", Some(Role::Engineer)),
            ("Support Engineer (Shift)", Some(Role::Engineer)),
            ("US Government Support Engineer", Some(Role::Engineer)),
            ("Senior Support Engineer", Some(Role::Senior)),
            ("Staff Support Engineer", Some(Role::Staff)),
            ("Support Engineering Manager", Some(Role::Manager)),
            ("Senior Support Engineering Manager", Some(Role::Manager)),
            ("Director of Support", None),
            ("Account Executive", None),
            ("", None),
        ];
        for (title, role) in table {
            assert_eq!(Role::from_title(title), role, "{title}");
        }
    }

    #[test]
    fn specialties_from_titles() {
        let table = [
            ("US Government Support Engineer", vec![Specialty::UsGovernment]),
            ("Support Engineer (Shift)", vec![Specialty::Shift]),
            ("Senior Support Engineer (ASE)", vec![Specialty::Ase]),
            ("Assigned Support Engineer", vec![Specialty::Ase]),
            ("Senior Support Engineer", vec![]),
        ];
        for (title, want) in table {
            assert_eq!(Specialty::from_title(title), want, "{title}");
        }
    }

    #[test]
    fn usernames() {
        for ok in ["jdoe", "j.doe", "j_doe-2", "A1"] {
            assert!(is_valid_username(ok), "{ok}");
        }
        for bad in ["", "-x", ".x", "x.", "a b", "@all", "x/y", "a.git", "<b>"] {
            assert!(!is_valid_username(bad), "{bad}");
        }
    }

    #[test]
    fn regions_group() {
        assert_eq!(Region::parse("amer-w").map(Region::group), Some("AMER"));
        assert_eq!(Region::parse("EMEA").map(Region::group), Some("EMEA"));
        assert_eq!(Region::parse("Mars"), None);
    }
}
