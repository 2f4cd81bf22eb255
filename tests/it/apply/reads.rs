//! An apply reads the tenant twice, counted by the emulator: once before writing (the plan checked
//! against the tenant as it is), once after (the read-back, and the backup that records the new
//! state from the same read). The backup it commits is the one a backup run would make.

use super::*;
use std::collections::BTreeSet;

/// Collections of the catalog the demo tenant serves, as the emulator logs their paths.
fn catalog_collections() -> BTreeSet<String> {
    // A collection below another's objects is read per parent, never by its template's name.
    tenant_atlas::catalog::all()
        .iter()
        .flat_map(|e| e.sources)
        .filter(|s| !s.collection.contains(tenant_atlas::catalog::PARENT_SEGMENT))
        .map(|s| format!("/{}/{}", s.version.as_str(), s.collection))
        .collect()
}

/// First-page reads of each collection between two `/_emulator/stats` answers.
fn reads_between(before: &Value, after: &Value) -> BTreeMap<String, u64> {
    let count = |v: &Value, path: &str| v["listReads"][path].as_u64().unwrap_or(0);
    after["listReads"]
        .as_object()
        .unwrap()
        .keys()
        .map(|p| (p.clone(), count(after, p) - count(before, p)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// The types the apply restores.
const PLANNED: [&str; 2] = ["deviceConfigurations", "settingsCatalog"];

#[test]
fn an_apply_reads_the_tenant_twice() {
    let emu = emulator();
    let env = backed_up(&emu);
    let backup = rev(&env, "HEAD");
    clear(&emu);
    let mut args = type_args(&PLANNED);
    args.push("--create-missing");
    let plan = plan_to(&env, "plan.json", &backup, &args);
    assert!(
        items_with(&plan, "create").len() >= 4,
        "{}",
        plan["summary"]
    );
    let before = emu.stats();
    let (code, stdout, stderr) = apply(&env, "plan.json", &[]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let reads = reads_between(&before, &emu.stats());
    let collections = catalog_collections();
    // The planned types, and the reference data every plan reads whole with them (not apps,
    // whose names a plan lists without reading each app).
    let planned: BTreeSet<String> = PLANNED
        .iter()
        .map(|k| tenant_atlas::catalog::get(k).unwrap())
        .chain(
            tenant_atlas::catalog::referenced()
                .filter(|(_, r)| r.whole)
                .map(|(e, _)| e),
        )
        .flat_map(|e| e.sources)
        .map(|s| format!("/{}/{}", s.version.as_str(), s.collection))
        .collect();
    for (path, n) in reads.iter().filter(|(p, _)| collections.contains(*p)) {
        let most = if planned.contains(path) { 2 } else { 1 };
        assert!(
            *n <= most,
            "{path} read {n} times by one apply (at most {most}): {reads:?}"
        );
    }
    for path in &planned {
        assert_eq!(reads.get(path), Some(&2), "{path}: {reads:?}");
    }
    // Every other collection was read once: by the backup after the apply.
    assert!(
        collections
            .iter()
            .filter(|p| !planned.contains(*p))
            .all(|p| reads.get(p) == Some(&1)),
        "{reads:?}"
    );
    assert!(stdout.contains("backup commit"), "{stdout}");
    // The backup the apply committed is what a backup run reads now: nothing left to change.
    let (code, stdout, stderr) = run(&env, &["backup"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("no change"), "{stdout}");
}
