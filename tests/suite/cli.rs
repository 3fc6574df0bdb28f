//! The `beacon` binary: administration commands, configuration errors, graceful shutdown.

use crate::common::TestDb;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn beacon(db: &TestDb) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_beacon"));
    c.env("BEACON_DATABASE_URL", &db.url)
        .env_remove("BEACON_BIND")
        .env_remove("BEACON_BASE_URL");
    c
}

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn admin_commands_make_a_user_an_org_and_a_token_that_a_served_instance_accepts() {
    let db = TestDb::new().await;
    run_ok(beacon(&db).args(["migrate"]));
    run_ok(beacon(&db).args([
        "user",
        "create",
        "--email",
        "ops@example.com",
        "--password",
        "a long password",
        "--name",
        "Ops",
    ]));
    run_ok(beacon(&db).args([
        "org",
        "create",
        "--slug",
        "acme",
        "--name",
        "Acme",
        "--owner",
        "ops@example.com",
    ]));
    let stdout = run_ok(beacon(&db).args([
        "token",
        "create",
        "--org",
        "acme",
        "--email",
        "ops@example.com",
        "--role",
        "owner",
        "--name",
        "ci",
    ]));
    let token = stdout.trim();
    assert!(
        token.starts_with("bcn_") && !token.contains('\n'),
        "only the token on stdout: {stdout:?}"
    );

    let mut child = beacon(&db)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines.next().expect("the server logs its address").unwrap();
        if let Some(rest) = line.split("address=").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    let res = reqwest::Client::new()
        .get(format!("http://{addr}/api/v1/orgs/acme"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["slug"], "acme");

    // SIGTERM: stop accepting, finish, exit 0.
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
}

#[tokio::test]
async fn a_member_cannot_mint_a_token_above_their_role() {
    let db = TestDb::new().await;
    run_ok(beacon(&db).args([
        "user",
        "create",
        "--email",
        "a@example.com",
        "--password",
        "a long password",
    ]));
    run_ok(beacon(&db).args([
        "org",
        "create",
        "--slug",
        "acme",
        "--name",
        "Acme",
        "--owner",
        "a@example.com",
    ]));
    let out = beacon(&db)
        .args([
            "token",
            "create",
            "--org",
            "acme",
            "--email",
            "b@example.com",
            "--role",
            "owner",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user with email b@example.com"));
    let out = beacon(&db)
        .args([
            "token",
            "create",
            "--org",
            "acme",
            "--email",
            "a@example.com",
            "--role",
            "root",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--role"));
}

#[tokio::test]
async fn bad_configuration_values_exit_non_zero_naming_the_flag_and_the_variable() {
    let db = TestDb::new().await;
    for (args, env, needle) in [
        (vec!["--bind", "nowhere", "migrate"], None, "BEACON_BIND"),
        (
            vec!["migrate"],
            Some(("BEACON_DATABASE_URL", "mysql://x")),
            "BEACON_DATABASE_URL",
        ),
        (
            vec!["--base-url", "ftp://example.com", "migrate"],
            None,
            "BEACON_BASE_URL",
        ),
        (vec!["migrate"], Some(("BEACON_BIND", "8080")), "--bind"),
        (vec!["--signup", "sometimes", "migrate"], None, "--signup"),
        (
            vec!["--event-replay-window", "soon", "migrate"],
            None,
            "BEACON_EVENT_REPLAY_WINDOW",
        ),
        (
            vec!["migrate"],
            Some(("BEACON_EVENT_REPLAY_WINDOW", "1w")),
            "--event-replay-window",
        ),
        (
            vec!["--max-streams-per-ip", "0", "migrate"],
            None,
            "BEACON_MAX_STREAMS_PER_IP",
        ),
        (
            vec!["--trusted-proxies", "10.0.0.1,proxy", "migrate"],
            None,
            "BEACON_TRUSTED_PROXIES",
        ),
    ] {
        let mut cmd = beacon(&db);
        cmd.args(&args);
        if let Some((k, v)) = env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{args:?} {env:?}: {stderr}");
    }
}

#[tokio::test]
async fn invalid_input_to_admin_commands_is_explained() {
    let db = TestDb::new().await;
    let out = beacon(&db)
        .args(["user", "create", "--email", "nope", "--password", "short"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("email is not an email address")
            && stderr.contains("password must be at least 10"),
        "{stderr}"
    );
}
