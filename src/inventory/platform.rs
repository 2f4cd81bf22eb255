//! Which platform an object is for, from what its document says: the settings catalog's
//! `platforms`, an assignment filter's `platform`, the platform its `@odata.type` names
//! (`iosStoreApp`, `windows10GeneralConfiguration`, `depMacOSEnrollmentProfile`), else the one
//! its catalog entry is for (scripts, update profiles).

use crate::normalize::Document;

/// The platform, in the words Intune's portal uses: `windows`, `macOS`, `iOS`, `android`,
/// `linux`; `apple` for Apple tokens that serve iOS and macOS alike.
pub fn platform_of(doc: &Document, of_type: Option<&str>) -> Option<String> {
    let said = ["platforms", "platform"]
        .iter()
        .find_map(|k| doc.spec.get(*k).and_then(|v| v.as_str()))
        .and_then(from_word);
    said.or_else(|| doc.odata_type.as_deref().and_then(from_type))
        .or_else(|| of_type.map(str::to_string))
}

/// `windows10`, `windows10AndLater`, `macOS`, `iOS`, `androidForWork`, `linux` (lists such as
/// `windows10,windows10X` take their first word).
fn from_word(w: &str) -> Option<String> {
    let first = w.split([',', ' ']).find(|s| !s.is_empty())?;
    from_prefix(&first.to_ascii_lowercase())
}

/// `#microsoft.graph.iosStoreApp` → `iOS`; a `managed…` or `dep…` prefix is not the platform.
fn from_type(t: &str) -> Option<String> {
    let name = t.rsplit('.').next()?.to_ascii_lowercase();
    let name = name
        .strip_prefix("managed")
        .or_else(|| name.strip_prefix("dep"))
        .unwrap_or(&name);
    from_prefix(name)
}

fn from_prefix(n: &str) -> Option<String> {
    let p = if n.starts_with("windows") || n.starts_with("win32") || n.starts_with("winget") {
        "windows"
    } else if n.starts_with("macos") {
        "macOS"
    } else if n.starts_with("ios") || n.starts_with("ipad") {
        "iOS"
    } else if n.starts_with("android") || n.starts_with("aosp") {
        "android"
    } else if n.starts_with("linux") {
        "linux"
    } else {
        return None;
    };
    Some(p.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(odata_type: Option<&str>, spec: serde_json::Value) -> Document {
        Document {
            kind: "x".into(),
            id: "1".into(),
            name: "n".into(),
            odata_type: odata_type.map(str::to_string),
            scope_tags: None,
            assignments: None,
            spec,
            sidecars: Default::default(),
            secrets: vec![],
        }
    }

    #[test]
    fn platforms_come_from_the_document_before_the_type() {
        let cases = [
            (
                None,
                json!({"platforms": "windows10"}),
                None,
                Some("windows"),
            ),
            (None, json!({"platforms": "macOS"}), None, Some("macOS")),
            (
                None,
                json!({"platform": "androidForWork"}),
                None,
                Some("android"),
            ),
            (
                Some("#microsoft.graph.iosStoreApp"),
                json!({}),
                None,
                Some("iOS"),
            ),
            (
                Some("#microsoft.graph.managedIOSStoreApp"),
                json!({}),
                None,
                Some("iOS"),
            ),
            (
                Some("#microsoft.graph.depMacOSEnrollmentProfile"),
                json!({}),
                None,
                Some("macOS"),
            ),
            (
                Some("#microsoft.graph.win32LobApp"),
                json!({}),
                None,
                Some("windows"),
            ),
            (Some("#microsoft.graph.webApp"), json!({}), None, None),
            (
                Some("#microsoft.graph.deviceManagementScript"),
                json!({}),
                Some("windows"),
                Some("windows"),
            ),
            (
                Some("#microsoft.graph.conditionalAccessPolicy"),
                json!({}),
                None,
                None,
            ),
        ];
        for (t, spec, of_type, want) in cases {
            assert_eq!(
                platform_of(&doc(t, spec.clone()), of_type).as_deref(),
                want,
                "{t:?} {spec}"
            );
        }
    }
}
