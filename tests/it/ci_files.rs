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
    assert!(readme.contains("/onboarder@1.0.0"), "the docs include the component by its file name");
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
