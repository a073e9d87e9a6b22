//! What the demo fake starts with besides users and projects: issue templates in a project, and
//! issues people opened and are assigned to (a training module's issue, open or closed), as the
//! `--issue-template` and `--module-issue` flags spell them.

use std::io;

use fake_gitlab::FakeGitlab;

/// `PROJECT=NAME`: an issue template.
#[derive(Debug, PartialEq, Eq)]
pub struct IssueTemplate {
    pub project: String,
    pub name: String,
}

/// `PROJECT=USERNAME:opened|closed:TITLE`: an issue the user opened and is assigned to.
#[derive(Debug, PartialEq, Eq)]
pub struct ModuleIssue {
    pub project: String,
    pub username: String,
    pub closed: bool,
    pub title: String,
}

fn bad(flag: &str, value: &str, expected: &str) -> io::Error {
    io::Error::other(format!("{flag} {value}: expected {expected}"))
}

pub fn issue_template(value: &str) -> io::Result<IssueTemplate> {
    let expected = "PROJECT=NAME";
    let (project, name) = value.split_once('=').ok_or_else(|| bad("--issue-template", value, expected))?;
    if !project.contains('/') || name.trim().is_empty() {
        return Err(bad("--issue-template", value, expected));
    }
    Ok(IssueTemplate { project: project.to_string(), name: name.to_string() })
}

pub fn module_issue(value: &str) -> io::Result<ModuleIssue> {
    let expected = "PROJECT=USERNAME:STATE:TITLE, STATE opened or closed";
    let err = || bad("--module-issue", value, expected);
    let (project, rest) = value.split_once('=').ok_or_else(err)?;
    let mut parts = rest.splitn(3, ':');
    let (Some(username), Some(state), Some(title)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(err());
    };
    let closed = match state {
        "opened" => false,
        "closed" => true,
        _ => return Err(err()),
    };
    if !project.contains('/') || username.is_empty() || title.trim().is_empty() {
        return Err(err());
    }
    Ok(ModuleIssue { project: project.into(), username: username.into(), closed, title: title.trim().into() })
}

/// Adds the template, as if `.gitlab/issue_templates/<NAME>.md` held a short checklist.
pub fn add_template(fake: &FakeGitlab, t: &IssueTemplate) {
    fake.add_project(&t.project);
    let content = format!("## {}\n\n- [ ] Work through the module\n- [ ] Close this issue when done\n", t.name);
    fake.add_issue_template(&t.project, &t.name, &content);
}

/// Opens the issue as the user (created if unknown), assigned to them, and closes it if asked.
pub fn add_module_issue(fake: &FakeGitlab, m: &ModuleIssue, display_name: &str) -> u64 {
    fake.add_project(&m.project);
    let user = match fake.user_id(&m.username) {
        Some(id) => id,
        None => fake.add_user(&m.username, display_name),
    };
    fake.human_open_issue(&m.project, user, &m.title, &[user], m.closed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_read_as_documented() {
        assert_eq!(
            issue_template("g/p=GitLab Omnibus").unwrap(),
            IssueTemplate { project: "g/p".into(), name: "GitLab Omnibus".into() }
        );
        assert_eq!(
            module_issue("g/p=ddiligent:closed:Dee Diligent - Note: GitLab Omnibus").unwrap(),
            ModuleIssue {
                project: "g/p".into(),
                username: "ddiligent".into(),
                closed: true,
                title: "Dee Diligent - Note: GitLab Omnibus".into()
            }
        );
        assert!(!module_issue("g/p=ddiligent:opened:x").unwrap().closed);
        for wrong in ["g/p", "p=a:closed:x", "g/p=a:done:x", "g/p=a:closed", "g/p=:opened:x", "g/p=a:opened: "] {
            assert!(module_issue(wrong).is_err(), "{wrong}");
        }
        for wrong in ["g/p", "p=x", "g/p= "] {
            assert!(issue_template(wrong).is_err(), "{wrong}");
        }
    }
}
