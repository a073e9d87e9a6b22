//! A repository read as git stores it: symlinks (mode 120000, never followed, their target as
//! content), executables (100755), submodules (type commit, 160000), bytes that are not UTF-8,
//! Git LFS pointers and objects (`lfs=true`), and the order and pages each release lists a tree in.

mod common;

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::PathBuf;

use common::{header, json, Env, PROJECT};
use fake_gitlab::{lfs_pointer, Options, TreePaging};
use serde_json::{json, Value};

const BYTES: &[u8] = &[0xff, 0xfe, 0x00, b'a', 0x80, b'\n'];
const SUBMODULE: &str = "0123456789abcdef0123456789abcdef01234567";

fn oid(c: char) -> String {
    c.to_string().repeat(64)
}

/// README.md, an executable, a binary file, an LFS pointer, docs/ (with a directory a
/// submodule hides), symlinks to a file and to a directory, and vendor/ holding a submodule.
fn repository(env: &Env, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fake-gitlab-git-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("docs/sub")).unwrap();
    fs::create_dir_all(dir.join("vendor")).unwrap();
    fs::write(dir.join("README.md"), "# team\n").unwrap();
    fs::write(dir.join("docs/guide.md"), "guide\n").unwrap();
    fs::write(dir.join("docs/sub/hidden.md"), "in the submodule's checkout\n").unwrap();
    fs::write(dir.join("run.sh"), "#!/bin/sh\n").unwrap();
    fs::set_permissions(dir.join("run.sh"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(dir.join("binary.dat"), BYTES).unwrap();
    fs::write(dir.join("big.bin"), lfs_pointer(&oid('a'), 11)).unwrap();
    fs::write(dir.join("lost.bin"), lfs_pointer(&oid('b'), 5)).unwrap();
    symlink("README.md", dir.join("link-to-readme")).unwrap();
    symlink("docs", dir.join("linked-dir")).unwrap();
    env.fake.add_repository_dir(PROJECT, "main", &dir);
    env.fake.add_submodule(PROJECT, "main", "docs/sub", SUBMODULE);
    env.fake.add_submodule(PROJECT, "main", "vendor/lib", SUBMODULE);
    env.fake.add_lfs_object(PROJECT, &oid('a'), "large bytes");
    dir
}

fn listing(entries: &Value) -> Vec<(String, String, String)> {
    let entry = |e: &Value| {
        let s = |k: &str| e[k].as_str().unwrap().to_string();
        (s("path"), s("type"), s("mode"))
    };
    entries.as_array().unwrap().iter().map(entry).collect()
}

fn rows(rows: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    rows.iter().map(|(p, t, m)| (p.to_string(), t.to_string(), m.to_string())).collect()
}

#[tokio::test]
async fn the_tree_lists_symlinks_executables_and_submodules_as_git_stores_them() {
    let env = Env::default().await;
    let dir = repository(&env, "tree");
    let (status, top) = json(env.get("/projects/{p}/repository/tree").await).await;
    assert_eq!(status, 200);
    // `git ls-tree` order (the default `TreePaging::Plain`).
    let expected = rows(&[
        ("README.md", "blob", "100644"),
        ("big.bin", "blob", "100644"),
        ("binary.dat", "blob", "100644"),
        ("docs", "tree", "040000"),
        ("link-to-readme", "blob", "120000"),
        ("linked-dir", "blob", "120000"),
        ("lost.bin", "blob", "100644"),
        ("run.sh", "blob", "100755"),
        ("vendor", "tree", "040000"),
    ]);
    assert_eq!(listing(&top), expected);
    let (_, docs) = json(env.get("/projects/{p}/repository/tree?path=docs").await).await;
    assert_eq!(listing(&docs), rows(&[("docs/guide.md", "blob", "100644"), ("docs/sub", "commit", "160000")]));
    assert_eq!(docs[1]["id"], SUBMODULE);
    assert_eq!(docs[1]["name"], "sub");
    let (_, vendor) = json(env.get("/projects/{p}/repository/tree?path=vendor&recursive=true").await).await;
    assert_eq!(listing(&vendor), rows(&[("vendor/lib", "commit", "160000")]));
    // Neither a symlinked directory nor a submodule is a tree to list.
    for path in ["linked-dir", "docs/sub", "README.md"] {
        let (status, body) = json(env.get(&format!("/projects/{{p}}/repository/tree?path={path}")).await).await;
        assert_eq!((status, body), (404, json!({"message": "404 Tree Not Found"})), "{path}");
    }
    let _ = fs::remove_dir_all(dir);
}

#[tokio::test]
async fn raw_files_are_the_stored_bytes_and_lfs_true_fetches_the_object() {
    let env = Env::default().await;
    let dir = repository(&env, "raw");
    let raw = |path: &str| format!("/projects/{{p}}/repository/files/{path}/raw?ref=main");
    let bytes = |r: reqwest::Response| async move { r.bytes().await.unwrap().to_vec() };
    assert_eq!(bytes(env.get(&raw("binary.dat")).await).await, BYTES);
    assert_eq!(bytes(env.get(&raw("link-to-readme")).await).await, b"README.md");
    assert_eq!(bytes(env.get(&raw("big.bin")).await).await, lfs_pointer(&oid('a'), 11).as_bytes());

    let object = env.get(&format!("{}&lfs=true", raw("big.bin"))).await;
    assert_eq!(header(&object, "content-type").as_deref(), Some("application/octet-stream"));
    assert_eq!(bytes(object).await, b"large bytes");
    // Not a pointer: `lfs=true` changes nothing.
    assert_eq!(bytes(env.get(&format!("{}&lfs=true", raw("README.md"))).await).await, b"# team\n");
    let (status, body) = json(env.get(&format!("{}&lfs=true", raw("lost.bin"))).await).await;
    assert_eq!((status, body), (404, json!({"message": "404 Not Found"})), "no such LFS object");

    for path in ["linked-dir%2Fguide.md", "docs%2Fsub%2Fhidden.md", "docs%2Fsub", "vendor%2Flib", "docs"] {
        let (status, body) = json(env.get(&raw(path)).await).await;
        assert_eq!((status, body), (404, json!({"message": "404 File Not Found"})), "{path}");
    }
    let (status, body) = json(env.get("/projects/{p}/repository/files/README.md/raw?ref=nope").await).await;
    assert_eq!((status, body), (404, json!({"message": "404 Commit Not Found"})));
    let _ = fs::remove_dir_all(dir);
}

async fn page_of(env: &Env, query: &str) -> (Vec<String>, Option<String>, Option<String>) {
    let r = env.get(&format!("/projects/{{p}}/repository/tree?{query}")).await;
    let (next, pages) = (header(&r, "X-Next-Page"), header(&r, "X-Total-Pages"));
    let (_, body) = json(r).await;
    (listing(&body).into_iter().map(|(p, _, _)| p).collect(), next, pages)
}

#[tokio::test]
async fn releases_order_and_page_the_tree_as_they_did() {
    let top =
        ["docs", "vendor", "README.md", "big.bin", "binary.dat", "link-to-readme", "linked-dir", "lost.bin", "run.sh"];
    let some = |s: &str| Some(s.to_string());

    // Before 17.1: offset pages over trees, then blobs, then submodules.
    let env = Env::start(Options { tree_paging: TreePaging::Offset, ..Options::default() }).await;
    let dir = repository(&env, "offset");
    assert_eq!(page_of(&env, "").await, (top.map(String::from).to_vec(), some(""), some("1")));
    let (recursive, _, _) = page_of(&env, "recursive=true&per_page=100").await;
    assert_eq!(recursive[..3], ["docs", "vendor", "README.md"]);
    assert_eq!(recursive[recursive.len() - 2..], ["docs/sub", "vendor/lib"], "submodules last");
    let _ = fs::remove_dir_all(dir);

    // 17.1: the only page still announces a second one, which is empty.
    let env = Env::start(Options { tree_paging: TreePaging::FirstPageAlwaysNext, ..Options::default() }).await;
    let dir = repository(&env, "always-next");
    assert_eq!(page_of(&env, "").await, (top.map(String::from).to_vec(), some("2"), some("1")));
    assert_eq!(page_of(&env, "page=2").await, (vec![], some(""), some("1")));
    // Pages of 4: X-Total-Pages is 9 / 4 + 1 = 3.
    assert_eq!(
        page_of(&env, "per_page=4").await,
        (top[..4].iter().map(|s| s.to_string()).collect(), some("2"), some("3"))
    );
    let _ = fs::remove_dir_all(dir);

    // The newest pager counts: no next page after the only one.
    let env = Env::start(Options { tree_paging: TreePaging::FirstPageCounted, ..Options::default() }).await;
    let dir = repository(&env, "counted");
    assert_eq!(page_of(&env, "").await, (top.map(String::from).to_vec(), some(""), some("1")));
    assert_eq!(page_of(&env, "per_page=5").await.1, some("2"));
    let _ = fs::remove_dir_all(dir);
}
