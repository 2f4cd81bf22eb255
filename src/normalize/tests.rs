//! Normalization tests: shapes, determinism, secrets, and the round trip of every catalog type over the
//! demo tenant (Graph object → document → Graph body = original minus read-only fields).

use super::*;
use crate::catalog;
use serde_json::json;

fn entry(key: &str) -> &'static CatalogEntry {
    catalog::get(key).unwrap()
}

#[test]
fn settings_catalog_document_shape() {
    let mut refs = RefTable::default();
    refs.insert(RefKind::ScopeTags, "0", "Default");
    refs.insert(RefKind::ScopeTags, "7", "Berlin");
    refs.insert(RefKind::Groups, "g1", "All Windows devices");
    let obj = json!({
        "@odata.context": "https://graph.microsoft.com/beta/$metadata#x",
        "id": "8d2f3c1e-0000-4000-8000-000000000001", "name": "Edge – baseline", "description": "",
        "createdDateTime": "2025-01-01T00:00:00Z", "lastModifiedDateTime": "2025-01-02T00:00:00Z",
        "settingCount": 2, "roleScopeTagIds": ["7", "0"], "platforms": "windows10", "technologies": "mdm",
        "assignments@odata.context": "x",
        "assignments": [{"id": "a_g1", "target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g1"}}],
        "settings@odata.context": "y",
        "settings": [
            {"id": "1", "settingInstance": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
              "settingDefinitionId": "z_secret", "simpleSettingValue": {
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationSecretSettingValue",
                "value": "opaque-token", "valueState": "encryptedValueToken"}}},
            {"id": "0", "settingInstance": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
              "settingDefinitionId": "a_choice", "choiceSettingValue": {"value": "a_choice_1", "children": []}}}
        ]
    });
    let n = normalize(
        entry("settingsCatalog"),
        obj.clone(),
        "edge-baseline--8d2f3c1e",
        &refs,
    )
    .unwrap();
    let d = &n.doc;
    assert_eq!(d.name, "Edge – baseline");
    assert_eq!(
        d.scope_tags.as_deref(),
        Some(&["Berlin".to_string(), "Default".to_string()][..])
    );
    assert_eq!(
        d.assignments.as_ref().unwrap()[0]
            .group
            .as_ref()
            .unwrap()
            .name
            .as_deref(),
        Some("All Windows devices")
    );
    assert_eq!(
        d.spec["settings"][0]["settingInstance"]["settingDefinitionId"],
        "a_choice"
    );
    assert!(d.spec["settings"][0].get("id").is_none());
    for gone in [
        "id",
        "name",
        "createdDateTime",
        "lastModifiedDateTime",
        "settingCount",
        "roleScopeTagIds",
        "assignments",
        "@odata.context",
        "assignments@odata.context",
        "settings@odata.context",
    ] {
        assert!(d.spec.get(gone).is_none(), "{gone} should be stripped");
    }
    assert_eq!(
        d.secrets,
        ["spec.settings[1].settingInstance.simpleSettingValue.value"]
    );
    let text = String::from_utf8(n.files[0].1.clone()).unwrap();
    assert!(text.starts_with(SCHEMA_HEADER));
    assert!(!text.contains("opaque-token"));
    assert_eq!(n.files[0].0, "settingsCatalog/edge-baseline--8d2f3c1e.yaml");
    let back = from_yaml(&text, "x.yaml").unwrap();
    assert_eq!(&back, d);
}

#[test]
fn scripts_become_exact_sidecars() {
    let content: &[u8] = b"\xEF\xBB\xBFWrite-Host \"Gr\xC3\xBC\xC3\x9Fe\"\r\n\tExit 0\r\n";
    let obj = json!({"id": "11111111-2222-4333-8444-555555555555", "displayName": "Fix", "fileName": "fix.PS1",
        "scriptContent": BASE64.encode(content), "runAsAccount": "system", "roleScopeTagIds": [], "assignments": []});
    let e = entry("powershellScripts");
    let n = normalize(e, obj.clone(), "fix--11111111", &RefTable::default()).unwrap();
    assert_eq!(
        n.files[1],
        (
            "powershellScripts/fix--11111111.ps1".to_string(),
            content.to_vec()
        )
    );
    let r = &n.doc.sidecars["scriptContent"];
    assert_eq!(r.file, "fix--11111111.ps1");
    assert!(n.doc.spec.get("scriptContent").is_none());
    let files: BTreeMap<String, Vec<u8>> = [(r.file.clone(), content.to_vec())].into();
    let g = denormalize(e, &n.doc, &|f| files.get(f).cloned(), &RefTable::default()).unwrap();
    assert_eq!(g.body["scriptContent"], BASE64.encode(content));
    let edited: BTreeMap<String, Vec<u8>> = [(r.file.clone(), b"changed".to_vec())].into();
    assert!(matches!(
        denormalize(e, &n.doc, &|f| edited.get(f).cloned(), &RefTable::default()),
        Err(NormalizeError::SidecarMismatch { .. })
    ));
}

#[test]
fn graph_order_never_changes_the_bytes() {
    let e = entry("compliancePolicies");
    let a = json!({"id": "c0000000-0000-4000-8000-000000000001", "displayName": "W", "@odata.type": "#microsoft.graph.windows10CompliancePolicy",
        "scheduledActionsForRule": [{"id": "r1", "ruleName": "PasswordRequired", "scheduledActionConfigurations": [
            {"id": "x1", "actionType": "notification", "gracePeriodHours": 24, "notificationTemplateId": "t", "notificationMessageCCList": ["b", "a"]},
            {"id": "x2", "actionType": "block", "gracePeriodHours": 0, "notificationTemplateId": "", "notificationMessageCCList": []}]}],
        "assignments": [
            {"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g2"}},
            {"target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget", "groupId": "g1"}}]});
    let mut b = a.clone();
    b["assignments"].as_array_mut().unwrap().reverse();
    let acts = b["scheduledActionsForRule"][0]["scheduledActionConfigurations"]
        .as_array_mut()
        .unwrap();
    acts.reverse();
    acts[1]["notificationMessageCCList"]
        .as_array_mut()
        .unwrap()
        .reverse();
    b["scheduledActionsForRule"][0]["scheduledActionConfigurations"][0]["id"] =
        json!("other-server-id");
    let x = normalize(e, a.clone(), "w--c0000000", &RefTable::default()).unwrap();
    let y = normalize(e, b.clone(), "w--c0000000", &RefTable::default()).unwrap();
    assert_eq!(x.files, y.files);
}

#[test]
fn unknown_types_and_fields_are_kept() {
    let obj = json!({"id": "d0000000-0000-4000-8000-000000000001", "displayName": "Future",
        "@odata.type": "#microsoft.graph.windows12QuantumConfiguration", "newField": {"deep": [1, 2]}, "assignments": []});
    let n = normalize(
        entry("deviceConfigurations"),
        obj.clone(),
        "future--d0000000",
        &RefTable::default(),
    )
    .unwrap();
    assert_eq!(
        n.doc.odata_type.as_deref(),
        Some("#microsoft.graph.windows12QuantumConfiguration")
    );
    assert_eq!(n.doc.spec["newField"], json!({"deep": [1, 2]}));
}

#[test]
fn full_metadata_annotations_and_action_links_are_not_kept() {
    // A named location as Graph answers under odata.metadata=full (fixtures/graph-samples).
    let obj = json!({
        "@odata.context": "https://graph.microsoft.com/beta/$metadata#identity/conditionalAccess/namedLocations/$entity",
        "@odata.type": "#microsoft.graph.countryNamedLocation",
        "@odata.id": "identity/conditionalAccess/namedLocations('185c993e-10a9-44fa-98d1-230c8f72f497')",
        "id": "185c993e-10a9-44fa-98d1-230c8f72f497", "displayName": "ALLOWED COUNTRIES",
        "countriesAndRegions@odata.type": "#Collection(String)", "countriesAndRegions": ["BE", "NL"],
        "includeUnknownCountriesAndRegions": false,
        "#microsoft.graph.restore": {"title": "microsoft.graph.restore",
            "target": "https://graph.microsoft.com/beta/identity/conditionalAccess/namedLocations('185c993e-10a9-44fa-98d1-230c8f72f497')/microsoft.graph.namedLocation/microsoft.graph.restore"},
        "nested": {"@odata.type": "#microsoft.graph.x", "#microsoft.graph.y": {"target": "t"}, "v": 1}
    });
    let n = normalize(
        entry("namedLocations"),
        obj,
        "allowed-countries--185c993e",
        &RefTable::default(),
    )
    .unwrap();
    let spec = n.doc.spec.as_object().unwrap();
    let keys: Vec<&String> = spec.keys().collect();
    assert_eq!(
        keys,
        [
            "countriesAndRegions",
            "includeUnknownCountriesAndRegions",
            "nested"
        ]
    );
    assert_eq!(
        spec["nested"],
        json!({"@odata.type": "#microsoft.graph.x", "v": 1})
    );
}

#[test]
fn absent_assignments_are_not_empty_assignments() {
    let obj = json!({"id": "e0000000-0000-4000-8000-000000000001", "displayName": "X"});
    let err = normalize(
        entry("deviceConfigurations"),
        obj.clone(),
        "x--e0000000",
        &RefTable::default(),
    )
    .unwrap_err();
    assert!(
        matches!(err, NormalizeError::MissingAssignments { .. }),
        "{err}"
    );
    // Types without assignments do not need them.
    normalize(
        entry("assignmentFilters"),
        obj.clone(),
        "x--e0000000",
        &RefTable::default(),
    )
    .unwrap();
}

#[test]
fn schema_describes_documents() {
    let schema = document_schema();
    let props = &schema["properties"];
    for key in [
        "kind",
        "id",
        "name",
        "odataType",
        "scopeTags",
        "assignments",
        "spec",
        "sidecars",
        "secrets",
    ] {
        assert!(props.get(key).is_some(), "schema lacks {key}");
    }
}

// ---- round trip over the demo tenant -------------------------------------------------------------

/// Removes what restore cannot send back: what normalize strips, plus assignment read-only fields and
/// a filter of type `none` (Graph's way of saying "no filter").
fn comparable(entry: &CatalogEntry, mut v: Value) -> (Value, Option<Value>) {
    let assignments = v
        .as_object_mut()
        .unwrap()
        .remove("assignments")
        .map(|list| {
            let mut items: Vec<Value> = list
                .as_array()
                .unwrap()
                .iter()
                .map(|a| {
                    let mut a = a.clone();
                    let m = a.as_object_mut().unwrap();
                    m.retain(|k, _| {
                        !matches!(k.as_str(), "id" | "sourceId" | "@odata.type")
                            && !k.contains("@odata.")
                            && !crate::catalog::VOLATILE_ANY_DEPTH.contains(&k.as_str())
                    });
                    if m.get("source").and_then(Value::as_str) == Some("direct") {
                        m.remove("source");
                    }
                    let t = m.get_mut("target").unwrap().as_object_mut().unwrap();
                    if assignments::filter_id(&Value::Object(t.clone())).is_none() {
                        t.remove("deviceAndAppManagementAssignmentFilterId");
                        t.remove("deviceAndAppManagementAssignmentFilterType");
                    }
                    a
                })
                .collect();
            canonical::sort_items(&mut items, None);
            Value::Array(items)
        });
    let tags = entry
        .scope_tags
        .property()
        .map(|p| v.as_object_mut().unwrap().remove(p));
    redact::redact(&mut v);
    strip(entry, &mut v);
    canonical::sort_sets(&mut v, entry.sets);
    if let (Some(p), Some(Some(Value::Array(mut ids)))) = (entry.scope_tags.property(), tags) {
        ids.sort_by_key(|x| x.to_string());
        v.as_object_mut()
            .unwrap()
            .insert(p.into(), Value::Array(ids));
    }
    (v, assignments)
}

/// Demo fixture objects per catalog entry.
fn demo_objects() -> BTreeMap<&'static str, Vec<Value>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tenants/demo");
    let mut out: BTreeMap<&'static str, Vec<Value>> = BTreeMap::new();
    for e in catalog::all() {
        for s in e.sources {
            // A collection below another's objects is seeded inline in its parents.
            let (dir, nav) = match s.collection.split_once(catalog::PARENT_SEGMENT) {
                Some((parent, child)) => (parent, Some(child)),
                None => (s.collection, None),
            };
            let Ok(files) = std::fs::read_dir(root.join(s.version.as_str()).join(dir)) else {
                continue;
            };
            let mut files: Vec<_> = files.map(|f| f.unwrap().path()).collect();
            files.sort();
            for f in files
                .into_iter()
                .filter(|f| f.extension().is_some_and(|x| x == "json"))
            {
                let v: Value = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
                let objects = match nav {
                    Some(n) => v[n].as_array().cloned().unwrap_or_default(),
                    None => vec![v],
                };
                for mut v in objects {
                    // As a backup reads it: keyed by `tenantId` means known by it.
                    catalog::complete_key(s.key, &mut v);
                    if e.accepts(s, &v) {
                        out.entry(e.key).or_default().push(v);
                    }
                }
            }
        }
    }
    out
}

#[test]
fn every_catalog_type_round_trips_over_the_demo_tenant() {
    let objects = demo_objects();
    let mut refs = RefTable::default();
    for o in objects.get("scopeTags").into_iter().flatten() {
        refs.insert(
            RefKind::ScopeTags,
            o["id"].as_str().unwrap(),
            o["displayName"].as_str().unwrap(),
        );
    }
    refs.insert(RefKind::ScopeTags, "0", "Default");
    for e in catalog::all() {
        let list = objects
            .get(e.key)
            .unwrap_or_else(|| panic!("demo tenant has no {} objects", e.key));
        // A singleton is one object per tenant; every other type shows at least three.
        let least = if e.is_singleton() { 1 } else { 3 };
        assert!(
            list.len() >= least,
            "demo tenant has fewer than {least} {} objects",
            e.key
        );
        let names: Vec<String> = list.iter().map(|o| object_name(e, o)).collect();
        let ids: Vec<(&str, &str)> = list
            .iter()
            .zip(&names)
            .map(|(o, n)| (o["id"].as_str().unwrap(), n.as_str()))
            .collect();
        let stems = slug::stems(ids);
        for (o, stem) in list.iter().zip(&stems) {
            let n = normalize(e, o.clone(), stem, &refs).unwrap();
            let text = String::from_utf8(n.files[0].1.clone()).unwrap();
            let doc = from_yaml(&text, &n.files[0].0).unwrap();
            assert_eq!(doc, n.doc, "{}: YAML round trip", n.files[0].0);
            let files: BTreeMap<String, Vec<u8>> = n
                .files
                .iter()
                .map(|(p, b)| (p.rsplit('/').next().unwrap().to_string(), b.clone()))
                .collect();
            let g = denormalize(e, &doc, &|f| files.get(f).cloned(), &refs).unwrap();
            let (want, want_assignments) = comparable(e, o.clone());
            let mut body = g.body.clone();
            body.as_object_mut().unwrap().remove("@odata.type");
            let mut want_body = want.clone();
            want_body.as_object_mut().unwrap().remove("@odata.type");
            let (got, _) = comparable(e, body);
            assert_eq!(got, want_body, "{}: body differs", n.files[0].0);
            assert_eq!(
                g.body.get("@odata.type"),
                o.get("@odata.type"),
                "{}",
                n.files[0].0
            );
            let got_assignments = g.assignments.map(|list| {
                let mut items = list;
                canonical::sort_items(&mut items, None);
                Value::Array(items)
            });
            if e.assignments.is_some() {
                assert_eq!(
                    got_assignments.unwrap(),
                    want_assignments.unwrap_or(json!([])),
                    "{}: assignments",
                    n.files[0].0
                );
            }
        }
    }
}
