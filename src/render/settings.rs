//! Settings catalog renderer (settings catalog, endpoint security, baselines, compliance v2).
//!
//! Setting instances nest to any depth: choices carry children, groups and group collections carry
//! settings, collections carry lists of values. Each instance becomes one line — the setting's
//! display name and the chosen option's label, looked up in the tenant's setting definitions — at
//! its depth, keyed by the chain of definition ids so a change deep in a tree shows as that one line.

use super::{Field, Names, Section};
use serde_json::{Map, Value};

const TYPE_PREFIX: &str = "#microsoft.graph.deviceManagementConfiguration";

/// Properties of an instance the renderer shows in its own words.
const KNOWN: &[&str] = &[
    "@odata.type",
    "settingDefinitionId",
    "settingInstanceTemplateReference",
    "choiceSettingValue",
    "choiceSettingCollectionValue",
    "simpleSettingValue",
    "simpleSettingCollectionValue",
    "groupSettingValue",
    "groupSettingCollectionValue",
];

/// Fields of a `settings` array (`[{settingInstance: …}]`).
pub fn fields(settings: Option<&Value>, names: &Names) -> Vec<Field> {
    let mut out = vec![];
    let Some(Value::Array(items)) = settings else {
        if let Some(other) = settings {
            out.push(Field::new(
                Section::Settings,
                "settings".into(),
                &["settings".into()],
                super::scalar(other),
            ));
        }
        return out;
    };
    let mut ctx = Walk {
        names,
        out: &mut out,
        keys: vec![],
        labels: vec![],
    };
    for item in items {
        match item.get("settingInstance") {
            Some(instance) => ctx.instance(instance),
            None => ctx.extra("settings", item),
        }
    }
    out
}

struct Walk<'a> {
    names: &'a Names,
    out: &'a mut Vec<Field>,
    keys: Vec<String>,
    labels: Vec<String>,
}

impl Walk<'_> {
    fn instance(&mut self, instance: &Value) {
        let id = instance
            .get("settingDefinitionId")
            .and_then(Value::as_str)
            .unwrap_or("(no settingDefinitionId)");
        self.keys.push(id.to_string());
        self.labels.push(self.name(id));
        let kind = instance
            .get("@odata.type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim_start_matches(TYPE_PREFIX);
        match kind {
            "ChoiceSettingInstance" => {
                let v = instance.get("choiceSettingValue").unwrap_or(&Value::Null);
                self.emit(self.option(v.get("value")));
                self.template(v.get("settingValueTemplateReference"), "value template");
                self.children(v.get("children"));
            }
            "ChoiceSettingCollectionInstance" => {
                let values = array(instance.get("choiceSettingCollectionValue"));
                let labels: Vec<String> =
                    values.iter().map(|v| self.option(v.get("value"))).collect();
                self.emit(list(labels));
                for (i, v) in values.iter().enumerate() {
                    if !array(v.get("children")).is_empty() {
                        self.indexed(i, |w| w.children(v.get("children")));
                    }
                }
            }
            "SimpleSettingInstance" => {
                let v = instance.get("simpleSettingValue").unwrap_or(&Value::Null);
                self.emit(self.simple(v));
                self.template(v.get("settingValueTemplateReference"), "value template");
            }
            "SimpleSettingCollectionInstance" => {
                let values = array(instance.get("simpleSettingCollectionValue"));
                self.emit(list(values.iter().map(|v| self.simple(v)).collect()));
            }
            "GroupSettingInstance" => {
                let v = instance.get("groupSettingValue").unwrap_or(&Value::Null);
                self.children(v.get("children"));
            }
            "GroupSettingCollectionInstance" => {
                let values = array(instance.get("groupSettingCollectionValue"));
                if values.is_empty() {
                    self.emit("(none)".into());
                }
                for (i, v) in values.iter().enumerate() {
                    self.indexed(i, |w| {
                        w.emit(String::new());
                        w.children(v.get("children"));
                    });
                }
            }
            _ => {
                // An instance type this renderer does not know: every property, as properties.
                let mut rest = instance.as_object().cloned().unwrap_or_default();
                rest.remove("settingDefinitionId");
                rest.remove("settingInstanceTemplateReference");
                self.object(&rest);
            }
        }
        self.template(
            instance.get("settingInstanceTemplateReference"),
            "instance template",
        );
        if let Some(map) = instance.as_object() {
            let rest: Map<String, Value> = map
                .iter()
                .filter(|(k, _)| !KNOWN.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if !kind.is_empty() && KNOWN_KINDS.contains(&kind) {
                self.object(&rest);
            }
        }
        self.keys.pop();
        self.labels.pop();
    }

    fn children(&mut self, children: Option<&Value>) {
        for child in array(children) {
            self.instance(child);
        }
    }

    /// Runs `f` for the `i`th element of a collection (1-based in labels).
    fn indexed(&mut self, i: usize, f: impl FnOnce(&mut Self)) {
        let (k, l) = (self.keys.pop(), self.labels.pop());
        let k = k.unwrap_or_default();
        let l = l.unwrap_or_default();
        self.keys.push(format!("{k}[{}]", i + 1));
        self.labels.push(format!("{l} [{}]", i + 1));
        f(self);
        self.keys.pop();
        self.labels.pop();
        self.keys.push(k);
        self.labels.push(l);
    }

    fn emit(&mut self, value: String) {
        self.out.push(Field::new(
            Section::Settings,
            self.keys.join("/"),
            &self.labels,
            value,
        ));
    }

    fn template(&mut self, reference: Option<&Value>, what: &str) {
        let Some(Value::Object(r)) = reference else {
            return;
        };
        let id = r
            .iter()
            .find(|(k, _)| k.ends_with("TemplateId"))
            .map(|(_, v)| super::scalar(v))
            .unwrap_or_else(|| super::scalar(&Value::Object(r.clone())));
        let default = r.get("useTemplateDefault").and_then(Value::as_bool) == Some(true);
        self.keys.push(format!("({what})"));
        self.labels.push(what.to_string());
        self.emit(if default {
            format!("{id} (template default)")
        } else {
            id
        });
        if let Some(f) = self.out.last_mut() {
            f.detail = true;
        }
        self.keys.pop();
        self.labels.pop();
    }

    fn object(&mut self, map: &Map<String, Value>) {
        for (k, v) in map {
            self.keys.push(k.clone());
            self.labels.push(k.clone());
            self.emit(super::scalar(v));
            self.keys.pop();
            self.labels.pop();
        }
    }

    fn extra(&mut self, key: &str, v: &Value) {
        self.keys.push(key.to_string());
        self.labels.push(key.to_string());
        self.emit(super::scalar(v));
        self.keys.pop();
        self.labels.pop();
    }

    /// A definition's or option's display name (Intune's often end in `:`), else its id.
    fn name(&self, id: &str) -> String {
        match self
            .names
            .get(id)
            .map(|n| n.trim_end_matches(':').trim_end())
        {
            Some(n) if !n.is_empty() => n.to_string(),
            _ => id.to_string(),
        }
    }

    /// A simple value: strings, integers, secrets (shown by their state, never their value) and
    /// references to reusable settings, by name beside their id.
    fn simple(&self, v: &Value) -> String {
        let value = v.get("value").unwrap_or(&Value::Null);
        let reference = v.get("@odata.type").and_then(Value::as_str) == Some(REFERENCE);
        match (v.get("valueState").and_then(Value::as_str), value.as_str()) {
            (Some(state), _) => format!("{} ({state})", super::scalar(value)),
            (None, Some(id)) if reference => match self.names.get(id) {
                Some(name) => format!("{name} [{id}]"),
                None => super::scalar(value),
            },
            _ => super::scalar(value),
        }
    }

    fn option(&self, value: Option<&Value>) -> String {
        match value {
            Some(Value::String(id)) => self.name(id),
            Some(other) => super::scalar(other),
            None => "(not set)".into(),
        }
    }
}

/// A value naming a reusable setting by id (docs/graph-notes.md, "Reusable settings").
const REFERENCE: &str = "#microsoft.graph.deviceManagementConfigurationReferenceSettingValue";

const KNOWN_KINDS: &[&str] = &[
    "ChoiceSettingInstance",
    "ChoiceSettingCollectionInstance",
    "SimpleSettingInstance",
    "SimpleSettingCollectionInstance",
    "GroupSettingInstance",
    "GroupSettingCollectionInstance",
];

fn array(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn list(items: Vec<String>) -> String {
    if items.is_empty() {
        "(none)".into()
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names() -> Names {
        let mut n = Names::default();
        n.insert("x_enable", "Enable X");
        n.insert("x_enable_1", "Enabled");
        n.insert("x_enable_child", "Child level");
        n.insert("x_rules", "Rules");
        n.insert("x_rules_name", "Rule name");
        n
    }

    fn lines(settings: Value) -> Vec<String> {
        fields(Some(&settings), &names())
            .into_iter()
            .map(|f| format!("{}{} = {}", "  ".repeat(f.depth), f.leaf, f.value))
            .collect()
    }

    #[test]
    fn choices_children_groups_and_collections_render_at_every_depth() {
        let got = lines(json!([
            {"settingInstance": {
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
                "settingDefinitionId": "x_enable",
                "choiceSettingValue": {"value": "x_enable_1", "children": [
                    {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
                     "settingDefinitionId": "x_enable_child",
                     "simpleSettingValue": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationIntegerSettingValue", "value": 5}}
                ]}}},
            {"settingInstance": {
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance",
                "settingDefinitionId": "x_rules",
                "groupSettingCollectionValue": [
                    {"children": [{"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
                        "settingDefinitionId": "x_rules_name",
                        "simpleSettingValue": {"value": "allow-443"}}]},
                    {"children": [{"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingCollectionInstance",
                        "settingDefinitionId": "unknown_list",
                        "simpleSettingCollectionValue": [{"value": "a"}, {"value": "b"}]}]}
                ]}},
            {"settingInstance": {
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
                "settingDefinitionId": "x_secret",
                "simpleSettingValue": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSecretSettingValue",
                    "value": "<redacted>", "valueState": "encryptedValueToken"}}}
        ]));
        assert_eq!(
            got,
            [
                "Enable X = Enabled",
                "  Child level = 5",
                "Rules [1] = ",
                "  Rule name = allow-443",
                "Rules [2] = ",
                "  unknown_list = a, b",
                "x_secret = <redacted> (encryptedValueToken)",
            ]
        );
    }

    #[test]
    fn keys_follow_definition_ids_so_a_deep_change_is_one_line() {
        let a = fields(
            Some(&json!([{"settingInstance": {
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
                "settingDefinitionId": "x_enable",
                "choiceSettingValue": {"value": "x_enable_1", "children": [
                    {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
                     "settingDefinitionId": "x_enable_child", "simpleSettingValue": {"value": 5}}]}}}])),
            &names(),
        );
        let keys: Vec<&str> = a.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["x_enable", "x_enable/x_enable_child"]);
        assert_eq!(a[1].label, "Enable X › Child level");
    }

    #[test]
    fn template_references_and_unknown_instance_types_are_shown() {
        let got = lines(json!([{"settingInstance": {
            "@odata.type": "#microsoft.graph.deviceManagementConfigurationFutureSettingInstance",
            "settingDefinitionId": "x_future",
            "futureValue": {"a": 1},
            "settingInstanceTemplateReference": {"settingInstanceTemplateId": "t-1"}
        }}]));
        assert_eq!(
            got,
            [
                "  @odata.type = #microsoft.graph.deviceManagementConfigurationFutureSettingInstance",
                "  futureValue = {\"a\":1}",
                "  instance template = t-1",
            ]
        );
    }
}
