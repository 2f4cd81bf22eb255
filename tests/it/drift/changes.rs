//! Drift found and rendered: one live change at a time, each a real Graph write to the emulator.

use super::*;
use reqwest::Method;
use serde_json::{Value, json};
use tenant_atlas::emulator::EmulatorConfig;
use tenant_atlas::graph::GraphClient;

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
    // Setting and options by their display names (from the definitions kept in `_refs/`).
    assert_eq!(f["old"], "XTS-AES 256-bit", "{f}");
    assert_eq!(f["new"], "XTS-AES 128-bit (default)", "{f}");
    assert!(
        f["label"]
            .as_str()
            .unwrap()
            .ends_with("› Select the encryption method for operating system drives"),
        "{f}"
    );
    assert!(o["assignments"].as_array().unwrap().is_empty());
    assert!(
        text.contains(
            "Select the encryption method for operating system drives: XTS-AES 256-bit → XTS-AES 128-bit (default)"
        ),
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

fn script_renamed(emu: &Emu, c: &GraphClient) -> String {
    send(
        emu,
        c,
        Method::PATCH,
        &script_path(),
        Some(json!({
            "@odata.type": "#microsoft.graph.deviceManagementScript",
            "displayName": "Map home and shared drives",
        })),
    );
    MAP_DRIVES.into()
}

fn check_script_renamed(o: &Value, text: &str, what: &str) {
    assert_eq!(o["change"], "renamed", "{what}");
    assert_eq!(o["oldName"], "Map network drives");
    let (old, new) = (o["oldPath"].as_str().unwrap(), o["path"].as_str().unwrap());
    assert!(old.ends_with("map-network-drives--a7715cc6.yaml"), "{old}");
    assert!(
        new.ends_with("map-home-and-shared-drives--a7715cc6.yaml"),
        "{new}"
    );
    assert!(
        o["sidecars"].as_array().unwrap().is_empty(),
        "{what}: the script moved with its document, unchanged: {o:#}"
    );
    assert!(
        o["fields"].as_array().unwrap().is_empty(),
        "{}",
        field_lines(o)
    );
    assert!(
        text.contains("\"Map network drives\" → \"Map home and shared drives\""),
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
            what: "script renamed with its sidecar",
            apply: script_renamed,
            check: check_script_renamed,
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
        let sides = if o["change"] == "added" || o["change"] == "removed" {
            1
        } else {
            2
        };
        assert_eq!(
            r["documentsRead"], sides,
            "{what}: only its documents parsed"
        );
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
