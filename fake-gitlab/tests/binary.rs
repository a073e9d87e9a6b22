//! The `fake-gitlab` binary: a port already taken is named, with the way out, and the exit
//! status says it failed; the issue templates and people's issues it is told to start with are
//! there, as GitLab's API shows them.

use std::net::TcpListener;
use std::process::Command;

#[test]
fn a_taken_port_is_named_and_the_exit_status_is_non_zero() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_fake-gitlab")).args(["--port", &port]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains(&format!("port {port} on 127.0.0.1 is already in use")), "{stderr}");
    assert!(stderr.contains("--port"), "{stderr}");
    assert!(!stderr.contains("AddrInUse") && !stderr.contains("Os {"), "no debug dump: {stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).is_empty(), "nothing claims to listen");
}

/// The demo fake seeds issue templates and the issues people opened (a training module's, open or
/// closed), as the README's walkthrough uses them; GitLab's API then shows them as GitLab would.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_templates_and_module_issues_are_seeded_from_the_command_line() {
    use std::io::{BufRead, BufReader};
    let project = "g/support-training";
    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-gitlab"))
        .args(["--port", "0", "--user", "ddiligent=Dee Diligent"])
        .args(["--issue-template", &format!("{project}=GitLab Omnibus"), &format!("{project}=Documentation")])
        .args(["--module-issue", &format!("{project}=ddiligent:closed:Dee Diligent - GitLab Omnibus")])
        .args(["--module-issue", &format!("{project}=newbie:opened:Newbie - Documentation")])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    let url = loop {
        let line = lines.next().expect("the fake printed its address").unwrap();
        if let Some(url) = line.strip_prefix("fake-gitlab listening on ") {
            break url.to_string();
        }
        printed.push(line);
    };
    assert!(printed.iter().any(|l| l.contains("issue template: GitLab Omnibus in g/support-training")), "{printed:?}");
    assert!(printed.iter().any(|l| l.contains("by ddiligent, assigned to them, closed")), "{printed:?}");
    let client = reqwest::Client::new();
    let get = |path: String| {
        let request = client.get(format!("{url}/api/v4/projects/g%2Fsupport-training/{path}"));
        async move {
            let answer = request.header("PRIVATE-TOKEN", "demo-token").send().await.unwrap();
            assert_eq!(answer.status(), 200);
            answer.json::<serde_json::Value>().await.unwrap()
        }
    };
    let templates = get("templates/issues".into()).await;
    let names: Vec<&str> = templates.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Documentation", "GitLab Omnibus"]);
    let dee = get("issues?assignee_username=ddiligent&state=all".into()).await;
    let dee = &dee.as_array().unwrap()[..];
    assert_eq!(dee.len(), 1);
    assert_eq!(
        (dee[0]["title"].as_str(), dee[0]["state"].as_str(), dee[0]["author"]["username"].as_str()),
        (Some("Dee Diligent - GitLab Omnibus"), Some("closed"), Some("ddiligent"))
    );
    assert_eq!(dee[0]["assignees"][0]["name"], "Dee Diligent");
    let newbie = get("issues?assignee_username=newbie&state=opened".into()).await;
    assert_eq!(newbie.as_array().unwrap().len(), 1, "a user no flag named is created: {newbie}");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_module_issue_flag_that_does_not_read_is_named() {
    let out = Command::new(env!("CARGO_BIN_EXE_fake-gitlab"))
        .args(["--port", "0", "--module-issue", "g/p=dee:finished:Dee - Docs"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("--module-issue g/p=dee:finished:Dee - Docs: expected PROJECT=USERNAME:STATE:TITLE"),
        "{stderr}"
    );
}
