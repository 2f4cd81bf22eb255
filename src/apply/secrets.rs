//! Secret values of an apply: from the secrets file or `ATLAS_SECRET_…` variables, put into the
//! request bodies that need them (never into a plan or a log), and the list of values to redact
//! wherever Graph returns them in clear.

use super::Secrets;
use crate::plan::Item;
use serde_json::Value;

/// The supplied secret values, to redact wherever Graph returns them.
pub fn scrub_of(secrets: &Secrets) -> Vec<crate::graph::SecretString> {
    secrets
        .values()
        .flat_map(|m| m.values().cloned())
        .chain(crate::env::secret_values())
        .map(crate::graph::SecretString::new)
        .collect()
}

/// A secret's value: from the secrets file, else from its `ATLAS_SECRET_…` variable.
pub fn secret_value(secrets: &Secrets, doc_path: &str, secret_path: &str) -> Option<String> {
    secrets
        .get(doc_path)
        .and_then(|m| m.get(secret_path))
        .cloned()
        .or_else(|| crate::env::var(&crate::env::secret_var(doc_path, secret_path)))
}

/// Puts supplied secret values into a request body (document paths `spec.a.b[2].c`).
pub(super) fn inject_secrets(
    body: &mut Value,
    item: &Item,
    secrets: &Secrets,
) -> Result<(), String> {
    for path in &item.secrets {
        let value = secret_value(secrets, &item.path, path).ok_or_else(|| {
            format!(
                "no value supplied for the secret {path} (--secrets FILE or {})",
                crate::env::secret_var(&item.path, path)
            )
        })?;
        let rel = path.strip_prefix("spec.").unwrap_or(path);
        let slot =
            pointer(body, rel).ok_or_else(|| format!("the secret {path} is not in the request"))?;
        *slot = Value::String(value);
    }
    Ok(())
}

/// The value at `a.b[2].c`.
fn pointer<'a>(v: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    let mut cur = v;
    for part in path.split('.') {
        let (name, indices) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            cur = cur.get_mut(name)?;
        }
        for idx in indices.split('[').filter(|s| !s.is_empty()) {
            let n: usize = idx.trim_end_matches(']').parse().ok()?;
            cur = cur.get_mut(n)?;
        }
    }
    Some(cur)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{ABSENT, Action};
    use serde_json::json;

    #[test]
    fn secrets_are_put_at_their_document_path() {
        let mut body = json!({"omaSettings": [{"value": "a"}, {"value": "<redacted>"}]});
        let item = Item {
            kind: "deviceConfigurations".into(),
            name: "x".into(),
            path: "tenants/t/deviceConfigurations/x--1.yaml".into(),
            source_id: "1".into(),
            target_id: None,
            action: Action::Create,
            reasons: vec![],
            fingerprint: ABSENT.into(),
            change: None,
            requests: vec![],
            secrets: vec!["spec.omaSettings[1].value".into()],
        };
        let mut secrets = Secrets::new();
        assert!(inject_secrets(&mut body, &item, &secrets).is_err());
        secrets
            .entry(item.path.clone())
            .or_default()
            .insert("spec.omaSettings[1].value".into(), "s3cret".into());
        inject_secrets(&mut body, &item, &secrets).unwrap();
        assert_eq!(body["omaSettings"][1]["value"], "s3cret");
    }
}
