//! `reconcile | head -1`: when the reader of its output goes away, the loop stops as on a stop
//! signal — running rounds finish, locks are released — and exits with its own code.

use super::*;
use std::io::BufRead;

#[test]
fn a_closed_output_pipe_stops_the_loop_and_releases_its_lock() {
    let (emu, gens) = fleet(EmulatorConfig::default(), &["piped"], 3);
    let url = emu.url();
    let tenants = tenant_yaml(
        &gens[0],
        &url,
        "  schedule: {backup: 100ms}\n  mode: backup\n",
    );
    let env = repo_with(&gens, &tenants, LOOP);
    let stderr = std::fs::File::create(env.path().join("reconcile.err")).unwrap();
    let mut child = env
        .cmd(&["--repo", "repo", "reconcile"])
        .env("ATLAS_LOG", "tenant_atlas=info")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(stderr))
        .spawn()
        .unwrap();
    // Read the first round's line, then go away as `head -1` does.
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("piped backup "), "{first}");
    let code = wait_exit(&mut child, "after its output closed");

    let (_, err) = output_of(&env);
    assert_eq!(code, 0, "{err}");
    let locks = env.repo().join(".git/atlas/locks");
    let held: Vec<_> = std::fs::read_dir(&locks)
        .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(held.is_empty(), "locks left behind: {held:?}");
    assert_eq!(status(&env, "piped").unwrap()["state"], "stopped", "{err}");
    assert!(err.contains("standard output closed"), "{err}");
}
