//! `fake-gitlab` binary: runs the fake on 127.0.0.1 so onboarder can be tried without GitLab.

use std::io::{self, ErrorKind};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

mod request_log;
mod roster;
mod seed;
use fake_gitlab::{FakeGitlab, Options};

/// An in-memory GitLab API (v4) on 127.0.0.1 for trying onboarder locally.
#[derive(Debug, Parser)]
#[command(name = "fake-gitlab", version)]
struct Args {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The token clients must send as PRIVATE-TOKEN.
    #[arg(long, default_value = "demo-token")]
    token: String,
    /// Username the token belongs to.
    #[arg(long, default_value = "onboarding-bot")]
    token_user: String,
    /// Project full paths to create (repeatable, or several after one flag).
    #[arg(long = "project", num_args = 1..)]
    projects: Vec<String>,
    /// Users to create, as `username` or `username=Full Name`.
    #[arg(long = "user", num_args = 1..)]
    users: Vec<String>,
    /// Also create every user a roster names, with the roster's GitLab ids: a directory of
    /// `<username>.yaml` files, or a file with `people:` or `participants:` (repeatable).
    #[arg(long = "roster", num_args = 1..)]
    rosters: Vec<std::path::PathBuf>,
    /// Serve a directory as the `main` branch of a project's repository, as `PROJECT=DIR`
    /// (repeatable; the project is created). For reading a roster from a GitLab repository.
    #[arg(long = "repository", num_args = 1..)]
    repositories: Vec<String>,
    /// Add an issue template to a project, as `PROJECT=NAME` (repeatable; the project is
    /// created): `GET /projects/:id/templates/issues` lists it, and GitLab opens a new issue
    /// from it with `/-/issues/new?issuable_template=NAME`.
    #[arg(long = "issue-template", num_args = 1.., value_name = "PROJECT=NAME")]
    issue_templates: Vec<String>,
    /// Add an issue a person opened and is assigned to, as `PROJECT=USERNAME:STATE:TITLE` with
    /// STATE `opened` or `closed` (repeatable; the project, and the user if no roster or --user
    /// names them, are created). A training module's issue, for example
    /// `g/support-training=ddiligent:closed:Dee Diligent - GitLab Omnibus`.
    #[arg(long = "module-issue", num_args = 1.., value_name = "PROJECT=USERNAME:STATE:TITLE")]
    module_issues: Vec<String>,
    /// The date (YYYY-MM-DD) the token expires, as `GET /personal_access_tokens/self` reports it.
    #[arg(long)]
    token_expires: Option<chrono::NaiveDate>,
    /// GitLab Free: one assignee per issue.
    #[arg(long)]
    free: bool,
    /// Apply GitLab.com's rate limits (200 issues, 60 notes, 2,000 requests a minute).
    #[arg(long)]
    gitlab_com_limits: bool,
    /// Milliseconds added to every response.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// On SIGUSR1, write every request answered so far to FILE, one a line (`METHOD STATUS PATH`).
    #[arg(long, value_name = "FILE")]
    request_log: Option<std::path::PathBuf>,
}

fn display_name(username: &str) -> String {
    username
        .split(['-', '_', '.'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fake-gitlab: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Binds the port, naming it when another process holds it (the bare `AddrInUse` said neither
/// which port nor what to do).
async fn listen(options: Options, port: u16) -> io::Result<FakeGitlab> {
    FakeGitlab::start_on(options, port).await.map_err(|e| match e.kind() {
        ErrorKind::AddrInUse => io::Error::other(format!(
            "port {port} on 127.0.0.1 is already in use; choose another with --port <PORT> (--port 0 picks a free one)"
        )),
        _ => io::Error::other(format!("cannot listen on 127.0.0.1:{port}: {e}")),
    })
}

async fn run(args: Args) -> io::Result<()> {
    let mut options = if args.gitlab_com_limits { Options::gitlab_com() } else { Options::default() };
    options.free_mode = args.free;
    options.latency = Duration::from_millis(args.latency_ms);

    let fake = listen(options, args.port).await?;
    if let Some(path) = &args.request_log {
        request_log::start(fake.clone(), path.clone())?;
    }
    let bot = fake.add_user(&args.token_user, &display_name(&args.token_user));
    fake.add_token(&args.token, bot);
    fake.set_token_expiry(&args.token, args.token_expires);
    for project in &args.projects {
        fake.add_project(project);
    }
    for user in &args.users {
        let (username, name) = match user.split_once('=') {
            Some((u, n)) => (u.to_string(), n.to_string()),
            None => (user.clone(), display_name(user)),
        };
        fake.add_user(&username, &name);
    }

    for path in &args.rosters {
        for (username, id, name) in roster::users(path)? {
            match id {
                Some(id) => fake.add_user_with_id(id, &username, &name),
                None => fake.add_user(&username, &name),
            };
            println!("  user:      {username} (from {})", path.display());
        }
    }
    for repository in &args.repositories {
        let Some((project, dir)) = repository.split_once('=') else {
            return Err(io::Error::other(format!("--repository {repository}: expected PROJECT=DIR")));
        };
        if !std::path::Path::new(dir).is_dir() {
            return Err(io::Error::other(format!("--repository {repository}: {dir} is not a directory")));
        }
        fake.add_project(project);
        fake.add_repository_dir(project, "main", dir);
        println!("  repository: {project} (branch main) from {dir}");
    }

    for value in &args.issue_templates {
        let t = seed::issue_template(value)?;
        seed::add_template(&fake, &t);
        println!("  issue template: {} in {}", t.name, t.project);
    }
    for value in &args.module_issues {
        let m = seed::module_issue(value)?;
        let iid = seed::add_module_issue(&fake, &m, &display_name(&m.username));
        let state = if m.closed { "closed" } else { "open" };
        println!("  issue:     {}#{iid} by {}, assigned to them, {state}: {}", m.project, m.username, m.title);
    }

    println!("fake-gitlab listening on {}", fake.url());
    println!("  API base:  {}/api/v4", fake.url());
    println!("  host:      {} (plain http)", fake.host());
    println!("  token:     {} (user {})", args.token, args.token_user);
    for project in &args.projects {
        println!("  project:   {project}");
    }
    for user in &args.users {
        println!("  user:      {user}");
    }
    println!("Everything lives in memory. Press Ctrl-C to stop.");

    tokio::signal::ctrl_c().await?;
    fake.shutdown();
    Ok(())
}
