//! The `fake-gitlab` binary: a port already taken is named, with the way out, and the exit
//! status says it failed.

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
