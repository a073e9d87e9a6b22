//! The shipped CI files say what docs/gitlab-ci.md promises: the component's inputs and jobs, the
//! image's layout. (`.ci/run` validates them against GitLab's schema; this checks their meaning.)

use serde_json::Value;

use crate::support::repo;

/// The documents of a YAML file: GitLab's `spec:` header, then the jobs.
fn documents(rel: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(repo().join(rel)).unwrap();
    text.split("\n---\n").map(|d| serde_saphyr::from_str::<Value>(d).unwrap_or_else(|e| panic!("{rel}: {e}"))).collect()
}

fn rules(job: &Value) -> String {
    job["rules"].as_array().unwrap().iter().map(|r| r["if"].as_str().unwrap_or("")).collect::<Vec<_>>().join(" | ")
}

#[test]
fn the_component_has_the_inputs_and_jobs_the_docs_describe() {
    let docs = documents("templates/onboarder.yml");
    assert_eq!(docs.len(), 2, "a spec header and the jobs");
    let inputs = docs[0]["spec"]["inputs"].as_object().unwrap();
    for input in ["config", "image", "version", "stage", "username", "sync", "new_hire", "merge_requests"] {
        assert!(inputs.contains_key(input), "input {input}");
    }
    let readme = std::fs::read_to_string(repo().join("docs/gitlab-ci.md")).unwrap();
    assert!(readme.contains("/onboarder@<version>"), "the docs include the component by its file name");
    let jobs = &docs[1];
    for job in ["onboarder-sync", "onboarder-new-hire", "onboarder-new-hire-needs-username", "onboarder-plan"] {
        assert!(jobs.get(job).is_some(), "job {job}");
        assert!(readme.contains(&format!("`{job}`")), "docs/gitlab-ci.md names {job}");
    }
    assert_eq!(jobs["onboarder-sync"]["resource_group"], "onboarder-sync");
    assert_eq!(jobs["onboarder-new-hire"]["resource_group"], "onboarder-sync");
    assert!(rules(&jobs["onboarder-sync"]).contains(r#"$CI_PIPELINE_SOURCE == "schedule""#));
    let new_hire = rules(&jobs["onboarder-new-hire"]);
    assert!(new_hire.contains("web|api|trigger") && new_hire.contains(r#"== "chat""#), "{new_hire}");
    assert!(rules(&jobs["onboarder-new-hire-needs-username"]).contains("web|api|trigger"));
    assert!(rules(&jobs["onboarder-plan"]).contains("merge_request_event"));
    // The image's entrypoint is onboarder; a job needs a shell instead.
    assert_eq!(jobs[".onboarder-base"]["image"]["entrypoint"], serde_json::json!([""]));
}

#[test]
fn the_image_is_built_locked_runs_as_a_user_and_holds_the_templates() {
    let dockerfile = std::fs::read_to_string(repo().join("Dockerfile")).unwrap();
    assert!(dockerfile.contains("cargo build --release --locked"));
    assert!(dockerfile.contains("COPY issue-templates/ /usr/share/onboarder/issue-templates/"));
    assert!(repo().join("issue-templates").is_dir());
    assert!(dockerfile.contains("\nUSER 10001\n"));
    assert!(dockerfile.trim_end().lines().any(|l| l == r#"ENTRYPOINT ["onboarder"]"#));
    let dockerignore = std::fs::read_to_string(repo().join(".dockerignore")).unwrap();
    assert!(dockerignore.lines().any(|l| l == "target/"), "the build context leaves target/ out");
}

/// Bug pinned: the docs pinned the component and the image at 1.0.0 while the crate was 0.1.0
/// and no release existed. One story now: the docs say `<version>`, a release's tag; a tag is
/// the crate's version (the `release-version` job refuses another); the pipeline fixture and its
/// script include the component at the crate's version.
#[test]
fn one_version_the_tag_is_the_crates_and_the_docs_pin_none() {
    let version = env!("CARGO_PKG_VERSION");
    let read = |rel: &str| std::fs::read_to_string(repo().join(rel)).unwrap();
    let mut docs: Vec<String> = std::fs::read_dir(repo().join("docs"))
        .unwrap()
        .map(|e| format!("docs/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    docs.push("README.md".into());
    for doc in &docs {
        let text = read(doc);
        for (at, _) in text.match_indices("/onboarder@") {
            let after = &text[at + "/onboarder@".len()..];
            assert!(after.starts_with("<version>"), "{doc} pins a version: {}", &after[..after.len().min(20)]);
        }
        assert!(!text.contains("version: 1.") && !text.contains("version: 0."), "{doc} pins an image version");
    }
    let fixture = read("tests/pipeline/gitlab-ci.yml");
    assert!(fixture.contains(&format!("/onboarder@{version}\n")), "{fixture}");
    assert!(fixture.contains(&format!("{{version: {version}, ")), "{fixture}");
    let script = read(".ci/pipeline_scenarios.py");
    assert!(script.contains("COMPONENT_VERSION = crate_version()") && script.contains("\"Cargo.toml\""));
    let ci = documents(".gitlab-ci.yml");
    let job = &ci[1]["release-version"];
    assert_eq!(rules(job), "$CI_COMMIT_TAG");
    let checks = job["script"].to_string();
    assert!(checks.contains("Cargo.toml") && checks.contains(r#"\"$CI_COMMIT_TAG\" != \"$version\""#), "{checks}");
    assert_eq!(job["stage"], "test", "it fails the pipeline before anything is built");
}

/// The image and the release asset ship the stripped release build (12.7 MB, not 74 MB).
#[test]
fn the_release_build_is_stripped() {
    let manifest = std::fs::read_to_string(repo().join("Cargo.toml")).unwrap();
    let release = manifest.split("[profile.release]").nth(1).expect("a release profile").split("\n[").next().unwrap();
    assert!(release.lines().any(|l| l.trim() == "strip = true"), "{release}");
    let ci = documents(".gitlab-ci.yml");
    assert!(ci[1]["binary"]["script"].to_string().contains("cargo build --release --locked"));
}
