//! A repository served from a directory: the tree (paged, recursive) and raw files.

mod common;

use std::fs;

use common::{header, json, Env, PROJECT};
use serde_json::json;

fn roster_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("fake-gitlab-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("roster/emea")).unwrap();
    fs::write(dir.join("roster/alice.yaml"), "name: Alice\n").unwrap();
    fs::write(dir.join("roster/emea/bob.yaml"), "name: Bob\n").unwrap();
    fs::write(dir.join("README.md"), "# team\n").unwrap();
    dir
}

#[tokio::test]
async fn tree_and_raw_files() {
    let env = Env::default().await;
    let dir = roster_dir("tree");
    env.fake.add_repository_dir(PROJECT, "main", &dir);

    let r = env.get("/projects/{p}/repository/tree?path=roster&ref=main&recursive=true&per_page=2").await;
    assert_eq!(header(&r, "X-Next-Page").as_deref(), Some("2"));
    let (status, page1) = json(r).await;
    assert_eq!(status, 200);
    let (_, page2) =
        json(env.get("/projects/{p}/repository/tree?path=roster&ref=main&recursive=true&per_page=2&page=2").await)
            .await;
    let all: Vec<(String, String)> = page1
        .as_array()
        .unwrap()
        .iter()
        .chain(page2.as_array().unwrap())
        .map(|e| (e["path"].as_str().unwrap().to_string(), e["type"].as_str().unwrap().to_string()))
        .collect();
    let expected = [("roster/alice.yaml", "blob"), ("roster/emea", "tree"), ("roster/emea/bob.yaml", "blob")]
        .map(|(p, t)| (p.to_string(), t.to_string()));
    assert_eq!(all, expected);
    assert_eq!(page1[0]["name"], "alice.yaml");
    assert_eq!(page1[0]["mode"], "100644");

    let (_, top) = json(env.get("/projects/{p}/repository/tree").await).await;
    let names: Vec<&str> = top.as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["README.md", "roster"], "not recursive by default; ref defaults to main");

    let r = env.get("/projects/{p}/repository/files/roster%2Femea%2Fbob.yaml/raw?ref=main").await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.text().await.unwrap(), "name: Bob\n");
    for missing in ["roster%2Fnobody.yaml", "roster%2Femea", "..%2F..%2Fetc%2Fpasswd"] {
        let (status, body) =
            json(env.get(&format!("/projects/{{p}}/repository/files/{missing}/raw?ref=main")).await).await;
        assert_eq!((status, body), (404, json!({"message": "404 File Not Found"})), "{missing}");
    }
    let (status, _) = json(env.get("/projects/{p}/repository/files/README.md/raw?ref=nope").await).await;
    assert_eq!(status, 404);
    let (status, body) = json(env.get("/projects/{p}/repository/tree?path=nope").await).await;
    assert_eq!((status, body), (404, json!({"message": "404 Tree Not Found"})));
    let _ = fs::remove_dir_all(&dir);
}
