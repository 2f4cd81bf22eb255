//! What users see: help, the types table, backup output; the README and schemas kept in sync.

use crate::common::*;

fn bless() -> bool {
    std::env::var("ATLAS_BLESS").is_ok()
}

#[test]
fn types_table() {
    let env = TestEnv::new();
    let (code, stdout, _) = out(&env.run(&["types"]));
    assert_eq!(code, 0);
    insta::assert_snapshot!("types", stdout);
    let (code, json, _) = out(&env.run(&["types", "--format", "json"]));
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v.as_array().unwrap().len(),
        tenant_atlas::catalog::all().len()
    );
    assert_eq!(v[0]["key"], "scopeTags");
}

#[test]
fn help_lists_the_commands() {
    let env = TestEnv::new();
    let (code, stdout, _) = out(&env.run(&["--help"]));
    assert_eq!(code, 0);
    insta::assert_snapshot!("help", stdout);
    let (code, stdout, _) = out(&env.run(&["backup", "--help"]));
    assert_eq!(code, 0);
    insta::assert_snapshot!("backup-help", stdout);
    let (code, _, stderr) = out(&env.run(&["backup", "--bogus"]));
    assert_eq!(code, 64, "usage errors exit 64: {stderr}");
}

#[test]
fn demo_backup_output() {
    let env = TestEnv::new();
    let (code, stdout, stderr) = out(&env.run(&["backup", "--demo", "repo"]));
    assert_eq!(code, 0, "{stderr}");
    let commit = git(&env.repo(), &["rev-parse", "HEAD"]);
    let stdout = stdout.replace(&commit.trim()[..10], "[COMMIT]");
    insta::assert_snapshot!("demo-backup", stdout);
    assert_eq!(
        stderr, "",
        "no progress bar or logs when stderr is not a terminal"
    );
    let (code, stdout, _) = out(&env
        .cmd(&["backup", "--demo", "repo"])
        .env("ATLAS_RUN_ID", "r2")
        .output()
        .unwrap());
    assert_eq!(code, 0);
    insta::assert_snapshot!(
        "demo-backup-again",
        stdout.replace(env.repo().to_str().unwrap(), "[REPO]")
    );
}

/// The README's supported-types table is generated from the catalog.
fn types_table_markdown() -> String {
    let mut s =
        String::from("| type key | what | Graph collection | restore |\n|---|---|---|---|\n");
    for e in tenant_atlas::catalog::all() {
        s.push_str(&format!(
            "| `{}` | {} | `{}` | {} |\n",
            e.key,
            e.title,
            e.paths().join("`, `"),
            e.capability.as_str()
        ));
    }
    s
}

#[test]
fn readme_types_table_matches_the_catalog() {
    let path = manifest_dir().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (start, end) = ("<!-- types:begin -->\n", "<!-- types:end -->");
    let i = readme.find(start).expect("README has a types:begin marker") + start.len();
    let j = readme.find(end).expect("README has a types:end marker");
    let want = types_table_markdown();
    if bless() {
        std::fs::write(&path, format!("{}{want}{}", &readme[..i], &readme[j..])).unwrap();
        return;
    }
    assert_eq!(
        &readme[i..j],
        want,
        "README types table is stale; re-run with ATLAS_BLESS=1"
    );
}

#[test]
fn committed_schemas_match_the_types() {
    let pretty = |v: serde_json::Value| serde_json::to_string_pretty(&v).unwrap() + "\n";
    let mut all = vec![
        (
            "schemas/policy.schema.json",
            pretty(tenant_atlas::normalize::document_schema()),
        ),
        (
            "schemas/atlas.schema.json",
            pretty(tenant_atlas::config::schema()),
        ),
        (
            "schemas/plan.schema.json",
            pretty(tenant_atlas::plan::schema()),
        ),
    ];
    for (file, schema) in tenant_atlas::render::schemas::all() {
        all.push((file, pretty(schema)));
    }
    for (file, want) in all {
        let path = manifest_dir().join(file);
        if bless() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &want).unwrap();
        }
        assert_eq!(
            std::fs::read_to_string(&path).unwrap_or_default(),
            want,
            "{file} is stale; re-run with ATLAS_BLESS=1"
        );
    }
}

#[test]
fn golden_documents_validate_against_the_schema() {
    let schema = tenant_atlas::normalize::document_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let golden = tree(&manifest_dir().join("fixtures/golden/demo"));
    let mut n = 0;
    for (path, bytes) in &golden {
        let folder = path.split('/').next().unwrap();
        if !path.ends_with(".yaml") || tenant_atlas::catalog::get(folder).is_none() {
            continue;
        }
        let doc: serde_json::Value =
            tenant_atlas::normalize::yaml::from_str(std::str::from_utf8(bytes).unwrap(), path)
                .unwrap();
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{path}: {errors:?}");
        n += 1;
    }
    assert!(n > 70, "{n} documents checked");
}
