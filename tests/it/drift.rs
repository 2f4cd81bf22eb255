//! The read-only views against real repositories: `drift` with live changes sent to the emulator as
//! real Graph writes, `diff` between commits, `show`, `log` and `docs`.

use crate::common::*;
use reqwest::Method;
use serde_json::{Value, json};
use tenant_atlas::emulator::{EmulatorConfig, ListOrder, TenantSeed};
use tenant_atlas::graph::{ClientConfig, Credential, Endpoints, GraphClient, SecretString};

const BITLOCKER: &str = "3e3e3c21-18f9-55db-a3dc-29c2ad6fb4dd";
const LOGON_BANNER: &str = "78b51358-19c1-5c55-a115-77aa29a786b8";
const MAP_DRIVES: &str = "a7715cc6-3f90-52df-8556-5b171f0c185d";
const LOCKDOWN: &str = "9f472a91-ca72-5f31-a75e-29f29f8ee3ca";
const RESTRICTIONS: &str = "86524a2d-b436-536c-8092-7bad47141b21";
const RING_PILOT: &str = "05ff1b8f-292c-5e27-9f82-cd30afa19239";
const CUSTOM_OMA: &str = "cdcc6849-a489-5d75-9772-479b70484ae2";

// ---------------------------------------------------------------------------------------------
// Helpers

/// A demo backup through `atlas.yaml` (tenant `demo`) from `emu`, committed once.
fn backed_up_demo(emu: &Emu) -> TestEnv {
    let (_, _, secret) = demo_credentials();
    let env = TestEnv::new().env(DEMO_SECRET_ENV, &secret);
    init_repo_for(&env, emu, "demo", "");
    let (code, stdout, stderr) = out(&env.run(&["backup", "--repo", "repo"]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    env
}

/// Points the repository's `demo` tenant at another emulator.
fn point_at(env: &TestEnv, emu: &Emu) {
    let (tenant, client, _) = demo_credentials();
    std::fs::write(
        env.repo().join("atlas.yaml"),
        config_for("demo", &tenant, &client, &emu.url(), ""),
    )
    .unwrap();
}

/// Another backup of the repository's tenants, with its own run id.
fn backup_again(env: &TestEnv, run: &str) {
    let (code, stdout, stderr) = out(&env
        .cmd(&["backup", "--repo", "repo"])
        .env("ATLAS_RUN_ID", run)
        .output()
        .unwrap());
    assert_eq!(code, 0, "backup {run}: {stdout}\n{stderr}");
}

/// Runs a view in the repository and parses its JSON output.
fn json_of(env: &TestEnv, args: &[&str]) -> (i32, Value, String) {
    // `--format` right after the command: later arguments may follow `--`.
    let mut all = vec!["--repo", "repo", args[0], "--format", "json"];
    all.extend_from_slice(&args[1..]);
    let (code, stdout, stderr) = out(&env.run(&all));
    let v: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}):\n{stdout}\n{stderr}"));
    (code, v, stderr)
}

/// Runs a view in the repository with text output.
fn text_of(env: &TestEnv, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["--repo", "repo"];
    all.extend_from_slice(args);
    out(&env.run(&all))
}

/// The one report of a single-tenant JSON answer.
fn report(v: &Value) -> &Value {
    let reports = v["reports"].as_array().expect("reports");
    assert_eq!(reports.len(), 1, "{v:#}");
    &reports[0]
}

fn objects(r: &Value) -> &Vec<Value> {
    r["objects"].as_array().expect("objects")
}

/// A Graph client of the demo tenant against `emu`.
fn client(emu: &Emu) -> GraphClient {
    let (tenant, client, secret) = demo_credentials();
    client_for(emu, &tenant, &client, &secret)
}

fn client_for(emu: &Emu, tenant: &str, client: &str, secret: &str) -> GraphClient {
    let mut config = ClientConfig::new(
        tenant,
        client,
        Credential::Secret(SecretString::new(secret)),
    );
    config.endpoints = Some(Endpoints::parse(&emu.url(), &emu.url()).unwrap());
    let _guard = emu.rt.enter();
    GraphClient::new(config).unwrap()
}

/// One real Graph write; panics when Graph refuses it.
fn send(emu: &Emu, c: &GraphClient, method: Method, path: &str, body: Option<Value>) -> Value {
    let r = emu
        .rt
        .block_on(c.send(method.clone(), path, body.as_ref()))
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    assert!(r.status < 300, "{method} {path}: {}", r.status);
    r.body.unwrap_or(Value::Null)
}

fn get(emu: &Emu, c: &GraphClient, path: &str) -> Value {
    emu.rt
        .block_on(c.get(path))
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

/// Every field change of an object as `label: old → new` lines, for messages.
fn field_lines(o: &Value) -> String {
    o["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{}: {} → {}", f["label"], f["old"], f["new"]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The Graph methods of the emulator's request log after sequence number `after`.
fn methods_after(stats: &Value, after: u64) -> Vec<(String, String)> {
    stats["log"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["seq"].as_u64().unwrap() > after)
        .map(|e| {
            (
                e["method"].as_str().unwrap().to_string(),
                e["path"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn last_seq(stats: &Value) -> u64 {
    stats["log"]
        .as_array()
        .unwrap()
        .last()
        .map_or(0, |e| e["seq"].as_u64().unwrap())
}

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
// 2. Drift found and rendered, one live change at a time

/// One live change and what the drift report must say about it.
struct Case {
    what: &'static str,
    apply: fn(&Emu, &GraphClient) -> String,
    check: fn(&Value, &str, &str),
}

fn put_settings_child(emu: &Emu, c: &GraphClient) -> String {
    let path = format!("beta/deviceManagement/configurationPolicies/{BITLOCKER}");
    let mut p = get(emu, c, &format!("{path}?$expand=settings"));
    let settings = p["settings"].as_array_mut().unwrap();
    let child = settings
        .iter_mut()
        .flat_map(|s| {
            s["settingInstance"]["choiceSettingValue"]["children"]
                .as_array_mut()
                .into_iter()
                .flatten()
        })
        .find(|ch| {
            ch["settingDefinitionId"]
                .as_str()
                .is_some_and(|d| d.ends_with("encryptionmethodwithxtsosdropdown_name"))
        })
        .expect("the nested OS-drive encryption choice");
    let old = child["choiceSettingValue"]["value"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(old.ends_with("_7"), "{old}");
    child["choiceSettingValue"]["value"] = json!(old.replace("_name_7", "_name_6"));
    let obj = p.as_object_mut().unwrap();
    obj.retain(|k, _| !k.starts_with("@odata.context") && k != "assignments");
    send(emu, c, Method::PUT, &path, Some(p));
    BITLOCKER.into()
}

fn check_settings_child(o: &Value, text: &str, what: &str) {
    assert_eq!(o["change"], "changed", "{what}");
    let fields = o["fields"].as_array().unwrap();
    assert_eq!(
        fields.len(),
        1,
        "{what}: only the child line\n{}",
        field_lines(o)
    );
    let f = &fields[0];
    assert_eq!(f["section"], "settings", "{what}");
    assert!(
        f["key"]
            .as_str()
            .unwrap()
            .ends_with("encryptionmethodwithxtsosdropdown_name"),
        "{what}: keyed by the chain of definition ids: {f}"
    );
    assert!(f["old"].as_str().unwrap().ends_with("_name_7"), "{f}");
    assert!(f["new"].as_str().unwrap().ends_with("_name_6"), "{f}");
    assert!(o["assignments"].as_array().unwrap().is_empty());
    assert!(
        text.contains("encryptionmethodwithxtsosdropdown_name"),
        "{text}"
    );
    assert!(
        text.contains("_name_7") && text.contains("_name_6"),
        "{text}"
    );
}

fn admx_presentation(emu: &Emu, c: &GraphClient) -> String {
    let base = format!("beta/deviceManagement/groupPolicyConfigurations/{LOGON_BANNER}");
    let dvs = get(
        emu,
        c,
        &format!(
            "{base}/definitionValues?$expand=definition,presentationValues($expand=presentation)"
        ),
    );
    let dv = dvs["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["definition"]["displayName"] == "Logon banner text (Contoso)")
        .expect("the banner definition value")
        .clone();
    let pv = &dv["presentationValues"][0];
    assert_eq!(pv["presentation"]["label"], "Banner lines");
    let body = json!({
        "added": [], "deletedIds": [],
        "updated": [{
            "id": dv["id"],
            "enabled": true,
            "presentationValues": [{
                "@odata.type": "#microsoft.graph.groupPolicyPresentationValueMultiText",
                "id": pv["id"],
                "values": ["Authorised use only.", "Unauthorised access is prosecuted."],
            }],
        }],
    });
    send(
        emu,
        c,
        Method::POST,
        &format!("{base}/updateDefinitionValues"),
        Some(body),
    );
    LOGON_BANNER.into()
}

fn check_admx(o: &Value, text: &str, what: &str) {
    assert_eq!(o["change"], "changed", "{what}");
    let fields = o["fields"].as_array().unwrap();
    assert!(!fields.is_empty(), "{what}");
    let f = fields
        .iter()
        .find(|f| f["label"].as_str().unwrap().contains("Banner lines"))
        .unwrap_or_else(|| panic!("{what}: labelled by the presentation\n{}", field_lines(o)));
    assert!(
        f["new"]
            .as_str()
            .unwrap()
            .contains("Unauthorised access is prosecuted."),
        "{f}"
    );
    assert!(
        f["old"]
            .as_str()
            .unwrap()
            .contains("Nur für autorisierte Benutzer."),
        "{f}"
    );
    assert!(text.contains("Banner lines"), "{text}");
    assert!(text.contains("Logon banner text (Contoso)"), "{text}");
    assert!(
        text.contains("Unauthorised access is prosecuted."),
        "{text}"
    );
    assert!(!text.contains("presentationValues"), "no raw JSON: {text}");
}

fn script_path() -> String {
    format!("beta/deviceManagement/deviceManagementScripts/{MAP_DRIVES}")
}

fn script_body(emu: &Emu, c: &GraphClient) -> String {
    let s = get(emu, c, &script_path());
    let mut body = String::from_utf8(unb64(s["scriptContent"].as_str().unwrap())).unwrap();
    body.push_str("Write-Output 'drives mapped'\n");
    send(
        emu,
        c,
        Method::PATCH,
        &script_path(),
        Some(json!({"@odata.type": s["@odata.type"], "scriptContent": b64(body.as_bytes())})),
    );
    MAP_DRIVES.into()
}

fn check_script_body(o: &Value, text: &str, what: &str) {
    assert_eq!(o["change"], "changed", "{what}");
    let sc = o["sidecars"].as_array().unwrap();
    assert_eq!(sc.len(), 1, "{what}: {o:#}");
    assert!(
        sc[0]["file"].as_str().unwrap().ends_with(".ps1"),
        "{}",
        sc[0]
    );
    let diff: Vec<&str> = sc[0]["diff"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(
        diff.iter()
            .any(|l| l.starts_with('+') && l.contains("Write-Output 'drives mapped'")),
        "{diff:?}"
    );
    assert!(text.contains("+Write-Output 'drives mapped'"), "{text}");
}

fn script_line_endings(emu: &Emu, c: &GraphClient) -> String {
    let s = get(emu, c, &script_path());
    let body = String::from_utf8(unb64(s["scriptContent"].as_str().unwrap())).unwrap();
    assert!(!body.contains('\r'));
    let crlf = body.replace('\n', "\r\n");
    send(
        emu,
        c,
        Method::PATCH,
        &script_path(),
        Some(json!({"@odata.type": s["@odata.type"], "scriptContent": b64(crlf.as_bytes())})),
    );
    MAP_DRIVES.into()
}

fn check_line_endings(o: &Value, text: &str, what: &str) {
    assert_eq!(o["change"], "changed", "{what}");
    let sc = o["sidecars"].as_array().unwrap();
    assert_eq!(sc.len(), 1, "{what}: {o:#}");
    let note = sc[0]["note"].as_str().unwrap_or_default();
    assert!(note.contains("line ending"), "{what}: {}", sc[0]);
    assert!(
        sc[0]["diff"].as_array().is_none_or(Vec::is_empty),
        "{what}: no diff lines: {}",
        sc[0]
    );
    assert!(text.contains("line ending"), "{text}");
}

fn assignment_removed(emu: &Emu, c: &GraphClient) -> String {
    let path = format!("beta/deviceManagement/deviceConfigurations/{LOCKDOWN}");
    let p = get(emu, c, &format!("{path}?$expand=assignments"));
    let keep: Vec<Value> = p["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["target"]["groupId"] != "141f84b3-35e3-52cb-bab3-459741f2c987")
        .map(|a| {
            let mut a = a.clone();
            let o = a.as_object_mut().unwrap();
            o.retain(|k, _| !["id", "source", "sourceId"].contains(&k.as_str()));
            a
        })
        .collect();
    assert_eq!(keep.len(), 1, "one of the two groups kept");
    send(
        emu,
        c,
        Method::POST,
        &format!("{path}/assign"),
        Some(json!({"assignments": keep})),
    );
    LOCKDOWN.into()
}

fn check_assignment_removed(o: &Value, text: &str, what: &str) {
    assert_eq!(o["change"], "changed", "{what}");
    assert!(
        o["fields"].as_array().unwrap().is_empty(),
        "{what}: {}",
        field_lines(o)
    );
    assert!(o["scopeTags"].as_array().unwrap().is_empty(), "{what}");
    let a = o["assignments"].as_array().unwrap();
    assert_eq!(a.len(), 1, "{what}: {o:#}");
    assert!(a[0]["new"].is_null(), "{what}: a removal: {}", a[0]);
    assert!(
        a[0]["old"].as_str().unwrap().contains("Kiosk Devices"),
        "{}",
        a[0]
    );
    assert!(text.contains("Kiosk Devices"), "{text}");
    assert!(
        !text.contains("Executives (VIP)"),
        "only the removed line: {text}"
    );
}

fn scope_tags(emu: &Emu, c: &GraphClient) -> String {
    send(
        emu,
        c,
        Method::PATCH,
        &format!("beta/deviceManagement/deviceConfigurations/{RESTRICTIONS}"),
        Some(json!({
            "@odata.type": "#microsoft.graph.windows10GeneralConfiguration",
            "roleScopeTagIds": ["0", "3"],
        })),
    );
    RESTRICTIONS.into()
}

fn check_scope_tags(o: &Value, text: &str, what: &str) {
    assert_eq!(o["change"], "changed", "{what}");
    assert!(
        o["fields"].as_array().unwrap().is_empty(),
        "{what}: {}",
        field_lines(o)
    );
    assert!(o["assignments"].as_array().unwrap().is_empty(), "{what}");
    let t = o["scopeTags"].as_array().unwrap();
    assert_eq!(t.len(), 1, "{what}: {o:#}");
    assert!(t[0]["old"].is_null());
    assert_eq!(t[0]["new"], "Tokyo");
    assert!(text.contains("Tokyo"), "{text}");
}

fn rename(emu: &Emu, c: &GraphClient) -> String {
    send(
        emu,
        c,
        Method::PATCH,
        &format!("beta/deviceManagement/deviceConfigurations/{RING_PILOT}"),
        Some(json!({
            "@odata.type": "#microsoft.graph.windowsUpdateForBusinessConfiguration",
            "displayName": "Update Ring – Early adopters",
        })),
    );
    RING_PILOT.into()
}

fn check_rename(o: &Value, text: &str, what: &str) {
    assert_eq!(o["change"], "renamed", "{what}");
    assert_eq!(o["oldName"], "Update Ring – Pilot");
    assert_eq!(o["name"], "Update Ring – Early adopters");
    let (old, new) = (o["oldPath"].as_str().unwrap(), o["path"].as_str().unwrap());
    assert_ne!(old, new);
    assert!(old.contains("pilot--05ff1b8f"), "{old}");
    assert!(new.contains("early-adopters--05ff1b8f"), "{new}");
    assert!(
        text.contains("\"Update Ring – Pilot\" → \"Update Ring – Early adopters\""),
        "{text}"
    );
}

fn added(emu: &Emu, c: &GraphClient) -> String {
    let created = send(
        emu,
        c,
        Method::POST,
        "beta/deviceManagement/deviceConfigurations",
        Some(json!({
            "@odata.type": "#microsoft.graph.windows10GeneralConfiguration",
            "displayName": "Camera off",
            "cameraBlocked": true,
        })),
    );
    created["id"].as_str().unwrap().to_string()
}

fn check_added(o: &Value, text: &str, what: &str) {
    assert_eq!(o["change"], "added", "{what}");
    assert_eq!(o["name"], "Camera off");
    assert!(o["oldPath"].is_null());
    assert!(
        o["fields"].as_array().unwrap().iter().any(|f| f["label"]
            .as_str()
            .unwrap()
            .contains("cameraBlocked")
            && f["new"] == "true"),
        "{}",
        field_lines(o)
    );
    assert!(text.contains("\"Camera off\""), "{text}");
    assert!(text.contains("added"), "{text}");
}

fn removed(emu: &Emu, c: &GraphClient) -> String {
    send(
        emu,
        c,
        Method::DELETE,
        &format!("beta/deviceManagement/deviceConfigurations/{CUSTOM_OMA}"),
        None,
    );
    CUSTOM_OMA.into()
}

fn check_removed(o: &Value, text: &str, what: &str) {
    assert_eq!(o["change"], "removed", "{what}");
    assert_eq!(o["name"], "Windows – Custom OMA-URI (mixed)");
    assert!(
        text.contains("\"Windows – Custom OMA-URI (mixed)\""),
        "{text}"
    );
    assert!(text.contains("removed"), "{text}");
}

/// The id of the object of an unknown type, created by [`unknown_type_created`].
static UNKNOWN_ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn unknown_type_created(emu: &Emu, c: &GraphClient) -> String {
    let created = send(
        emu,
        c,
        Method::POST,
        "beta/deviceManagement/deviceConfigurations",
        Some(json!({
            "@odata.type": "#microsoft.graph.futureDeviceConfiguration",
            "displayName": "Future thing",
            "quantumMode": "entangled",
            "nested": {"depth": 1, "list": ["a", "b"]},
        })),
    );
    let id = created["id"].as_str().unwrap().to_string();
    let _ = UNKNOWN_ID.set(id.clone());
    id
}

fn check_unknown_created(o: &Value, text: &str, what: &str) {
    assert_eq!(o["change"], "added", "{what}");
    assert_eq!(o["name"], "Future thing");
    assert!(text.contains("\"Future thing\""), "{text}");
}

fn unknown_type_changed(emu: &Emu, c: &GraphClient) -> String {
    let id = UNKNOWN_ID.get().expect("created first").clone();
    send(
        emu,
        c,
        Method::PATCH,
        &format!("beta/deviceManagement/deviceConfigurations/{id}"),
        Some(json!({
            "@odata.type": "#microsoft.graph.futureDeviceConfiguration",
            "quantumMode": "collapsed",
        })),
    );
    id
}

fn check_unknown_changed(o: &Value, text: &str, what: &str) {
    assert_eq!(o["change"], "changed", "{what}");
    let fields = o["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 1, "{what}: {}", field_lines(o));
    assert!(fields[0]["label"].as_str().unwrap().contains("quantumMode"));
    assert_eq!(fields[0]["old"], "entangled");
    assert_eq!(fields[0]["new"], "collapsed");
    assert!(text.contains("quantumMode"), "{text}");
    assert!(
        text.contains("entangled") && text.contains("collapsed"),
        "{text}"
    );
}

#[test]
fn drift_reports_each_kind_of_live_change_readably() {
    let emu = Emu::demo(EmulatorConfig::default());
    let env = backed_up_demo(&emu);
    let c = client(&emu);
    let cases = [
        Case {
            what: "settings catalog child setting",
            apply: put_settings_child,
            check: check_settings_child,
        },
        Case {
            what: "administrative template presentation value",
            apply: admx_presentation,
            check: check_admx,
        },
        Case {
            what: "script body",
            apply: script_body,
            check: check_script_body,
        },
        Case {
            what: "script line endings only",
            apply: script_line_endings,
            check: check_line_endings,
        },
        Case {
            what: "assignment removed",
            apply: assignment_removed,
            check: check_assignment_removed,
        },
        Case {
            what: "scope tag added",
            apply: scope_tags,
            check: check_scope_tags,
        },
        Case {
            what: "rename",
            apply: rename,
            check: check_rename,
        },
        Case {
            what: "new object",
            apply: added,
            check: check_added,
        },
        Case {
            what: "deleted object",
            apply: removed,
            check: check_removed,
        },
        Case {
            what: "object of an unknown type created",
            apply: unknown_type_created,
            check: check_unknown_created,
        },
        Case {
            what: "object of an unknown type changed",
            apply: unknown_type_changed,
            check: check_unknown_changed,
        },
    ];
    for (i, case) in cases.iter().enumerate() {
        let id = (case.apply)(&emu, &c);
        let what = case.what;
        let (code, v, stderr) = json_of(&env, &["drift"]);
        assert_eq!(code, 2, "{what}: {v:#}\n{stderr}");
        let r = report(&v);
        let objs = objects(r);
        assert_eq!(objs.len(), 1, "{what}: exactly one object: {v:#}");
        assert_eq!(
            r["summary"][objs[0]["change"].as_str().unwrap()],
            1,
            "{what}"
        );
        assert!(
            r["warnings"].as_array().unwrap().is_empty(),
            "{what}: {v:#}"
        );
        let o = &objs[0];
        assert_eq!(o["id"], id.as_str(), "{what}");
        let (tcode, text, _) = text_of(&env, &["drift"]);
        assert_eq!(tcode, 2, "{what}");
        assert!(text.contains(o["name"].as_str().unwrap()), "{what}: {text}");
        assert!(!text.contains("{\""), "{what}: no raw JSON in text: {text}");
        (case.check)(o, &text, what);
        // Accept the change: the next case starts from a clean drift.
        backup_again(&env, &format!("accept-{i}"));
        let (code, v, _) = json_of(&env, &["drift"]);
        assert_eq!(code, 0, "{what}: accepted by the backup: {v:#}");
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Malformed documents

/// `git add -A && git commit` in the repository, as a person editing it by hand would.
fn commit_all(repo: &std::path::Path, msg: &str) {
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

/// Edits one file of the repository in place.
fn edit(repo: &std::path::Path, rel: &str, f: impl FnOnce(String) -> String) {
    let p = repo.join(rel);
    let text = std::fs::read_to_string(&p).unwrap();
    let new = f(text.clone());
    assert_ne!(new, text, "{rel} was edited");
    std::fs::write(p, new).unwrap();
}

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
// 5. diff between commits

/// A repository backing up a generated tenant of `n` objects from `emu` (tenant `gen`).
fn generated_repo(emu: &Emu) -> (TestEnv, GraphClient) {
    let dump = tempfile::tempdir().unwrap();
    emu.handle.as_ref().unwrap().dump(dump.path()).unwrap();
    let t: Value =
        serde_json::from_slice(&std::fs::read(dump.path().join("tenant.json")).unwrap()).unwrap();
    let (tenant, client, secret) = (
        t["tenantId"].as_str().unwrap(),
        t["clients"][0]["clientId"].as_str().unwrap(),
        t["clients"][0]["clientSecret"].as_str().unwrap(),
    );
    let env = TestEnv::new().env(DEMO_SECRET_ENV, secret);
    assert_eq!(out(&env.run(&["init", "repo"])).0, 0);
    std::fs::write(
        env.repo().join("atlas.yaml"),
        config_for("gen", tenant, client, &emu.url(), ""),
    )
    .unwrap();
    let (code, stdout, stderr) = out(&env.run(&["backup", "--repo", "repo"]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let c = client_for(emu, tenant, client, secret);
    (env, c)
}

/// `(id, repository path, name)` of documents of one kind folder that have no sidecar.
fn plain_documents(env: &TestEnv, kind: &str) -> Vec<(String, String, String)> {
    let files = tree(&env.repo().join("tenants/gen").join(kind));
    let mut docs = vec![];
    for (rel, bytes) in &files {
        let Some(stem) = rel.strip_suffix(".yaml") else {
            continue;
        };
        if files
            .keys()
            .any(|k| k != rel && k.starts_with(&format!("{stem}.")))
        {
            continue;
        }
        let text = String::from_utf8_lossy(bytes);
        let field = |k: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}: ")))
                .unwrap()
                .trim_matches('\'')
                .to_string()
        };
        docs.push((
            field("id"),
            format!("tenants/gen/{kind}/{rel}"),
            field("name"),
        ));
    }
    docs
}

#[test]
fn diff_between_commits_reads_only_changed_documents() {
    let emu = Emu::start(
        EmulatorConfig::default(),
        vec![TenantSeed::generate(500, 21)],
    );
    let (env, c) = generated_repo(&emu);
    let docs = plain_documents(&env, "deviceConfigurations");
    assert!(
        docs.len() >= 10,
        "{} plain device configurations",
        docs.len()
    );
    let changed = &docs[..10];
    for (i, (id, _, _)) in changed.iter().enumerate() {
        let body = if i == 0 {
            json!({"displayName": "Renamed by the diff test"})
        } else {
            json!({"description": format!("changed {i}")})
        };
        send(
            &emu,
            &c,
            Method::PATCH,
            &format!("beta/deviceManagement/deviceConfigurations/{id}"),
            Some(body),
        );
    }
    backup_again(&env, "second");
    assert_eq!(commit_count(&env.repo()), 2);

    let (code, v, stderr) = json_of(&env, &["diff", "HEAD~1", "HEAD"]);
    assert_eq!(code, 0, "without --exit-code: {stderr}");
    let r = report(&v);
    let objs = objects(r);
    assert_eq!(objs.len(), 10, "{v:#}");
    assert_eq!(r["summary"]["changed"], 9);
    assert_eq!(r["summary"]["renamed"], 1);
    assert_eq!(
        r["documentsRead"], 20,
        "only the changed documents were parsed, old and new"
    );
    let renamed = objs.iter().find(|o| o["change"] == "renamed").unwrap();
    assert_eq!(renamed["id"], changed[0].0.as_str());
    assert_eq!(renamed["oldPath"], changed[0].1.as_str());
    assert_eq!(renamed["oldName"], changed[0].2.as_str());
    assert_eq!(renamed["name"], "Renamed by the diff test");
    for (i, (id, path, _)) in changed.iter().enumerate().skip(1) {
        let o = objs.iter().find(|o| o["id"] == id.as_str()).unwrap();
        assert_eq!(o["change"], "changed");
        assert_eq!(o["path"], path.as_str());
        assert!(
            o["fields"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["new"] == format!("changed {i}")),
            "{o:#}"
        );
    }
    let (_, text, _) = text_of(&env, &["diff", "HEAD~1", "HEAD"]);
    assert!(
        text.contains(&format!(
            "\"{}\" → \"Renamed by the diff test\"",
            changed[0].2
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("{} → ", changed[0].1)),
        "the old path is shown: {text}"
    );
    assert!(text.contains("changed 5"), "{text}");

    // --exit-code
    let (code, _, _) = text_of(&env, &["diff", "--exit-code", "HEAD~1", "HEAD"]);
    assert_eq!(code, 2);
    let (code, _, _) = text_of(&env, &["diff", "--exit-code", "HEAD", "HEAD"]);
    assert_eq!(code, 0, "no differences");

    // PATH limits: one file, then a folder relative to --tenant
    let one = &changed[3];
    let (code, v, _) = json_of(&env, &["diff", "HEAD~1", "HEAD", &one.1]);
    assert_eq!(code, 0);
    let r = report(&v);
    assert_eq!(objects(r).len(), 1, "{v:#}");
    assert_eq!(objects(r)[0]["id"], one.0.as_str());
    assert_eq!(r["documentsRead"], 2);
    let (_, v, _) = json_of(
        &env,
        &[
            "diff",
            "--tenant",
            "gen",
            "HEAD~1",
            "HEAD",
            "--",
            "settingsCatalog",
        ],
    );
    assert_eq!(objects(report(&v)).len(), 0, "nothing changed there: {v:#}");
    let (_, v, _) = json_of(
        &env,
        &[
            "diff",
            "--tenant",
            "gen",
            "HEAD~1",
            "HEAD",
            "deviceConfigurations/",
        ],
    );
    assert_eq!(objects(report(&v)).len(), 10, "{v:#}");

    // against the work tree
    let (id, path, name) = &docs[12];
    edit(&env.repo(), path, |t| {
        t.replace(&format!("name: {name}"), "name: Edited in the work tree")
            .replace(&format!("name: '{name}'"), "name: Edited in the work tree")
    });
    let (code, v, _) = json_of(&env, &["diff", "HEAD"]);
    assert_eq!(code, 0);
    let r = report(&v);
    assert_eq!(r["to"], "work tree");
    assert_eq!(objects(r).len(), 1, "{v:#}");
    let o = &objects(r)[0];
    assert_eq!(o["id"], id.as_str());
    assert_eq!(o["change"], "renamed");
    assert_eq!(o["name"], "Edited in the work tree");
    assert_eq!(r["documentsRead"], 2);
    let (code, text, _) = text_of(&env, &["diff", "--exit-code", "HEAD"]);
    assert_eq!(code, 2);
    assert!(text.contains("Edited in the work tree"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// 6–8. show, log, docs on a demo repository with two backups, the second renaming a policy

const PILOT_OLD: &str = "Update Ring – Pilot";
const PILOT_NEW: &str = "Update Ring – Early adopters";
const SECOND_RUN: &str = "20260116T093000Z-rename";

/// A demo backup, then a second backup after `Update Ring – Pilot` was renamed live.
fn renamed_demo() -> (Emu, TestEnv) {
    let emu = Emu::demo(EmulatorConfig::default());
    let env = backed_up_demo(&emu);
    let c = client(&emu);
    rename(&emu, &c);
    backup_again(&env, SECOND_RUN);
    assert_eq!(commit_count(&env.repo()), 2);
    (emu, env)
}

/// Paths of the Pilot ring before and after the rename.
fn pilot_paths(env: &TestEnv) -> (String, String) {
    let files = git(&env.repo(), &["ls-tree", "-r", "--name-only", "HEAD~1"]);
    let old = files
        .lines()
        .find(|l| l.contains("--05ff1b8f.yaml"))
        .unwrap()
        .to_string();
    let files = git(&env.repo(), &["ls-tree", "-r", "--name-only", "HEAD"]);
    let new = files
        .lines()
        .find(|l| l.contains("--05ff1b8f.yaml"))
        .unwrap()
        .to_string();
    assert_ne!(old, new);
    (old, new)
}

#[test]
fn show_finds_a_policy_by_name_id_path_and_revision() {
    let (_emu, env) = renamed_demo();
    let path = "tenants/demo/settingsCatalog/bitlocker-os-drive--3e3e3c21.yaml";
    let (code, by_name, stderr) = text_of(&env, &["show", "BitLocker – OS drive"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(by_name.starts_with("BitLocker – OS drive\n"), "{by_name}");
    assert!(by_name.contains(path), "{by_name}");
    assert!(
        by_name.contains("Security Operations"),
        "scope tags by name: {by_name}"
    );
    assert!(
        by_name.contains("\"Windows 11 only\""),
        "filter by name: {by_name}"
    );
    assert!(
        by_name.contains("encryptionmethodwithxtsosdropdown_name = "),
        "nested settings shown: {by_name}"
    );
    for other in ["3e3e3c21", BITLOCKER, path] {
        let (code, text, stderr) = text_of(&env, &["show", other]);
        assert_eq!(code, 0, "{other}: {stderr}");
        assert_eq!(text, by_name, "show {other} shows the same policy");
    }
    let (code, at_tag, _) = text_of(&env, &["show", "--tenant", "demo", "3e3e3c21"]);
    assert_eq!(code, 0);
    assert_eq!(at_tag, by_name);

    // An earlier version: the old name resolves at HEAD~1 only.
    let (old_path, new_path) = pilot_paths(&env);
    let (code, text, stderr) = text_of(&env, &["show", &format!("HEAD~1:{PILOT_OLD}")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(text.starts_with(&format!("{PILOT_OLD}\n")), "{text}");
    assert!(text.contains(&old_path), "{text}");
    assert!(text.contains("(at HEAD~1 ("), "{text}");
    let (code, text, _) = text_of(&env, &["show", "HEAD~1:05ff1b8f"]);
    assert_eq!(code, 0);
    assert!(text.contains(&old_path), "{text}");
    let (code, text, _) = text_of(&env, &["show", "05ff1b8f"]);
    assert_eq!(code, 0);
    assert!(
        text.starts_with(&format!("{PILOT_NEW}\n")) && text.contains(&new_path),
        "{text}"
    );
    let (code, _, stderr) = text_of(&env, &["show", PILOT_OLD]);
    assert_ne!(code, 0, "the old name is gone at HEAD: {stderr}");

    // Two policies share a name: exit 64 and both candidates listed.
    let (code, stdout, stderr) = text_of(&env, &["show", "iOS – Restrictions"]);
    assert_eq!(code, 64, "{stdout}{stderr}");
    for candidate in [
        "tenants/demo/deviceConfigurations/ios-restrictions--8b4641c8.yaml",
        "tenants/demo/deviceConfigurations/ios-restrictions--815e7ecc.yaml",
    ] {
        assert!(stderr.contains(candidate), "{candidate}: {stderr}");
    }
    assert!(stdout.is_empty(), "{stdout}");

    // JSON
    let (code, stdout, stderr) = text_of(&env, &["show", "3e3e3c21", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["id"], BITLOCKER);
    assert_eq!(v["name"], "BitLocker – OS drive");
    assert_eq!(v["path"], path);
    assert_eq!(v["scopeTags"], json!(["Default", "Security Operations"]));
    assert!(v["fields"].as_array().unwrap().len() > 5, "{v:#}");
}

#[test]
fn log_follows_a_rename_and_lists_backup_runs() {
    let (_emu, env) = renamed_demo();
    let (old_path, new_path) = pilot_paths(&env);
    let head = git(&env.repo(), &["rev-parse", "HEAD"]).trim().to_string();
    let first = git(&env.repo(), &["rev-parse", "HEAD~1"])
        .trim()
        .to_string();

    let (code, v, stderr) = json_of(&env, &["log", PILOT_NEW]);
    assert_eq!(code, 0, "{stderr}");
    let lines = v.as_array().unwrap();
    assert_eq!(lines.len(), 2, "the rename and the first backup: {v:#}");
    assert_eq!(lines[0]["commit"], head.as_str());
    assert_eq!(lines[0]["path"], new_path.as_str());
    assert_eq!(lines[1]["commit"], first.as_str());
    assert_eq!(
        lines[1]["path"],
        old_path.as_str(),
        "followed through the rename"
    );
    assert!(
        lines[0]["changes"].as_str().unwrap().contains(PILOT_OLD),
        "the rename is named: {}",
        lines[0]
    );
    let (code, text, _) = text_of(&env, &["log", "05ff1b8f"]);
    assert_eq!(code, 0);
    assert!(
        text.contains(&old_path) && text.contains(&new_path),
        "{text}"
    );
    assert!(
        text.contains(&format!("{PILOT_OLD} → {PILOT_NEW}")),
        "{text}"
    );

    // A policy untouched by the second backup has one commit.
    let (_, v, _) = json_of(&env, &["log", "BitLocker – OS drive"]);
    assert_eq!(v.as_array().unwrap().len(), 1, "{v:#}");

    // The tenant's history: both backups with their run ids from the Atlas-Run trailer.
    let (code, v, _) = json_of(&env, &["log", "--tenant", "demo"]);
    assert_eq!(code, 0);
    let lines = v.as_array().unwrap();
    let runs: Vec<&str> = lines.iter().map(|l| l["run"].as_str().unwrap()).collect();
    assert_eq!(runs, [SECOND_RUN, "20260115T093000Z-test01"], "{v:#}");
    let trailers = git(
        &env.repo(),
        &["log", "--format=%(trailers:key=Atlas-Run,valueonly)%x00"],
    );
    let trailers: Vec<&str> = trailers
        .split('\0')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    assert_eq!(runs, trailers);
    assert!(
        lines[0]["subject"]
            .as_str()
            .unwrap()
            .starts_with("backup(demo)")
    );
    let author = git(&env.repo(), &["log", "-1", "--format=%an"]);
    assert_eq!(lines[0]["author"], author.trim());
    let (_, text, _) = text_of(&env, &["log", "--tenant", "demo"]);
    assert!(text.contains(&format!("run {SECOND_RUN}")), "{text}");
    assert!(text.contains("run 20260115T093000Z-test01"), "{text}");
    let (_, v, _) = json_of(&env, &["log", "--tenant", "demo", "-n", "1"]);
    assert_eq!(v.as_array().unwrap().len(), 1);
}

#[test]
fn docs_are_deterministic_with_one_page_per_type_and_an_index() {
    let (_emu, env) = renamed_demo();
    let kinds: Vec<String> = std::fs::read_dir(env.repo().join("tenants/demo"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|k| !k.starts_with('_'))
        .collect();
    assert!(kinds.len() > 20, "{kinds:?}");
    let (a, b) = (env.path().join("docs-a"), env.path().join("docs-b"));
    for dir in [&a, &b] {
        let (code, stdout, stderr) = text_of(&env, &["docs", "--out", dir.to_str().unwrap()]);
        assert_eq!(code, 0, "{stdout}{stderr}");
    }
    let (ta, tb) = (tree(&a), tree(&b));
    assert_same_tree(&ta, &tb, "two docs runs");
    let mut want: Vec<String> = kinds.iter().map(|k| format!("demo/{k}.md")).collect();
    want.push("demo/README.md".into());
    want.sort();
    assert_eq!(ta.keys().cloned().collect::<Vec<_>>(), want);
    let index = String::from_utf8(ta["demo/README.md"].clone()).unwrap();
    for k in &kinds {
        assert!(
            index.contains(&format!("({k}.md)")),
            "{k} linked from the index:\n{index}"
        );
    }
    let rings = String::from_utf8(ta["demo/windowsUpdateRings.md"].clone()).unwrap();
    assert!(
        rings.contains(PILOT_NEW) && !rings.contains(PILOT_OLD),
        "HEAD documented"
    );
    // --rev documents an earlier commit.
    let c = env.path().join("docs-c");
    let (code, _, _) = text_of(
        &env,
        &["docs", "--rev", "HEAD~1", "--out", c.to_str().unwrap()],
    );
    assert_eq!(code, 0);
    let rings = std::fs::read_to_string(c.join("demo/windowsUpdateRings.md")).unwrap();
    assert!(rings.contains(PILOT_OLD), "{rings}");
}

#[test]
fn backup_with_docs_commits_them_with_the_backup() {
    let emu = Emu::demo(EmulatorConfig::default());
    let (_, _, secret) = demo_credentials();
    let env = TestEnv::new().env(DEMO_SECRET_ENV, &secret);
    init_repo_for(&env, &emu, "demo", "");
    let (code, stdout, stderr) = out(&env.run(&["backup", "--repo", "repo", "--docs"]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let before = commit_count(&env.repo());
    let files = git(&env.repo(), &["show", "--name-only", "--format=", "HEAD"]);
    assert!(files.lines().any(|l| l == "docs/demo/README.md"), "{files}");
    assert!(
        files.lines().any(|l| l == "docs/demo/settingsCatalog.md"),
        "{files}"
    );
    assert!(
        files.lines().any(|l| l.starts_with("tenants/demo/")),
        "{files}"
    );
    // The committed pages are what `docs` writes for that commit.
    let out_dir = env.path().join("docs-check");
    let (code, _, _) = text_of(&env, &["docs", "--out", out_dir.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_same_tree(
        &tree(&env.repo().join("docs")),
        &tree(&out_dir),
        "committed docs",
    );
    assert_eq!(git(&env.repo(), &["status", "--porcelain", "docs"]), "");

    // A rename: the next backup updates the pages in its own commit.
    let c = client(&emu);
    rename(&emu, &c);
    let (code, stdout, stderr) = out(&env
        .cmd(&["backup", "--repo", "repo", "--docs"])
        .env("ATLAS_RUN_ID", SECOND_RUN)
        .output()
        .unwrap());
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(commit_count(&env.repo()), before + 1);
    let files = git(&env.repo(), &["show", "--name-only", "--format=", "HEAD"]);
    assert!(
        files
            .lines()
            .any(|l| l == "docs/demo/windowsUpdateRings.md"),
        "{files}"
    );
    assert!(
        files
            .lines()
            .any(|l| l.contains("early-adopters--05ff1b8f")),
        "{files}"
    );
    let rings = git(
        &env.repo(),
        &["show", "HEAD:docs/demo/windowsUpdateRings.md"],
    );
    assert!(rings.contains(PILOT_NEW), "{rings}");
}
