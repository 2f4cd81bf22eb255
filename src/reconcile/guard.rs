//! The guardrails an `enforce` round checks before it writes: nothing preview-only or blocked in
//! the plan (a person must decide those), no more changes than `guardrails.maxChanges`, and the
//! windows open. Any reason found means nothing is written; the reasons go into the run log, the
//! status file and the notification.

use crate::config::TenantConfig;
use crate::plan::{Action, Plan};
use jiff::Timestamp;

/// Why this plan may not be applied now (empty: it may).
pub fn reasons(plan: &Plan, tenant: &TenantConfig, now: Timestamp) -> Vec<String> {
    let mut why = vec![];
    for item in &plan.items {
        let what = match item.action {
            Action::PreviewOnly => "preview-only",
            Action::Blocked => "blocked",
            _ => continue,
        };
        let because = if item.reasons.is_empty() {
            String::new()
        } else {
            format!(": {}", item.reasons.join("; "))
        };
        why.push(format!("{what} {} \"{}\"{because}", item.kind, item.name));
    }
    let n = plan.summary.to_apply();
    if n > tenant.guardrails.max_changes {
        why.push(format!(
            "{} exceed guardrails.maxChanges ({})",
            crate::render::text::count(n, "change", "changes"),
            tenant.guardrails.max_changes
        ));
    }
    if n > 0
        && let Some(closed) = super::windows::closed(&tenant.windows, now)
    {
        why.push(closed);
    }
    why
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Window};
    use crate::plan::{ABSENT, Item, Side, Summary};

    fn tenant() -> TenantConfig {
        let text = "tenants:\n- name: a\n  tenantId: 11111111-1111-1111-1111-111111111111\n  clientId: 22222222-2222-2222-2222-222222222222\n  clientSecretEnv: S\n  mode: enforce\n  desired: main\n  guardrails: {maxChanges: 2}\n";
        Config::parse(text, "atlas.yaml").unwrap().tenants.remove(0)
    }

    fn item(action: Action, name: &str) -> Item {
        Item {
            kind: "deviceConfigurations".into(),
            name: name.into(),
            path: format!("tenants/a/deviceConfigurations/{name}.yaml"),
            source_id: name.into(),
            target_id: None,
            action,
            reasons: if action == Action::Blocked {
                vec!["needs a secret".into()]
            } else {
                vec![]
            },
            fingerprint: ABSENT.into(),
            change: None,
            requests: vec![],
            secrets: vec![],
        }
    }

    fn plan(items: Vec<Item>) -> Plan {
        let side = Side {
            tenant: "a".into(),
            tenant_id: "t".into(),
        };
        let mut p = Plan {
            format: 1,
            tool_version: "0".into(),
            created: String::new(),
            commit: "c".into(),
            source: side.clone(),
            target: side,
            types: vec![],
            only: vec![],
            create_missing: false,
            mappings: Default::default(),
            summary: Summary::default(),
            items,
            warnings: vec![],
            hash: String::new(),
            signature: None,
        };
        p.seal();
        p
    }

    const NOW: &str = "2026-01-15T09:30:00Z";

    #[test]
    fn a_plan_within_the_guardrails_passes() {
        let p = plan(vec![
            item(Action::Update, "x"),
            item(Action::Create, "y"),
            item(Action::NoOp, "z"),
        ]);
        assert!(reasons(&p, &tenant(), NOW.parse().unwrap()).is_empty());
    }

    #[test]
    fn too_many_changes_blocked_and_preview_only_items_refuse() {
        let p = plan(vec![
            item(Action::Update, "x"),
            item(Action::Create, "y"),
            item(Action::Update, "w"),
            item(Action::Blocked, "b"),
            item(Action::PreviewOnly, "ca"),
        ]);
        let why = reasons(&p, &tenant(), NOW.parse().unwrap());
        assert_eq!(why.len(), 3, "{why:?}");
        assert!(why[0].starts_with("blocked deviceConfigurations \"b\": needs a secret"));
        assert!(why[1].starts_with("preview-only"));
        assert_eq!(why[2], "3 changes exceed guardrails.maxChanges (2)");
    }

    #[test]
    fn a_deny_window_refuses_writes_but_not_an_empty_plan() {
        let mut t = tenant();
        t.windows.deny.push(Window {
            days: vec![],
            from: "09:00".into(),
            to: "10:00".into(),
        });
        let now = NOW.parse().unwrap();
        let why = reasons(&plan(vec![item(Action::Update, "x")]), &t, now);
        assert_eq!(why.len(), 1);
        assert!(why[0].contains("deny window deny[0]"), "{why:?}");
        assert!(reasons(&plan(vec![item(Action::NoOp, "x")]), &t, now).is_empty());
    }
}
