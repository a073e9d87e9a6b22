//! Reading roster files: the wire shapes (known fields strictly typed, unknown ones ignored), one
//! entry at a time, so a bad entry rejects its person only.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::{
    is_valid_username, reserved_username, Contact, Person, Program, Region, Rejected, Role, Specialty, Status,
};
use crate::calendar::Away;
use crate::error::{InputError, InputErrors, Located, Location};
use crate::input::{files_in, parse_date, parse_yaml, read_text};

#[derive(Deserialize)]
struct RawGitlabAccount {
    id: Option<u64>,
    username: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOnboarding {
    role: Option<Spanned<String>>,
    buddy: Option<Spanned<String>>,
    paths: Option<Vec<Spanned<String>>>,
    stage: Option<Spanned<String>>,
    status: Option<Spanned<String>>,
    since: Option<Spanned<String>>,
    specialties: Option<Vec<Spanned<String>>>,
    leave: Option<Vec<RawLeave>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLeave {
    from: Spanned<String>,
    to: Spanned<String>,
}

#[derive(Deserialize)]
struct RawPerson {
    name: Spanned<String>,
    title: Option<Spanned<String>>,
    region: Option<Spanned<String>>,
    start_date: Spanned<String>,
    reports_to: Option<Spanned<String>>,
    gitlab: RawGitlabAccount,
    #[serde(default)]
    modules: Vec<Spanned<String>>,
    onboarding: Option<RawOnboarding>,
}

#[derive(Deserialize)]
struct RawRosterFile {
    people: Vec<RawPerson>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParticipant {
    name: Spanned<String>,
    gitlab: RawGitlabAccount,
    department: Spanned<String>,
    start_date: Spanned<String>,
    /// None while no end is agreed: the issue stays open until one is set.
    end_date: Option<Spanned<String>>,
    manager: Option<Spanned<String>>,
    status: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShadowFile {
    participants: Vec<RawParticipant>,
}

/// Reads roster files, collecting every problem instead of stopping at the first.
struct Reader<'a> {
    file: &'a Arc<Path>,
    contents: &'a str,
    errors: &'a mut InputErrors,
}

impl Reader<'_> {
    fn at<T>(&self, s: &Spanned<T>) -> Location {
        Location::from_yaml(self.file, 0, &s.referenced)
    }

    fn error(&mut self, at: Location, message: String) {
        self.errors.push(InputError::new(at, message).with_source(self.contents));
    }

    fn date(&mut self, s: &Spanned<String>) -> Option<NaiveDate> {
        match parse_date(&s.value) {
            Ok(d) => Some(d),
            Err(m) => {
                let at = self.at(s);
                self.error(at, m);
                None
            }
        }
    }

    fn username(&mut self, s: &Spanned<String>, what: &str) -> Option<String> {
        let why = match reserved_username(&s.value) {
            _ if !is_valid_username(&s.value) => format!("{what} {:?} is not a valid GitLab username", s.value),
            Some(reserved) => format!("{what} {:?} cannot be anyone's GitLab username: {reserved}", s.value),
            None => return Some(s.value.clone()),
        };
        let at = self.at(s);
        self.error(at, why);
        None
    }

    fn status(&mut self, s: &Option<Spanned<String>>) -> Status {
        match s.as_ref().map(|s| (s.value.as_str(), s)) {
            None | Some(("active", _)) => Status::Active,
            Some(("paused", _)) => Status::Paused,
            Some(("left", _)) => Status::Left,
            Some((other, s)) => {
                let at = self.at(s);
                self.error(at, format!("unknown status {other:?} (expected active, paused or left)"));
                Status::Active
            }
        }
    }

    fn person(&mut self, raw: RawPerson) -> Option<Person> {
        let errors_before = self.errors.0.len();
        let username = self.username(&raw.gitlab.username, "gitlab.username");
        let start_date = self.date(&raw.start_date);
        let region = match &raw.region {
            Some(r) => match Region::parse(&r.value) {
                Some(region) => Some(region),
                None => {
                    let at = self.at(r);
                    self.error(
                        at,
                        format!("unknown region {:?} (expected AMER-W, AMER-C, AMER-E, AMER, APAC or EMEA)", r.value),
                    );
                    None
                }
            },
            None => None,
        };
        let onboarding = raw.onboarding;
        let role = match onboarding.as_ref().and_then(|o| o.role.as_ref()) {
            Some(r) => match Role::from_id(&r.value) {
                Some(role) => Some(role),
                None => {
                    let at = self.at(r);
                    let known: Vec<_> = Role::ALL.iter().map(|r| r.id()).collect();
                    self.error(at, format!("unknown role {:?} (expected one of {})", r.value, known.join(", ")));
                    None
                }
            },
            None => raw.title.as_ref().and_then(|t| Role::from_title(&t.value)),
        };
        let buddy = match onboarding.as_ref().and_then(|o| o.buddy.as_ref()) {
            Some(b) => self.username(b, "onboarding.buddy"),
            None => None,
        };
        let status = self.status(&onboarding.as_ref().and_then(|o| o.status.clone()));
        let since = match onboarding.as_ref().and_then(|o| o.since.as_ref()) {
            Some(s) => self.date(s),
            None => start_date,
        };
        let mut specialties: BTreeSet<Specialty> =
            raw.title.as_ref().map(|t| Specialty::from_title(&t.value)).unwrap_or_default().into_iter().collect();
        for s in onboarding.as_ref().and_then(|o| o.specialties.as_ref()).into_iter().flatten() {
            match Specialty::from_id(&s.value) {
                Some(sp) => {
                    specialties.insert(sp);
                }
                None => {
                    let at = self.at(s);
                    let known: Vec<_> = Specialty::ALL.iter().map(|s| s.id()).collect();
                    self.error(at, format!("unknown specialty {:?} (expected one of {})", s.value, known.join(", ")));
                }
            }
        }
        let mut leave = Vec::new();
        for l in onboarding.as_ref().and_then(|o| o.leave.as_ref()).into_iter().flatten() {
            if let (Some(from), Some(to)) = (self.date(&l.from), self.date(&l.to)) {
                if to < from {
                    let at = self.at(&l.to);
                    self.error(at, format!("leave ends on {to}, before it starts on {from}"));
                } else {
                    leave.push(Away { from, to });
                }
            }
        }
        let title_at = raw.title.as_ref().map_or_else(|| self.at(&raw.name), |t| self.at(t));
        let at = self.at(&raw.name);
        let located = |s: &Spanned<String>, r: &Reader| Located { value: s.value.clone(), at: r.at(s) };
        let paths =
            onboarding.as_ref().and_then(|o| o.paths.as_ref()).map(|ps| ps.iter().map(|p| located(p, self)).collect());
        let stage = onboarding.as_ref().and_then(|o| o.stage.as_ref()).map(|s| located(s, self));
        if self.errors.0.len() > errors_before {
            return None;
        }
        Some(Person {
            name: raw.name.value,
            username: username?,
            gitlab_id: raw.gitlab.id,
            title: raw.title.map(|t| t.value).unwrap_or_default(),
            role,
            region,
            start_date: start_date?,
            since: since?,
            end_date: None,
            department: "Support".to_string(),
            // Resolved to a username once everyone is read.
            manager: raw.reports_to.as_ref().map(|r| Contact {
                name: Some(r.value.clone()),
                username: None,
                at: Some(self.at(r)),
            }),
            buddy,
            modules: raw.modules.iter().map(|m| m.value.clone()).collect(),
            modules_at: raw.modules.iter().map(|m| located(m, self)).collect(),
            specialties,
            leave,
            paths,
            stage,
            status,
            program: Program::Team,
            at,
            title_at,
        })
    }

    fn participant(&mut self, raw: RawParticipant) -> Option<Person> {
        let errors_before = self.errors.0.len();
        let username = self.username(&raw.gitlab.username, "gitlab.username");
        let start_date = self.date(&raw.start_date);
        let end_date = raw.end_date.as_ref().and_then(|e| self.date(e));
        let manager = match &raw.manager {
            Some(m) => {
                self.username(m, "manager").map(|u| Contact { name: None, username: Some(u), at: Some(self.at(m)) })
            }
            None => None,
        };
        if let (Some(s), Some(e)) = (start_date, end_date) {
            if e < s {
                let at = raw.end_date.as_ref().map_or_else(|| self.at(&raw.start_date), |e| self.at(e));
                self.error(at, format!("end_date {e} is before start_date {s}"));
            }
        }
        let status = self.status(&raw.status);
        if self.errors.0.len() > errors_before {
            return None;
        }
        let at = self.at(&raw.name);
        Some(Person {
            name: raw.name.value,
            username: username?,
            gitlab_id: raw.gitlab.id,
            title: String::new(),
            role: None,
            region: None,
            start_date: start_date?,
            since: start_date?,
            end_date,
            department: raw.department.value,
            manager,
            buddy: None,
            modules: BTreeSet::new(),
            modules_at: Vec::new(),
            specialties: BTreeSet::new(),
            leave: Vec::new(),
            paths: None,
            stage: None,
            status,
            program: Program::Shadow,
            title_at: at.clone(),
            at,
        })
    }
}

/// Just enough of an entry to know whose it is, when the rest does not parse.
#[derive(Deserialize)]
struct RawIdentity {
    gitlab: RawUsername,
}

#[derive(Deserialize)]
struct RawUsername {
    username: String,
}

fn stem(file: &Path) -> String {
    file.file_stem().map(|s| s.to_string_lossy().to_lowercase()).unwrap_or_default()
}

/// Whose a file-level problem is: the username the file gives if that much parses, else its name.
fn rejected_file(file: &Path, contents: Option<&str>, e: InputError) -> Rejected {
    let named = contents
        .and_then(|c| serde_saphyr::from_str::<RawIdentity>(c).ok())
        .map(|r| r.gitlab.username.to_lowercase())
        .filter(|u| is_valid_username(u));
    Rejected { identified: named.is_some(), username: named.unwrap_or_else(|| stem(file)), errors: vec![e] }
}

/// Read people from `raws`, one by one: an entry with errors is rejected on its own.
fn read_entries<R>(
    file: &Arc<Path>,
    contents: &str,
    raws: Vec<R>,
    username_of: impl Fn(&R) -> String,
    read: impl Fn(&mut Reader, R) -> Option<Person>,
    rejected: &mut Vec<Rejected>,
) -> Vec<Person> {
    let mut people = Vec::new();
    for raw in raws {
        let username = username_of(&raw);
        let mut errors = InputErrors::default();
        let mut reader = Reader { file, contents, errors: &mut errors };
        match read(&mut reader, raw) {
            Some(p) if errors.is_empty() => people.push(p),
            _ => rejected.push(Rejected {
                identified: is_valid_username(&username),
                username: if is_valid_username(&username) { username.to_lowercase() } else { stem(file) },
                errors: errors.0,
            }),
        }
    }
    people
}

/// Read the team roster: a directory of one YAML file per person, or one file with `people:`.
/// A problem with one person's file or entry rejects that person only; `fatal` gets what stops
/// everything (a roster directory that cannot be listed, a single roster file that does not parse).
pub fn read_team(path: &Arc<Path>, fatal: &mut InputErrors) -> (Vec<Person>, Vec<Rejected>) {
    if !path.is_dir() {
        return match read_text(path) {
            Ok(contents) => parse_team_file(path, &contents, fatal),
            Err(e) => {
                fatal.push(e);
                (Vec::new(), Vec::new())
            }
        };
    }
    let mut listing = InputErrors::default();
    let files = yaml_files_in(path, &mut listing);
    let read = files.into_iter().map(|f| {
        let contents = read_text(&f);
        (f, contents)
    });
    parse_person_files(listing.0, read)
}

/// People from one roster file with `people: [...]`; it not parsing stops everything.
pub fn parse_team_file(path: &Arc<Path>, contents: &str, fatal: &mut InputErrors) -> (Vec<Person>, Vec<Rejected>) {
    let mut rejected = Vec::new();
    match parse_yaml::<RawRosterFile>(path, contents, 0) {
        Ok(f) => {
            let username = |r: &RawPerson| r.gitlab.username.value.clone();
            let people = read_entries(path, contents, f.people, username, |r, p| r.person(p), &mut rejected);
            (people, rejected)
        }
        Err(e) => {
            fatal.push(e);
            (Vec::new(), rejected)
        }
    }
}

/// People from one file each, as read (a file that could not be read carries why), wherever
/// the files came from. `odd` are entries of the listing that are someone's file all the same
/// (`jdoe.YAML`, a FIFO): each rejects its person.
pub fn parse_person_files(
    odd: Vec<InputError>,
    files: impl IntoIterator<Item = (Arc<Path>, Result<String, InputError>)>,
) -> (Vec<Person>, Vec<Rejected>) {
    let mut people = Vec::new();
    let mut rejected: Vec<Rejected> = odd.into_iter().map(|e| rejected_file(&e.at.file.clone(), None, e)).collect();
    for (file, contents) in files {
        let contents = match contents {
            Ok(c) => c,
            Err(e) => {
                rejected.push(rejected_file(&file, None, e));
                continue;
            }
        };
        match parse_yaml::<RawPerson>(&file, &contents, 0) {
            Ok(raw) => {
                let username = |r: &RawPerson| r.gitlab.username.value.clone();
                people.extend(read_entries(&file, &contents, vec![raw], username, |r, p| r.person(p), &mut rejected));
            }
            Err(e) => rejected.push(rejected_file(&file, Some(&contents), e)),
        }
    }
    (people, rejected)
}

/// Read the team roster, every problem into `errors` (for tools that want the people only).
pub fn load_team(path: &Arc<Path>, errors: &mut InputErrors) -> Vec<Person> {
    let (people, rejected) = read_team(path, errors);
    errors.0.extend(rejected.into_iter().flat_map(|r| r.errors));
    people
}

/// Read the shadow-program participants file; a participant with errors is rejected alone.
pub fn read_shadow(path: &Arc<Path>, fatal: &mut InputErrors) -> (Vec<Person>, Vec<Rejected>) {
    match read_text(path) {
        Ok(contents) => parse_shadow(path, &contents, fatal),
        Err(e) => {
            fatal.push(e);
            (Vec::new(), Vec::new())
        }
    }
}

/// The participants of a shadow-program file's contents; it not parsing stops everything.
pub fn parse_shadow(path: &Arc<Path>, contents: &str, fatal: &mut InputErrors) -> (Vec<Person>, Vec<Rejected>) {
    let mut rejected = Vec::new();
    match parse_yaml::<RawShadowFile>(path, contents, 0) {
        Ok(file) => {
            let username = |r: &RawParticipant| r.gitlab.username.value.clone();
            let people =
                read_entries(path, contents, file.participants, username, |r, p| r.participant(p), &mut rejected);
            (people, rejected)
        }
        Err(e) => {
            fatal.push(e);
            (Vec::new(), rejected)
        }
    }
}

/// The roster directory's person files; a `.YAML` or a `.Yml` is an error, not skipped.
fn yaml_files_in(dir: &Arc<Path>, errors: &mut InputErrors) -> Vec<Arc<Path>> {
    files_in(dir, &["yaml", "yml"], errors)
}
