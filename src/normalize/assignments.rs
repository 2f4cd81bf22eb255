//! Assignments as a readable, sorted set.
//!
//! Graph returns assignments with server ids (`{policyId}_{groupId}`), a `source`, and targets typed
//! by `@odata.type` with tenant-specific group and filter ids. The document keeps what restore needs —
//! target kind, group, filter and mode, intent, type-specific properties such as a remediation's run
//! schedule — with names beside the ids, sorted so that Graph's order never shows up as a diff.

use super::reftable::RefTable;
use crate::catalog::RefKind;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub const FILTER_ID: &str = "deviceAndAppManagementAssignmentFilterId";
const FILTER_TYPE: &str = "deviceAndAppManagementAssignmentFilterType";
const TYPE_PREFIX: &str = "#microsoft.graph.";

/// One assignment of a policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Assignment {
    /// `group`, `exclusionGroup`, `allDevices`, `allLicensedUsers`, or another target type's name
    /// (`configurationManagerCollectionAssignmentTarget`, …).
    pub target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<NamedId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<FilterRef>,
    /// `apply`, `remove`, … where the type has intents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<String>,
    /// Set only when the assignment does not come directly from the policy (e.g. `policySets`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Other properties of the target (kept as Graph sent them).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub target_properties: BTreeMap<String, Value>,
    /// Other properties of the assignment, e.g. `runSchedule` and `runRemediationScript` of remediations.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedId {
    pub id: String,
    /// Name in the tenant at backup time; absent when the object was not found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FilterRef {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `include` or `exclude`.
    pub mode: String,
}

/// The filter id of a target, if it has a real one.
pub fn filter_id(target: &Value) -> Option<&str> {
    target
        .get(FILTER_ID)
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty() && *id != "00000000-0000-0000-0000-000000000000")
}

fn target_kind(odata_type: &str) -> String {
    let short = odata_type.strip_prefix(TYPE_PREFIX).unwrap_or(odata_type);
    match short {
        "groupAssignmentTarget" => "group".into(),
        "exclusionGroupAssignmentTarget" => "exclusionGroup".into(),
        "allDevicesAssignmentTarget" => "allDevices".into(),
        "allLicensedUsersAssignmentTarget" => "allLicensedUsers".into(),
        other => other.into(),
    }
}

fn target_type(kind: &str) -> String {
    let short = match kind {
        "group" => "groupAssignmentTarget",
        "exclusionGroup" => "exclusionGroupAssignmentTarget",
        "allDevices" => "allDevicesAssignmentTarget",
        "allLicensedUsers" => "allLicensedUsersAssignmentTarget",
        other => other,
    };
    format!("{TYPE_PREFIX}{short}")
}

/// Is this an OData annotation (other than a nested `@odata.type`) or a server-set property?
fn dropped_assignment_key(k: &str) -> bool {
    matches!(k, "id" | "sourceId" | "@odata.type")
        || k.starts_with('@')
        || k.contains("@odata.")
        || crate::catalog::VOLATILE_ANY_DEPTH.contains(&k)
}

impl Assignment {
    /// Reads one Graph assignment.
    pub fn from_graph(a: &Value, refs: &RefTable) -> Assignment {
        let empty = Map::new();
        let target = a.get("target").and_then(Value::as_object).unwrap_or(&empty);
        let kind = target_kind(
            target
                .get("@odata.type")
                .and_then(Value::as_str)
                .unwrap_or(""),
        );
        let group = target
            .get("groupId")
            .and_then(Value::as_str)
            .map(|id| NamedId {
                id: id.to_string(),
                name: refs.name(RefKind::Groups, id).map(str::to_string),
            });
        let target_value = Value::Object(target.clone());
        let filter = filter_id(&target_value).map(|id| FilterRef {
            id: id.to_string(),
            name: refs
                .name(RefKind::AssignmentFilters, id)
                .map(str::to_string),
            mode: target
                .get(FILTER_TYPE)
                .and_then(Value::as_str)
                .unwrap_or("include")
                .to_string(),
        });
        let target_properties = target
            .iter()
            .filter(|(k, _)| {
                !matches!(
                    k.as_str(),
                    "@odata.type" | "groupId" | FILTER_ID | FILTER_TYPE
                )
            })
            .filter(|(k, _)| !k.contains("@odata."))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let obj = a.as_object().unwrap_or(&empty);
        let properties = obj
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "target" | "intent" | "source"))
            .filter(|(k, _)| !dropped_assignment_key(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Assignment {
            target: kind,
            group,
            filter,
            intent: obj
                .get("intent")
                .and_then(Value::as_str)
                .map(str::to_string),
            source: obj
                .get("source")
                .and_then(Value::as_str)
                .filter(|s| *s != "direct")
                .map(str::to_string),
            target_properties,
            properties,
        }
    }

    /// The Graph body of this assignment, as the `assign` action takes it.
    pub fn to_graph(&self) -> Value {
        let mut target = Map::new();
        target.insert(
            "@odata.type".into(),
            Value::String(target_type(&self.target)),
        );
        if let Some(g) = &self.group {
            target.insert("groupId".into(), Value::String(g.id.clone()));
        }
        if let Some(f) = &self.filter {
            target.insert(FILTER_ID.into(), Value::String(f.id.clone()));
            target.insert(FILTER_TYPE.into(), Value::String(f.mode.clone()));
        }
        for (k, v) in &self.target_properties {
            target.insert(k.clone(), v.clone());
        }
        let mut out = Map::new();
        out.insert("target".into(), Value::Object(target));
        if let Some(i) = &self.intent {
            out.insert("intent".into(), Value::String(i.clone()));
        }
        if let Some(s) = &self.source {
            out.insert("source".into(), Value::String(s.clone()));
        }
        for (k, v) in &self.properties {
            out.insert(k.clone(), v.clone());
        }
        Value::Object(out)
    }

    fn sort_key(&self) -> (String, u8, String, String, String, String, String) {
        let rank = match self.target.as_str() {
            "allDevices" => 0,
            "allLicensedUsers" => 1,
            "group" => 2,
            "exclusionGroup" => 3,
            _ => 4,
        };
        let group_name = self
            .group
            .as_ref()
            .and_then(|g| g.name.clone())
            .unwrap_or_default();
        (
            self.intent.clone().unwrap_or_default(),
            rank,
            group_name.to_lowercase(),
            self.group
                .as_ref()
                .map(|g| g.id.clone())
                .unwrap_or_default(),
            self.filter
                .as_ref()
                .map(|f| f.id.clone())
                .unwrap_or_default(),
            serde_json::to_string(&self.properties).unwrap_or_default(),
            // Everything else, so no two different assignments ever tie.
            serde_json::to_string(self).unwrap_or_default(),
        )
    }
}

/// Reads and sorts a Graph assignment list.
pub fn from_graph(list: &[Value], refs: &RefTable) -> Vec<Assignment> {
    let mut out: Vec<Assignment> = list
        .iter()
        .map(|a| Assignment::from_graph(a, refs))
        .collect();
    out.sort_by_key(Assignment::sort_key);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_targets_filters_and_extras() {
        let mut refs = RefTable::default();
        refs.insert(RefKind::Groups, "g1", "Zeta");
        refs.insert(RefKind::Groups, "g2", "alpha");
        refs.insert(RefKind::AssignmentFilters, "f1", "Win11");
        let list = vec![
            json!({"id": "p_g1", "source": "direct", "sourceId": "p", "target": {
                "@odata.type": "#microsoft.graph.exclusionGroupAssignmentTarget", "groupId": "g1",
                "deviceAndAppManagementAssignmentFilterId": null, "deviceAndAppManagementAssignmentFilterType": "none"}}),
            json!({"id": "p_g2", "target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g2",
                "deviceAndAppManagementAssignmentFilterId": "f1", "deviceAndAppManagementAssignmentFilterType": "exclude"},
                "runRemediationScript": true,
                "runSchedule": {"@odata.type": "#microsoft.graph.deviceHealthScriptDailySchedule", "interval": 1}}),
            json!({"target": {"@odata.type": "#microsoft.graph.allDevicesAssignmentTarget"}, "source": "policySets"}),
        ];
        let a = from_graph(&list, &refs);
        assert_eq!(a[0].target, "allDevices");
        assert_eq!(a[0].source.as_deref(), Some("policySets"));
        assert_eq!(a[1].target, "group");
        assert_eq!(a[1].filter.as_ref().unwrap().name.as_deref(), Some("Win11"));
        assert_eq!(a[1].filter.as_ref().unwrap().mode, "exclude");
        assert!(a[1].properties.contains_key("runSchedule"));
        assert_eq!(a[2].target, "exclusionGroup");
        assert_eq!(a[2].group.as_ref().unwrap().name.as_deref(), Some("Zeta"));
        assert!(
            a[2].filter.is_none(),
            "filter type none without id is no filter"
        );
        let body = a[1].to_graph();
        assert_eq!(body["target"]["groupId"], "g2");
        assert_eq!(
            body["target"]["deviceAndAppManagementAssignmentFilterType"],
            "exclude"
        );
        assert_eq!(body["runRemediationScript"], true);
        assert!(body.get("id").is_none());
    }
}
