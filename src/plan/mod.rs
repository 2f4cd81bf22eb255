//! Restore plans: the desired state (a commit) against the live state of a tenant, as a list of
//! typed, ordered items with the minimal Graph requests each needs and a fingerprint of what it saw.
//!
//! A plan is data: `plan` writes it (JSON, with a schema and a hash) and shows it readably; `apply`
//! executes exactly it and refuses it when any fingerprint no longer matches the tenant. Building a
//! plan only reads Graph. Secrets are never in a plan: an item that needs one is blocked unless a
//! value is supplied, and apply injects the value when it sends the request.

pub mod build;
mod children;
mod desired;
pub mod fixed;
pub mod identity;
mod item;
pub(crate) mod live;
pub mod removed;
pub mod resolve;
pub mod sign;
pub mod steps;
pub mod view;

use crate::render::ObjectChange;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Version of the plan file format.
pub const FORMAT: u32 = 1;

/// What the plan does with one object.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Create,
    Update,
    NoOp,
    /// Shown, never applied (Conditional Access, enrollment restrictions).
    PreviewOnly,
    /// Cannot be applied; the reasons say why.
    Blocked,
}

impl Action {
    /// Does apply send requests for an item of this action?
    pub fn writes(self) -> bool {
        matches!(self, Action::Create | Action::Update)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::NoOp => "no-op",
            Action::PreviewOnly => "preview-only",
            Action::Blocked => "blocked",
        }
    }
}

/// One Graph request an item sends. Paths are relative to the Graph root (`beta/…`); `{id}` in a
/// path or body stands for the id of the object the item creates, `{created:<type>:<source id>}`
/// for the id of the object another item of the plan creates (a scope tag, filter, template or
/// location the target lacks).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Request {
    pub method: String,
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
    /// What the request is for: `create`, `update`, `assign`, `updateDefinitionValues`, …
    pub purpose: String,
}

/// One object of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Item {
    /// Catalog key.
    pub kind: String,
    pub name: String,
    /// The document in the source commit.
    pub path: String,
    /// Id in the source tenant.
    pub source_id: String,
    /// Id of the matched object in the target tenant; `None` when it is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_id: Option<String>,
    pub action: Action,
    /// Why the item is blocked, preview-only, or matched the way it was.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// `sha256:<hex>` of the normalized live object as planned, or `absent`.
    pub fingerprint: String,
    /// The readable change, live → desired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<ObjectChange>,
    /// The requests, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<Request>,
    /// Document paths of secret values the requests need (`spec.omaSettings[2].value`); apply
    /// fills them in from the values supplied, they are never in the plan.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Side {
    /// Folder name below `tenants/` (source) or tenant name in `atlas.yaml` (target).
    pub tenant: String,
    pub tenant_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub no_op: usize,
    pub preview_only: usize,
    pub blocked: usize,
}

impl Summary {
    pub fn of(items: &[Item]) -> Summary {
        let mut s = Summary::default();
        for i in items {
            match i.action {
                Action::Create => s.create += 1,
                Action::Update => s.update += 1,
                Action::NoOp => s.no_op += 1,
                Action::PreviewOnly => s.preview_only += 1,
                Action::Blocked => s.blocked += 1,
            }
        }
        s
    }

    /// Items apply would write.
    pub fn to_apply(&self) -> usize {
        self.create + self.update
    }

    pub fn sentence(&self) -> String {
        format!(
            "{} to create, {} to update, {} unchanged, {} preview-only, {} blocked",
            self.create, self.update, self.no_op, self.preview_only, self.blocked
        )
    }
}

/// A restore plan (`plan --out FILE`, the input of `apply`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Plan {
    pub format: u32,
    pub tool_version: String,
    /// When the plan was made (RFC 3339).
    pub created: String,
    /// The commit the desired state comes from (full id) and the tenant folder in it.
    pub commit: String,
    pub source: Side,
    pub target: Side,
    /// `--type` keys and `--only` globs the plan was restricted to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub only: Vec<String>,
    /// `--create-missing` was given.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub create_missing: bool,
    /// `--mappings` as given (reference kind → source name or id → target id).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub mappings: BTreeMap<String, BTreeMap<String, String>>,
    pub summary: Summary,
    pub items: Vec<Item>,
    /// Documents of the commit that could not be read (each left out of the plan).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// `sha256:<hex>` of the plan with this field and `signature` empty: apply refuses a plan whose
    /// content does not match it. Anyone can recompute it, so it only catches accidents; `apply`
    /// re-derives every request from the commit, and `signature` proves who made the plan.
    pub hash: String,
    /// `hmac-sha256:<hex>` over the plan with this field empty (`plan --sign-key-env`), checked by
    /// `apply --verify-key-env` ([`sign`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl Plan {
    /// The hash of the plan's content (everything but `hash`).
    pub fn content_hash(&self) -> String {
        let mut copy = self.clone();
        copy.hash = String::new();
        copy.signature = None;
        format!("sha256:{}", hex::encode(Sha256::digest(copy.canonical())))
    }

    /// The plan as compact JSON in field order, with `signature` left out: what a signature
    /// covers. A plan read from a file and written again gives the same bytes.
    pub fn canonical(&self) -> Vec<u8> {
        let mut copy = self.clone();
        copy.signature = None;
        serde_json::to_vec(&copy).unwrap_or_default()
    }

    /// Sets `summary` and `hash` from the items (a signature made before no longer holds).
    pub fn seal(&mut self) {
        self.summary = Summary::of(&self.items);
        self.signature = None;
        self.hash = self.content_hash();
    }

    /// Has anything been edited since the plan was sealed? (The summary is checked against the
    /// items too, since the confirmation shows it.)
    pub fn is_intact(&self) -> bool {
        self.hash == self.content_hash() && self.summary == Summary::of(&self.items)
    }
}

/// JSON Schema of the plan file (`schemas/plan.schema.json`).
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Plan)).unwrap_or_default()
}

/// Fingerprint of a normalized live object: its files (document and sidecars) in path order.
pub fn fingerprint<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> String {
    let mut files: Vec<(&str, &[u8])> = files.into_iter().collect();
    files.sort();
    let mut h = Sha256::new();
    for (path, bytes) in files {
        h.update(path.as_bytes());
        h.update([0]);
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    }
    format!("sha256:{}", hex::encode(h.finalize()))
}

/// Fingerprint of an object that does not exist.
pub const ABSENT: &str = "absent";

/// A plan of `items` from tenant `a` into itself, not sealed (for tests).
#[cfg(test)]
pub(crate) fn unsealed(items: Vec<Item>) -> Plan {
    Plan {
        format: FORMAT,
        tool_version: "0".into(),
        created: "2026-01-15T09:30:00Z".into(),
        commit: "a".repeat(40),
        source: Side {
            tenant: "a".into(),
            tenant_id: "t".into(),
        },
        target: Side {
            tenant: "a".into(),
            tenant_id: "t".into(),
        },
        types: vec![],
        only: vec![],
        create_missing: false,
        mappings: BTreeMap::new(),
        summary: Summary::default(),
        items,
        warnings: vec![],
        hash: String::new(),
        signature: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        let mut p = unsealed(vec![Item {
            kind: "scopeTags".into(),
            name: "Berlin".into(),
            path: "tenants/a/scopeTags/berlin--1.yaml".into(),
            source_id: "1".into(),
            target_id: None,
            action: Action::Create,
            reasons: vec![],
            fingerprint: ABSENT.into(),
            change: None,
            requests: vec![],
            secrets: vec![],
        }]);
        p.commit = "c".repeat(40);
        p
    }

    #[test]
    fn a_sealed_plan_detects_edits() {
        let mut p = plan();
        p.seal();
        assert!(p.is_intact());
        assert_eq!(p.summary.create, 1);
        let json = serde_json::to_string(&p).unwrap();
        let back: Plan = serde_json::from_str(&json).unwrap();
        assert!(back.is_intact());
        let mut edited = back.clone();
        edited.items[0].action = Action::Update;
        assert!(!edited.is_intact());
    }

    #[test]
    fn fingerprints_depend_on_every_file_and_not_on_order() {
        let a = fingerprint([("x.yaml", b"1".as_slice()), ("x.ps1", b"2".as_slice())]);
        let b = fingerprint([("x.ps1", b"2".as_slice()), ("x.yaml", b"1".as_slice())]);
        assert_eq!(a, b);
        assert_ne!(
            a,
            fingerprint([("x.yaml", b"1".as_slice()), ("x.ps1", b"3".as_slice())])
        );
        assert_ne!(a, fingerprint([("x.yaml", b"12".as_slice())]));
    }
}
