//! Drift against the live tenant: no false drift, no writes, partial reads, malformed documents.

use super::*;
use reqwest::Method;
use serde_json::{Value, json};
use tenant_atlas::emulator::{EmulatorConfig, ListOrder};

// ---------------------------------------------------------------------------------------------
// 1. No false drift

#[test]
fn drift_finds_nothing_when_graph_reorders_or_pages_differently() {
    let env = backed_up_demo(&Emu::demo(EmulatorConfig::default()));
    let variants = [
        (
            "reverse",
            EmulatorConfig {
                order: ListOrder::Reverse,
                ..EmulatorConfig::default()
            },
        ),
        (
            "shuffle 7",
            EmulatorConfig {
                order: ListOrder::Shuffle(7),
                ..EmulatorConfig::default()
            },
        ),
        (
            "page size 1",
            EmulatorConfig {
                page_size: Some(1),
                ..EmulatorConfig::default()
            },
        ),
        (
            "page size 1000",
            EmulatorConfig {
                page_size: Some(1000),
                ..EmulatorConfig::default()
            },
        ),
    ];
    for (what, config) in variants {
        let emu = Emu::demo(config);
        point_at(&env, &emu);
        let (code, v, stderr) = json_of(&env, &["drift"]);
        let r = report(&v);
        assert_eq!(code, 0, "{what}: {v:#}\n{stderr}");
        assert_eq!(objects(r).len(), 0, "{what}: {v:#}");
        assert_eq!(r["documentsRead"], 0, "{what}: nothing parsed");
        assert_eq!(r["summary"]["changed"], 0, "{what}");
        let (code, text, _) = text_of(&env, &["drift"]);
        assert_eq!(code, 0, "{what}");
        assert!(text.contains("no changes"), "{what}: {text}");
        assert!(
            emu.stats()["requests"].as_u64().unwrap() > 20,
            "{what}: the live tenant was read"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 3. drift only reads

#[test]
fn drift_sends_no_write_request() {
    let emu = Emu::demo(EmulatorConfig::default());
    let env = backed_up_demo(&emu);
    // Some drift to report, so the run goes through rendering changes too.
    let c = client(&emu);
    send(
        &emu,
        &c,
        Method::PATCH,
        &format!("beta/deviceManagement/deviceConfigurations/{LOCKDOWN}"),
        Some(json!({"description": "changed live"})),
    );
    let before = emu.stats();
    let seq = last_seq(&before);
    let (code, v, stderr) = json_of(&env, &["drift"]);
    assert_eq!(code, 2, "{v:#}\n{stderr}");
    let after = emu.stats();
    let calls = methods_after(&after, seq);
    assert!(
        calls.len() > 20,
        "the live tenant was read: {}",
        calls.len()
    );
    let writes: Vec<&(String, String)> = calls.iter().filter(|(m, _)| m != "GET").collect();
    assert!(writes.is_empty(), "drift sent writes: {writes:?}");
    for m in ["POST", "PATCH", "PUT", "DELETE"] {
        assert_eq!(
            before["byMethod"][m], after["byMethod"][m],
            "no {m} counted by the emulator"
        );
    }
    assert_eq!(
        before["byMethod"]["GET"].as_u64().unwrap() + calls.len() as u64,
        after["byMethod"]["GET"].as_u64().unwrap()
    );
}

// ---------------------------------------------------------------------------------------------
// 4. Malformed documents

const BAD_INDENT: &str = "tenants/demo/deviceConfigurations/ios-restrictions--8b4641c8.yaml";
const BAD_SCHEMA: &str = "tenants/demo/namedLocations/corporate-hq-egress--75d209cc.yaml";
const NO_SIDECAR: &str = "tenants/demo/powershellScripts/map-network-drives--a7715cc6.yaml";
const HAND_EDITED: &str = "tenants/demo/settingsCatalog/bitlocker-os-drive--3e3e3c21.yaml";

/// Breaks three documents in three ways and edits a fourth properly, in one commit.
fn break_documents(env: &TestEnv) {
    let repo = env.repo();
    edit(&repo, BAD_INDENT, |t| {
        t.replace("\nodataType:", "\n    odataType:")
    });
    edit(&repo, BAD_SCHEMA, |t| {
        t.replace("\nspec:", "\ncolour: blue\nspec:")
    });
    std::fs::remove_file(repo.join(NO_SIDECAR.replace(".yaml", ".ps1"))).unwrap();
    edit(&repo, HAND_EDITED, |t| {
        t.replace("  description: ''", "  description: edited by hand")
    });
    commit_all(&repo, "hand edits");
}

/// Asserts one warning per broken document, each naming its file (and line where known).
fn assert_broken_warned(r: &Value, text: &str, stderr: &str) {
    let warnings = r["warnings"].as_array().unwrap();
    let of = |file: &str| -> &Value {
        warnings
            .iter()
            .find(|w| w["file"].as_str().is_some_and(|f| f.ends_with(file)))
            .unwrap_or_else(|| panic!("a warning for {file}: {warnings:#?}"))
    };
    let indent = of(BAD_INDENT);
    assert_eq!(
        indent["line"].as_u64(),
        Some(5),
        "the mis-indented line: {indent}"
    );
    let schema = of(BAD_SCHEMA);
    assert!(
        schema["message"].as_str().unwrap().contains("colour"),
        "names the unknown key: {schema}"
    );
    let sidecar = of(NO_SIDECAR);
    assert!(
        sidecar["message"]
            .as_str()
            .unwrap()
            .contains("map-network-drives--a7715cc6.ps1"),
        "names the missing sidecar: {sidecar}"
    );
    for f in [BAD_INDENT, BAD_SCHEMA, NO_SIDECAR] {
        assert!(
            text.contains(&format!("warning: {f}")),
            "{f} in text: {text}"
        );
        assert!(stderr.contains(f), "{f} logged on stderr: {stderr}");
    }
    assert!(
        text.contains(&format!("warning: {BAD_INDENT}:5:")),
        "{text}"
    );
}

#[test]
fn malformed_documents_are_warned_about_and_the_rest_still_compared() {
    let emu = Emu::demo(EmulatorConfig::default());
    let env = backed_up_demo(&emu);
    break_documents(&env);

    // diff of the hand-edit commit
    let (code, v, stderr) = json_of(&env, &["diff", "HEAD~1", "HEAD"]);
    assert_eq!(code, 3, "{v:#}\n{stderr}");
    let r = report(&v);
    let (tcode, text, tstderr) = text_of(&env, &["diff", "HEAD~1", "HEAD"]);
    assert_eq!(tcode, 3, "{text}");
    assert_broken_warned(r, &text, &tstderr);
    let objs = objects(r);
    let edited = objs
        .iter()
        .find(|o| o["id"] == BITLOCKER)
        .unwrap_or_else(|| panic!("the proper edit is still reported: {v:#}"));
    assert_eq!(edited["fields"][0]["new"], "edited by hand", "{edited:#}");
    assert!(text.contains("edited by hand"), "{text}");

    // drift: the broken commit against the (unchanged but for one PATCH) live tenant
    let c = client(&emu);
    send(
        &emu,
        &c,
        Method::PATCH,
        &format!("beta/deviceManagement/deviceConfigurations/{LOCKDOWN}"),
        Some(json!({"description": "changed live"})),
    );
    let (code, v, stderr) = json_of(&env, &["drift"]);
    assert_eq!(code, 3, "{v:#}\n{stderr}");
    let r = report(&v);
    let (tcode, text, tstderr) = text_of(&env, &["drift"]);
    assert_eq!(tcode, 3, "{text}");
    assert_broken_warned(r, &text, &tstderr);
    let live = objects(r)
        .iter()
        .find(|o| o["id"] == LOCKDOWN)
        .unwrap_or_else(|| panic!("the live change is still reported: {v:#}"));
    assert_eq!(live["fields"][0]["new"], "changed live", "{live:#}");
    assert!(
        objects(r).iter().any(|o| o["id"] == BITLOCKER),
        "the hand edit differs from the live tenant: {v:#}"
    );
    assert!(text.contains("changed live"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// Partial reads

#[test]
fn drift_with_an_unreadable_type_is_partial_and_reports_no_removals() {
    let env = backed_up_demo(&Emu::demo(EmulatorConfig::default()));
    let emu = Emu::demo(EmulatorConfig {
        page_size: Some(3),
        looping_next_link: Some("deviceManagement/configurationPolicies".into()),
        ..EmulatorConfig::default()
    });
    point_at(&env, &emu);
    let c = client(&emu);
    send(
        &emu,
        &c,
        Method::PATCH,
        &format!("beta/deviceManagement/deviceConfigurations/{LOCKDOWN}"),
        Some(json!({"description": "changed live"})),
    );
    let (code, v, stderr) = json_of(&env, &["drift"]);
    assert_eq!(code, 3, "{v:#}\n{stderr}");
    let r = report(&v);
    let unread = r["unread"].as_array().expect("unread types listed");
    assert!(
        unread.iter().any(|u| u["type"] == "settingsCatalog"),
        "{unread:#?}"
    );
    let objs = objects(r);
    assert!(
        objs.iter().all(|o| o["change"] != "removed"),
        "what was not read is not removed: {v:#}"
    );
    assert_eq!(objs.len(), 1, "only the live change: {v:#}");
    assert_eq!(objs[0]["id"], LOCKDOWN);
    let (code, text, _) = text_of(&env, &["drift"]);
    assert_eq!(code, 3);
    assert!(text.contains("not read: settingsCatalog"), "{text}");
    assert!(text.contains("(drift unknown)"), "{text}");
    assert!(text.contains("changed live"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// 5. Expiry health

/// Certificates and tokens that expire within 30 days are reported beside drift in every format;
/// they are not drift, so the exit code stays 0.
#[test]
fn tokens_near_expiry_show_beside_drift_and_leave_the_exit_code() {
    let emu = Emu::demo(EmulatorConfig::default());
    // Ten days before the demo's Zürich VPP token expires (2026-12-12T09:30:00Z).
    let mut env = backed_up_demo(&emu).env("ATLAS_NOW", "2026-12-02T09:30:00Z");
    let (code, v, stderr) = json_of(&env, &["drift"]);
    assert_eq!(code, 0, "health is not drift: {v:#}\n{stderr}");
    let r = report(&v);
    assert_eq!(objects(r).len(), 0, "{v:#}");
    let health: Vec<(String, String, i64)> = r["health"]
        .as_array()
        .expect("a health section")
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_string(),
                e["field"].as_str().unwrap().to_string(),
                e["daysLeft"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        health,
        [
            (
                "remoteAssistancePartners".to_string(),
                "onboardingRequestExpiryDateTime".to_string(),
                7
            ),
            (
                "vppTokens".to_string(),
                "expirationDateTime".to_string(),
                10
            ),
            (
                "deviceManagementPartners".to_string(),
                "whenPartnerDevicesWillBeMarkedAsNonCompliantDateTime".to_string(),
                12
            ),
        ],
        "{v:#}"
    );
    assert!(
        r["health"][1]["path"]
            .as_str()
            .unwrap()
            .starts_with("tenants/demo/vppTokens/zurich-apple-vpp--"),
        "{v:#}"
    );
    let (code, text, _) = text_of(&env, &["drift"]);
    assert_eq!(code, 0, "{text}");
    let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("health:")).collect();
    insta::assert_snapshot!("drift-health-text", lines.join("\n"));
    let (code, md, _) = text_of(&env, &["drift", "--format", "markdown"]);
    assert_eq!(code, 0, "{md}");
    assert!(md.contains("#### Health: certificates and tokens"), "{md}");
    assert!(
        md.contains(
            "Apple VPP tokens: \"Zürich – Apple \"VPP\" 🍎\" expires on 2026-12-12, in 10 days"
        ),
        "{md}"
    );

    // A month earlier nothing is near: no section at all.
    env.extra_env
        .push(("ATLAS_NOW".into(), "2026-10-01T00:00:00Z".into()));
    let (code, v, _) = json_of(&env, &["drift"]);
    assert_eq!(code, 0);
    assert!(report(&v).get("health").is_none(), "{v:#}");
}
