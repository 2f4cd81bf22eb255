//! Scripted portal edits of the demo tenant (`serve --demo-drift`): what an administrator might
//! change in the Intune portal between two backups — a policy renamed, a setting weakened, a group
//! exclusion dropped, a policy added and one deleted — made on the embedded emulator through
//! [`Portal`], so that drift, the drift page and a restore have something to show. The objects are
//! the demo seed's (`fixtures/tenants/demo`); the unit test below holds the script to it.

use crate::emulator::{Portal, PortalAnswer};
use serde_json::{Value, json};

const CONFIGURATIONS: &str = "beta/deviceManagement/deviceConfigurations";
const COMPLIANCE: &str = "beta/deviceManagement/deviceCompliancePolicies";

/// "Windows – Device restrictions (Standard)": renamed.
const RESTRICTIONS: &str = "86524a2d-b436-536c-8092-7bad47141b21";
/// "Windows – Compliance (BitLocker, Defender)": its minimum password length lowered.
const WINDOWS_COMPLIANCE: &str = "b267751f-9d63-51d2-b6e5-5d6b3fe66dc5";
/// "Windows – BitLocker & Firewall": loses its exclusion of the kiosk devices group.
const ENDPOINT_PROTECTION: &str = "b18cf7ae-ed9d-59a3-a9c3-885b3fef00c7";
/// "Kiosk Devices".
const KIOSK_GROUP: &str = "141f84b3-35e3-52cb-bab3-459741f2c987";
/// "Update Ring – Executives": deleted.
const EXECUTIVES_RING: &str = "225d1739-a2f5-589a-aa9c-ca07923a2f19";

/// The name the restrictions policy is given.
pub const RENAMED_TO: &str = "Windows – Device restrictions (Standard, edited)";
/// The name of the policy the script adds.
pub const ADDED: &str = "Windows – Camera off (quick fix)";

/// Applies the script to this process's embedded demo tenant; what each edit did, in order. Once
/// per process: the second time, the deleted policy is gone and the script fails.
pub fn apply() -> Result<Vec<String>, String> {
    let (tenant_id, _, _) =
        super::credentials().ok_or("the embedded demo tenant has no credentials")?;
    apply_to(&super::portal()?, &tenant_id)
}

/// Applies the script to the demo tenant `tenant_id` served by `portal`.
pub fn apply_to(portal: &Portal, tenant_id: &str) -> Result<Vec<String>, String> {
    let send = |what: &str, method: &str, path: String, body: Option<Value>| {
        let answer = portal
            .request(tenant_id, method, &path, body)
            .map_err(|e| format!("{what}: {e}"))?;
        checked(what, answer)
    };
    let mut done = vec![];

    let what = format!("renamed “Windows – Device restrictions (Standard)” to “{RENAMED_TO}”");
    send(
        &what,
        "PATCH",
        format!("{CONFIGURATIONS}/{RESTRICTIONS}"),
        Some(json!({
            "@odata.type": "#microsoft.graph.windows10GeneralConfiguration",
            "displayName": RENAMED_TO,
        })),
    )?;
    done.push(what);

    let what = "“Windows – Compliance (BitLocker, Defender)”: minimum password length 8 → 6";
    send(
        what,
        "PATCH",
        format!("{COMPLIANCE}/{WINDOWS_COMPLIANCE}"),
        Some(json!({
            "@odata.type": "#microsoft.graph.windows10CompliancePolicy",
            "passwordMinimumLength": 6,
        })),
    )?;
    done.push(what.to_string());

    let what = "“Windows – BitLocker & Firewall”: no longer excludes “Kiosk Devices”";
    let path = format!("{CONFIGURATIONS}/{ENDPOINT_PROTECTION}");
    let current = send(what, "GET", format!("{path}/assignments"), None)?;
    let kept: Vec<Value> = current
        .body
        .as_ref()
        .and_then(|b| b["value"].as_array())
        .into_iter()
        .flatten()
        .filter(|a| a["target"]["groupId"] != KIOSK_GROUP)
        .map(|a| json!({"target": a["target"]}))
        .collect();
    send(
        what,
        "POST",
        format!("{path}/assign"),
        Some(json!({"assignments": kept})),
    )?;
    done.push(what.to_string());

    let what = format!("added “{ADDED}” (not assigned)");
    send(
        &what,
        "POST",
        CONFIGURATIONS.to_string(),
        Some(json!({
            "@odata.type": "#microsoft.graph.windows10GeneralConfiguration",
            "displayName": ADDED,
            "description": "Made in the portal while an incident was investigated.",
            "cameraBlocked": true,
        })),
    )?;
    done.push(what);

    let what = "deleted “Update Ring – Executives”";
    send(
        what,
        "DELETE",
        format!("{CONFIGURATIONS}/{EXECUTIVES_RING}"),
        None,
    )?;
    done.push(what.to_string());
    Ok(done)
}

/// A 2xx answer, or an error naming the edit and Graph's message.
fn checked(what: &str, answer: PortalAnswer) -> Result<PortalAnswer, String> {
    if answer.ok() {
        Ok(answer)
    } else {
        Err(format!(
            "{what}: the demo emulator answered {} {}",
            answer.status,
            answer.message()
        ))
    }
}

#[cfg(test)]
mod tests {
    /// The script fits the embedded seed. It runs on an emulator of its own, never on the one
    /// this process's other tests share.
    #[tokio::test]
    async fn the_script_applies_to_the_demo_seed() {
        let seed = crate::emulator::TenantSeed::from_files(super::super::files()).unwrap();
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let emu =
            crate::emulator::start(crate::emulator::EmulatorConfig::default(), vec![seed], addr)
                .await
                .unwrap();
        let (tenant, _, _) = super::super::credentials().unwrap();
        let portal = emu.portal();
        let done = super::apply_to(&portal, &tenant).unwrap();
        assert_eq!(done.len(), 5, "{done:?}");
        let get = |path: &str| portal.request(&tenant, "GET", path, None).unwrap();
        let renamed = get(&format!(
            "{}/{}",
            super::CONFIGURATIONS,
            super::RESTRICTIONS
        ));
        assert_eq!(renamed.body.unwrap()["displayName"], super::RENAMED_TO);
        let kept = get(&format!(
            "{}/{}/assignments",
            super::CONFIGURATIONS,
            super::ENDPOINT_PROTECTION
        ));
        let kept = kept.body.unwrap()["value"].as_array().unwrap().clone();
        assert_eq!(kept.len(), 1, "{kept:?}");
        assert_ne!(kept[0]["target"]["groupId"], super::KIOSK_GROUP);
        let gone = get(&format!(
            "{}/{}",
            super::CONFIGURATIONS,
            super::EXECUTIVES_RING
        ));
        assert_eq!(gone.status, 404);
        assert!(
            super::apply_to(&portal, &tenant).is_err(),
            "a second run fails on the deleted policy"
        );
        emu.shutdown().await;
    }
}
