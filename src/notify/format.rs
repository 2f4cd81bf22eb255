//! The three message formats: a generic JSON document for scripts and bridges, a Microsoft Teams
//! message carrying an Adaptive Card (what Teams workflow webhooks accept), and a Slack
//! incoming-webhook message (`text` fallback plus Block Kit blocks). All say the same things:
//! tenant, mode, result, run id, why, the drifted objects (first few), and the link.

use super::Event;
use crate::config::{NotificationEvent, NotificationFormat};
use crate::records::status::RoundResult;
use serde_json::{Value, json};

/// Objects listed by name in chat messages; the rest are counted.
const LISTED: usize = 10;
/// Characters of a round's message shown in chat messages (Slack refuses a section over 3,000;
/// the JSON format carries the whole message).
const MESSAGE_CHARS: usize = 1000;

/// `s` cut to `n` characters, with an ellipsis when cut.
fn clip(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

pub(super) fn payload(format: NotificationFormat, e: &Event, link: Option<&str>) -> Value {
    match format {
        NotificationFormat::Json => generic(e, link),
        NotificationFormat::Teams => teams(e, link),
        NotificationFormat::Slack => slack(e, link),
    }
}

fn event_name(k: NotificationEvent) -> &'static str {
    match k {
        NotificationEvent::Finished => "finished",
        NotificationEvent::Failed => "failed",
        NotificationEvent::Drift => "drift",
        NotificationEvent::Health => "health",
    }
}

fn to_str<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn title(e: &Event) -> String {
    let what = match e.kind {
        NotificationEvent::Drift => {
            let n = e.drift.as_ref().map_or(0, |d| d.objects.len());
            format!("drift in {n} object{}", if n == 1 { "" } else { "s" })
        }
        NotificationEvent::Failed if e.round.result == RoundResult::Refused => {
            "enforcement refused".to_string()
        }
        NotificationEvent::Failed => format!("round {}", to_str(&e.round.result)),
        NotificationEvent::Finished => format!("round finished ({})", to_str(&e.round.result)),
        NotificationEvent::Health => {
            let expired = e.health.iter().filter(|x| x.expired()).count();
            let n = e.health.len();
            let things = if n == 1 {
                "certificate or token"
            } else {
                "certificates or tokens"
            };
            if expired > 0 {
                format!("{n} {things} expiring or expired ({expired} expired)")
            } else {
                format!("{n} {things} expiring")
            }
        }
    };
    format!("tenant-atlas · {} · {what}", e.tenant)
}

fn facts(e: &Event) -> Vec<(&'static str, String)> {
    let r = &e.round;
    let secs = r.finished.duration_since(r.started).as_secs().max(0);
    let mut f = vec![
        ("Tenant", e.tenant.clone()),
        ("Mode", to_str(&e.mode)),
        ("Result", to_str(&r.result)),
        ("Run", r.run_id.clone()),
        ("Finished", r.finished.to_string()),
        ("Duration", format!("{secs} s")),
    ];
    if !r.trigger.is_empty() {
        f.push(("Trigger", r.trigger.clone()));
    }
    f
}

/// The lines a chat message lists: the expiries of a health message, else the drifted objects.
fn lines(e: &Event) -> Vec<String> {
    if e.kind == NotificationEvent::Health {
        return e.health.iter().map(|x| x.to_string()).collect();
    }
    drift_lines(e)
}

fn drift_lines(e: &Event) -> Vec<String> {
    let Some(d) = &e.drift else { return vec![] };
    let mut lines: Vec<String> = d
        .objects
        .iter()
        .take(LISTED)
        .map(|o| format!("{} {} ({})", o.change, o.name, o.kind))
        .collect();
    if d.objects.len() > LISTED {
        lines.push(format!("… and {} more", d.objects.len() - LISTED));
    }
    for u in &d.unread {
        lines.push(format!("not read: {u}"));
    }
    lines
}

fn generic(e: &Event, link: Option<&str>) -> Value {
    let r = &e.round;
    let mut v = json!({
        "event": event_name(e.kind),
        "tenant": e.tenant,
        "mode": e.mode,
        "runId": r.run_id,
        "kind": r.kind,
        "result": r.result,
        "started": r.started,
        "finished": r.finished,
        "trigger": r.trigger,
        "runs": r.runs,
        "toolVersion": env!("CARGO_PKG_VERSION"),
    });
    if let Some(m) = &r.message {
        v["message"] = json!(m);
    }
    if let Some(d) = &e.drift {
        v["drift"] = json!({
            "checked": d.checked,
            "against": d.against,
            "count": d.objects.len(),
            "objects": d.objects,
            "unread": d.unread,
        });
    }
    if !e.health.is_empty() {
        v["health"] = json!(e.health);
    }
    if let Some(l) = link {
        v["link"] = json!(l);
    }
    v
}

fn teams(e: &Event, link: Option<&str>) -> Value {
    let mut body = vec![json!({
        "type": "TextBlock", "size": "Medium", "weight": "Bolder", "wrap": true, "text": title(e),
    })];
    if let Some(m) = &e.round.message {
        body.push(json!({"type": "TextBlock", "wrap": true, "text": clip(m, MESSAGE_CHARS)}));
    }
    body.push(json!({
        "type": "FactSet",
        "facts": facts(e).into_iter().map(|(t, v)| json!({"title": t, "value": v})).collect::<Vec<_>>(),
    }));
    let lines = lines(e);
    if !lines.is_empty() {
        body.push(json!({"type": "TextBlock", "wrap": true, "text": lines.iter().map(|l| format!("- {l}")).collect::<Vec<_>>().join("\n")}));
    }
    let mut card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    });
    if let Some(l) = link {
        card["actions"] = json!([{"type": "Action.OpenUrl", "title": "Open run", "url": l}]);
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": card,
        }],
    })
}

/// Slack's mrkdwn needs `&`, `<` and `>` escaped.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn slack(e: &Event, link: Option<&str>) -> Value {
    let t = title(e);
    let mut blocks = vec![json!({"type": "header", "text": {"type": "plain_text", "text": t}})];
    let mut text = String::new();
    if let Some(m) = &e.round.message {
        text.push_str(&slack_escape(&clip(m, MESSAGE_CHARS)));
    }
    let fields: Vec<Value> = facts(e)
        .into_iter()
        .map(|(k, v)| json!({"type": "mrkdwn", "text": format!("*{k}*\n{}", slack_escape(&v))}))
        .collect();
    let mut section = json!({"type": "section", "fields": fields});
    if !text.is_empty() {
        section["text"] = json!({"type": "mrkdwn", "text": text});
    }
    blocks.push(section);
    let lines = lines(e);
    if !lines.is_empty() {
        let list = lines
            .iter()
            .map(|l| format!("• {}", slack_escape(l)))
            .collect::<Vec<_>>()
            .join("\n");
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": list}}));
    }
    if let Some(l) = link {
        blocks.push(json!({"type": "actions", "elements": [{
            "type": "button", "text": {"type": "plain_text", "text": "Open run"}, "url": l,
        }]}));
    }
    let fallback = match link {
        Some(l) => format!("{} <{}|open run>", slack_escape(&t), l),
        None => slack_escape(&t),
    };
    json!({"text": fallback, "blocks": blocks})
}
