//! Administrative templates renderer: each definition value as its category path and display name,
//! enabled or disabled, with each presentation's label and value beneath it.
//!
//! Lines are keyed by definition and presentation ids, so a changed presentation value shows as that
//! one line and a removed definition as its lines going away.

use super::{Field, Section};
use serde_json::Value;

const PRESENTATION_PREFIX: &str = "#microsoft.graph.groupPolicyPresentationValue";

/// Fields of a `definitionValues` array.
pub fn fields(values: Option<&Value>) -> Vec<Field> {
    let mut out = vec![];
    let items = values
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    for dv in items {
        let def = dv.get("definition").unwrap_or(&Value::Null);
        let def_id = str_of(def, "id").or_else(|| str_of(dv, "definition@odata.bind"));
        let name = str_of(def, "displayName")
            .or(def_id)
            .unwrap_or("(unknown definition)");
        let label = match str_of(def, "categoryPath") {
            Some(cat) if !cat.is_empty() => format!(
                "{} › {name}",
                cat.trim_start_matches('\\').replace('\\', " › ")
            ),
            _ => name.to_string(),
        };
        let mut class = vec![];
        if let Some(c) = str_of(def, "classType") {
            class.push(c);
        }
        if let Some(c) = str_of(dv, "configurationType").filter(|c| *c != "policy") {
            class.push(c);
        }
        let key = def_id.unwrap_or(name).to_string();
        let state = match dv.get("enabled") {
            Some(Value::Bool(true)) => "Enabled".to_string(),
            Some(Value::Bool(false)) => "Disabled".to_string(),
            other => super::scalar(other.unwrap_or(&Value::Null)),
        };
        let value = if class.is_empty() {
            state
        } else {
            format!("{state} ({})", class.join(", "))
        };
        let path = vec![label];
        out.push(Field::new(Section::Definitions, key.clone(), &path, value));
        let presentations = dv
            .get("presentationValues")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        for pv in presentations {
            let pres = pv.get("presentation").unwrap_or(&Value::Null);
            let pres_id = str_of(pres, "id").unwrap_or("(unknown presentation)");
            let pres_label = str_of(pres, "label")
                .filter(|l| !l.is_empty())
                .unwrap_or(pres_id)
                .trim_end_matches(':')
                .to_string();
            let mut child = path.clone();
            child.push(pres_label);
            out.push(Field::new(
                Section::Definitions,
                format!("{key}/{pres_id}"),
                &child,
                presentation_value(pv),
            ));
        }
    }
    out
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// A presentation value in words: text, decimal, boolean, multi-text lines, list `name = value` pairs.
fn presentation_value(pv: &Value) -> String {
    let kind = str_of(pv, "@odata.type")
        .unwrap_or("")
        .trim_start_matches(PRESENTATION_PREFIX);
    match kind {
        "MultiText" => super::scalar(pv.get("values").unwrap_or(&Value::Null)),
        "List" => {
            let items = pv
                .get("values")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            if items.is_empty() {
                return "(none)".into();
            }
            items
                .iter()
                .map(|i| {
                    let name = i.get("name").map(super::scalar).unwrap_or_default();
                    match i.get("value") {
                        Some(v) if !v.is_null() => format!("{name} = {}", super::scalar(v)),
                        _ => name,
                    }
                })
                .collect::<Vec<_>>()
                .join("; ")
        }
        _ => match pv.get("value") {
            Some(v) => super::scalar(v),
            None => super::scalar(pv.get("values").unwrap_or(&Value::Null)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn definitions_show_category_state_and_every_presentation_kind() {
        let got: Vec<String> = fields(Some(&json!([
            {"configurationType": "policy", "enabled": true,
             "definition": {"id": "d1", "displayName": "Logon banner", "categoryPath": "\\Contoso\\Logon", "classType": "machine"},
             "presentationValues": [
                {"@odata.type": "#microsoft.graph.groupPolicyPresentationValueMultiText",
                 "presentation": {"id": "p1", "label": "Banner lines:"}, "values": ["a", "b"]},
                {"@odata.type": "#microsoft.graph.groupPolicyPresentationValueList",
                 "presentation": {"id": "p2", "label": "Sites"}, "values": [{"name": "x.com", "value": "2"}]},
                {"@odata.type": "#microsoft.graph.groupPolicyPresentationValueDecimal",
                 "presentation": {"id": "p3", "label": "Minutes"}, "value": 15},
                {"@odata.type": "#microsoft.graph.groupPolicyPresentationValueBoolean",
                 "presentation": {"id": "p4", "label": "Show"}, "value": false},
                {"@odata.type": "#microsoft.graph.groupPolicyPresentationValueText",
                 "presentation": {"id": "p5", "label": ""}, "value": "hello"}
             ]},
            {"configurationType": "preference", "enabled": false,
             "definition": {"id": "d2", "displayName": "Consumer experiences", "classType": "user"},
             "presentationValues": []}
        ])))
        .into_iter()
        .map(|f| format!("{} | {} = {}", f.key, f.label, f.value))
        .collect();
        assert_eq!(
            got,
            [
                "d1 | Contoso › Logon › Logon banner = Enabled (machine)",
                "d1/p1 | Contoso › Logon › Logon banner › Banner lines = a, b",
                "d1/p2 | Contoso › Logon › Logon banner › Sites = x.com = 2",
                "d1/p3 | Contoso › Logon › Logon banner › Minutes = 15",
                "d1/p4 | Contoso › Logon › Logon banner › Show = false",
                "d1/p5 | Contoso › Logon › Logon banner › p5 = hello",
                "d2 | Consumer experiences = Disabled (user, preference)",
            ]
        );
    }
}
