//! Secrets never leave the tenant: they are replaced by a marker before anything is written.
//!
//! Graph hides some secrets itself (encrypted OMA-URI values come back as `****`, secret settings as an
//! opaque `encryptedValueToken`), but we redact on the shape, not on Graph's masking, so a plaintext
//! value that slipped through is still never written. For the same reason a hidden secret answered
//! as `null`, or with no `value` at all, is the same secret: it gets the marker too, so the document
//! does not depend on how Graph chose to hide it (`docs/graph-variation.md`). The document's `secrets:` list names every
//! redacted path; restore asks for those values.

use crate::catalog::SECRET_KEYS;
use serde_json::Value;

/// What a redacted value is replaced with. A marker, never a hash of the secret.
pub const MARKER: &str = "<redacted>";

/// Replaces every secret value below `v` with [`MARKER`].
pub fn redact(v: &mut Value) {
    match v {
        Value::Object(map) => {
            let encrypted = map.get("isEncrypted").and_then(Value::as_bool) == Some(true);
            // A secret setting value, by type or by its `valueState` (docs/graph-notes.md, "Secrets
            // Graph hides").
            let secret_setting = map
                .get("@odata.type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.ends_with("SecretSettingValue"))
                || map
                    .get("valueState")
                    .and_then(Value::as_str)
                    .is_some_and(|s| {
                        matches!(s, "encryptedValueToken" | "notEncrypted" | "invalid")
                    });
            if encrypted || secret_setting {
                map.insert("value".into(), Value::String(MARKER.into()));
            }
            if secret_setting {
                // The representation state of the secret (`encryptedValueToken`) is the server's, not policy.
                map.remove("valueState");
            }
            for (k, child) in map.iter_mut() {
                let secret_key = SECRET_KEYS.iter().any(|s| s.eq_ignore_ascii_case(k));
                let present = match child {
                    Value::Null => false,
                    Value::String(s) => !s.is_empty(),
                    _ => true,
                };
                if secret_key && present {
                    *child = Value::String(MARKER.into());
                } else {
                    redact(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// Paths (`spec.omaSettings[2].value`) of every marker below `v`, in document order.
pub fn marker_paths(v: &Value, prefix: &str) -> Vec<String> {
    let mut out = vec![];
    walk(v, prefix.to_string(), &mut out);
    out
}

fn walk(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::String(s) if s == MARKER => out.push(at),
        Value::Object(map) => {
            for (k, child) in map {
                walk(child, format!("{at}.{k}"), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(child, format!("{at}[{i}]"), out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redacts_oma_secret_settings_and_secret_keys() {
        let mut v = json!({
            "untyped": {"value": "tok", "valueState": "encryptedValueToken"},
            "vpn": {"password": {"value": "nested"}},
            "omaSettings": [
                {"omaUri": "./a", "value": "plain", "isEncrypted": false},
                {"omaUri": "./b", "value": "****", "isEncrypted": true, "secretReferenceValueId": "r"},
                {"omaUri": "./c", "value": null, "isEncrypted": true, "secretReferenceValueId": "s"},
                {"omaUri": "./d", "isEncrypted": true, "secretReferenceValueId": "t"}
            ],
            "settings": [{"settingInstance": {"simpleSettingValue": {
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationSecretSettingValue",
                "value": "token-abc", "valueState": "encryptedValueToken"}}},
                {"settingInstance": {"simpleSettingValue": {
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationSecretSettingValue",
                "valueState": "encryptedValueToken"}}}],
            "wifi": {"preSharedKey": "hunter2", "password": ""}
        });
        redact(&mut v);
        assert_eq!(v["omaSettings"][0]["value"], "plain");
        assert_eq!(v["omaSettings"][1]["value"], MARKER);
        let secret = &v["settings"][0]["settingInstance"]["simpleSettingValue"];
        assert_eq!(secret["value"], MARKER);
        assert!(secret.get("valueState").is_none());
        assert_eq!(v["wifi"]["preSharedKey"], MARKER);
        assert_eq!(v["wifi"]["password"], "", "empty values are not secrets");
        assert_eq!(v["untyped"]["value"], MARKER, "secret by valueState");
        assert_eq!(v["vpn"]["password"], MARKER, "non-string secret values too");
        assert_eq!(v["omaSettings"][2]["value"], MARKER, "answered as null");
        assert_eq!(
            v["omaSettings"][3]["value"], MARKER,
            "answered without a value"
        );
        assert_eq!(
            v["settings"][1]["settingInstance"]["simpleSettingValue"]["value"],
            MARKER
        );
        let paths = marker_paths(&v, "spec");
        assert_eq!(
            paths,
            [
                "spec.omaSettings[1].value",
                "spec.omaSettings[2].value",
                "spec.omaSettings[3].value",
                "spec.settings[0].settingInstance.simpleSettingValue.value",
                "spec.settings[1].settingInstance.simpleSettingValue.value",
                "spec.untyped.value",
                "spec.vpn.password",
                "spec.wifi.preSharedKey"
            ]
        );
    }
}
