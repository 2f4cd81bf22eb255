//! Test harness: a hermetic environment for the real CLI, and the real emulator on 127.0.0.1:0.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tenant_atlas::emulator::{self, EmulatorConfig, EmulatorHandle, TenantSeed};

/// The fixed clock of every test run.
pub const NOW: &str = "2026-01-15T09:30:00Z";
pub const DEMO_SECRET_ENV: &str = "DEMO_CLIENT_SECRET";

pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn demo_seed_dir() -> PathBuf {
    manifest_dir().join("fixtures/tenants/demo")
}

/// A temporary home, repository folder and fixed environment for CLI runs.
pub struct TestEnv {
    pub tmp: tempfile::TempDir,
    pub extra_env: Vec<(String, String)>,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("home")).unwrap();
        TestEnv {
            tmp,
            extra_env: vec![],
        }
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    pub fn repo(&self) -> PathBuf {
        self.tmp.path().join("repo")
    }

    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.extra_env.push((k.into(), v.into()));
        self
    }

    /// The CLI with a cleared environment: private HOME, fixed clock and git identity, no colour.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tenant-atlas"));
        c.env_clear()
            .env("HOME", self.tmp.path().join("home"))
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("ATLAS_NOW", NOW)
            .env("ATLAS_RUN_ID", "20260115T093000Z-test01")
            .env("NO_COLOR", "1")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Atlas Test")
            .env("GIT_AUTHOR_EMAIL", "test@atlas.invalid")
            .env("GIT_COMMITTER_NAME", "Atlas Test")
            .env("GIT_COMMITTER_EMAIL", "test@atlas.invalid")
            .current_dir(self.tmp.path())
            .args(args);
        for (k, v) in &self.extra_env {
            c.env(k, v);
        }
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }
}

/// Runs and returns (exit code, stdout, stderr).
pub fn out(o: &Output) -> (i32, String, String) {
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The emulator, running on its own runtime for the duration of a test.
pub struct Emu {
    pub rt: tokio::runtime::Runtime,
    pub handle: Option<EmulatorHandle>,
}

impl Emu {
    pub fn start(config: EmulatorConfig, seeds: Vec<TenantSeed>) -> Emu {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let handle = rt
            .block_on(emulator::start(
                config,
                seeds,
                "127.0.0.1:0".parse().unwrap(),
            ))
            .unwrap();
        Emu {
            rt,
            handle: Some(handle),
        }
    }

    pub fn demo(config: EmulatorConfig) -> Emu {
        Emu::start(
            config,
            vec![TenantSeed::load_dir(&demo_seed_dir()).unwrap()],
        )
    }

    pub fn url(&self) -> String {
        self.handle.as_ref().unwrap().base_url()
    }

    pub fn stats(&self) -> serde_json::Value {
        self.handle.as_ref().unwrap().stats()
    }
}

impl Drop for Emu {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            self.rt.block_on(h.shutdown());
        }
    }
}

/// The demo tenant's ids and secret from its seed.
pub fn demo_credentials() -> (String, String, String) {
    tenant_atlas::demo::credentials().unwrap()
}

/// An `atlas.yaml` with one tenant named `name` pointing at the emulator.
pub fn config_for(name: &str, tenant_id: &str, client_id: &str, url: &str, extra: &str) -> String {
    format!(
        "tenants:\n- name: {name}\n  tenantId: {tenant_id}\n  clientId: {client_id}\n  clientSecretEnv: {DEMO_SECRET_ENV}\n  endpoints: {{graph: '{url}', login: '{url}'}}\n{extra}"
    )
}

/// Initializes a repository whose config points at the emulator, for the demo tenant's credentials.
pub fn init_repo_for(env: &TestEnv, emu: &Emu, name: &str, extra: &str) {
    let (code, _, err) = out(&env.run(&["init", "repo"]));
    assert_eq!(code, 0, "{err}");
    let (tenant, client, _) = demo_credentials();
    std::fs::write(
        env.repo().join("atlas.yaml"),
        config_for(name, &tenant, &client, &emu.url(), extra),
    )
    .unwrap();
}

/// Every file below `dir`, relative, with its bytes. A missing or unreadable `dir` panics: two
/// wrong paths must not compare equal as two empty trees.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let entries =
            std::fs::read_dir(dir).unwrap_or_else(|e| panic!("tree of {}: {e}", dir.display()));
        for e in entries {
            let p = e.unwrap().path();
            if p.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

/// Compares two trees and panics with the first differences.
pub fn assert_same_tree(
    got: &BTreeMap<String, Vec<u8>>,
    want: &BTreeMap<String, Vec<u8>>,
    what: &str,
) {
    let missing: Vec<&String> = want.keys().filter(|k| !got.contains_key(*k)).collect();
    let extra: Vec<&String> = got.keys().filter(|k| !want.contains_key(*k)).collect();
    let differ: Vec<&String> = want
        .keys()
        .filter(|k| got.get(*k).is_some_and(|g| g != &want[*k]))
        .collect();
    if missing.is_empty() && extra.is_empty() && differ.is_empty() {
        return;
    }
    let mut msg = format!(
        "{what}: trees differ\n missing: {missing:?}\n extra: {extra:?}\n differ: {differ:?}\n"
    );
    if let Some(k) = differ.first() {
        msg.push_str(&format!(
            "--- want {k}\n{}\n--- got\n{}\n",
            String::from_utf8_lossy(&want[*k]),
            String::from_utf8_lossy(&got[*k])
        ));
    }
    panic!("{msg}");
}

/// git log of a repository, one line per commit.
pub fn git(repo: &Path, args: &[&str]) -> String {
    let o = Command::new("git")
        .args(args)
        .current_dir(repo)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", repo)
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn commit_count(repo: &Path) -> usize {
    git(repo, &["rev-list", "--count", "HEAD"])
        .trim()
        .parse()
        .unwrap_or(0)
}

/// Searches every file below `dir` (including .git internals such as run logs) for `needle`.
pub fn grep_dir(dir: &Path, needle: &str) -> Vec<String> {
    let mut hits = vec![];
    fn walk(dir: &Path, needle: &[u8], hits: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, needle, hits);
            } else if let Ok(bytes) = std::fs::read(&p)
                && bytes.windows(needle.len()).any(|w| w == needle)
            {
                hits.push(p.display().to_string());
            }
        }
    }
    walk(dir, needle.as_bytes(), &mut hits);
    hits
}

/// `git add -A && git commit` in the repository, as a person editing it by hand would.
pub fn commit_all(repo: &Path, msg: &str) {
    for args in [
        vec!["add", "-A"],
        vec![
            "-c",
            "user.name=Hand Editor",
            "-c",
            "user.email=hand@atlas.invalid",
            "commit",
            "-qm",
            msg,
        ],
    ] {
        let o = std::process::Command::new("git")
            .args(&args)
            .current_dir(repo)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", repo)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// A Graph client of one emulator tenant.
pub fn client_for(
    emu: &Emu,
    tenant: &str,
    client: &str,
    secret: &str,
) -> tenant_atlas::graph::GraphClient {
    use tenant_atlas::graph::{ClientConfig, Credential, Endpoints, GraphClient, SecretString};
    let mut config = ClientConfig::new(
        tenant,
        client,
        Credential::Secret(SecretString::new(secret)),
    );
    config.endpoints = Some(Endpoints::parse(&emu.url(), &emu.url()).unwrap());
    let _guard = emu.rt.enter();
    GraphClient::new(config).unwrap()
}

/// Commit ids, hashes and other hex ids (7 or more hex digits, at least one of them a digit)
/// replaced by `[id]`, so snapshots hold what a person reads, not what the clock made.
pub fn mask_ids(text: &str) -> String {
    let is_id = |w: &str| {
        w.len() >= 7
            && w.chars().all(|c| c.is_ascii_hexdigit())
            && w.chars().any(|c| c.is_ascii_digit())
    };
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        out.push_str(if is_id(word) { "[id]" } else { word });
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Whether `ATLAS_SKIP` (a comma-separated list) names `what`: the one way to skip a test whose
/// prerequisite (Chromium, the Python SDK) the machine lacks — asked for, never silent.
pub fn skip_requested(what: &str) -> bool {
    std::env::var("ATLAS_SKIP")
        .is_ok_and(|v| v.split(',').any(|s| s.trim().eq_ignore_ascii_case(what)))
}

/// `git fsck --full` of the repository at `repo` passes; `when` says at which point of a test.
pub fn assert_fsck_clean(repo: &Path, when: &str) {
    let fsck = Command::new("git")
        .args(["fsck", "--full", "--no-progress"])
        .current_dir(repo)
        .output()
        .unwrap();
    assert!(
        fsck.status.success(),
        "git fsck {when}: {}",
        String::from_utf8_lossy(&fsck.stderr)
    );
}

/// How many documents a backup of the demo tenant writes: those of the golden tree
/// (`fixtures/golden/demo`), so counts in tests follow the demo as types are added.
pub fn demo_objects() -> usize {
    tree(&manifest_dir().join("fixtures/golden/demo"))
        .keys()
        .filter(|p| p.ends_with(".yaml") && !p.starts_with("_refs/") && *p != "tenant.yaml")
        .count()
}

/// A repository with the demo tenant backed up (`repo/` of the environment).
pub fn demo_repo() -> TestEnv {
    let env = TestEnv::new();
    let (code, _, err) = out(&env.run(&["backup", "--demo", "repo"]));
    assert_eq!(code, 0, "{err}");
    env
}

/// Renames the first document of a type folder by hand (its `name:` line) and commits it; the
/// name it had.
pub fn rename_first(repo: &Path, type_folder: &str, new_name: &str) -> String {
    let dir = repo.join("tenants/demo").join(type_folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    let text = std::fs::read_to_string(&files[0]).unwrap();
    let old = text
        .lines()
        .find_map(|l| l.strip_prefix("name: "))
        .unwrap()
        .to_string();
    std::fs::write(
        &files[0],
        text.replacen(&format!("name: {old}"), &format!("name: {new_name}"), 1),
    )
    .unwrap();
    commit_all(repo, &format!("rename a {type_folder} document by hand"));
    old
}

/// The demo seed served by an emulator (with `config`) whose client holds only `roles` (Graph
/// answers 403 for what they do not allow).
pub fn demo_emulator_with_roles(roles: serde_json::Value, config: EmulatorConfig) -> Emu {
    let seed_dir = tempfile::tempdir().unwrap();
    crate::bad_input::copy_dir(&demo_seed_dir(), seed_dir.path());
    let tenant_json = seed_dir.path().join("tenant.json");
    let mut t: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&tenant_json).unwrap()).unwrap();
    t["clients"][0]["roles"] = roles;
    std::fs::write(&tenant_json, serde_json::to_vec_pretty(&t).unwrap()).unwrap();
    Emu::start(config, vec![TenantSeed::load_dir(seed_dir.path()).unwrap()])
}
