//! A plan, readable: per item its action, why, and the field-level change; text for terminals,
//! markdown for pull-request comments.

use super::{Action, Item, Plan};
use crate::render::{markdown, text, text::Paint};
use crate::store::layout;
use std::fmt::Write;

fn mark(a: Action) -> &'static str {
    match a {
        Action::Create => "+",
        Action::Update => "~",
        Action::NoOp => "=",
        Action::PreviewOnly => "?",
        Action::Blocked => "!",
    }
}

/// Items worth a line: those that do something, and unchanged ones with a note on what is not
/// sent (a property the live type no longer has).
fn shown(item: &Item) -> bool {
    item.action != Action::NoOp
        || item
            .reasons
            .iter()
            .any(|r| r.starts_with(super::removed::NOT_SENT))
}

/// The plan for a terminal: items that do something, each with its change; unchanged ones counted.
pub fn text(plan: &Plan, paint: Paint) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        paint.bold(&format!(
            "plan: {} at {} → tenant {}",
            layout::tenant(&plan.source.tenant),
            &plan.commit[..plan.commit.len().min(10)],
            plan.target.tenant
        ))
    );
    for item in plan.items.iter().filter(|i| shown(i)) {
        out.push('\n');
        let colour = match item.action {
            Action::Create => Paint::green,
            Action::Update => Paint::yellow,
            Action::Blocked => Paint::red,
            _ => Paint::cyan,
        };
        let _ = writeln!(
            out,
            "{} {} {} {}",
            colour(paint, mark(item.action)),
            paint.bold(&format!("{:<12}", item.action.as_str())),
            crate::catalog::label(&item.kind),
            name(item, true)
        );
        let _ = writeln!(out, "  {}", paint.dim(&item.path));
        for r in &item.reasons {
            let _ = writeln!(out, "  {r}");
        }
        if let Some(c) = &item.change {
            let mut body = String::new();
            text::object(&mut body, c, paint);
            // The object's own header line and path are already shown.
            for line in body.lines().skip(2) {
                let _ = writeln!(out, "{line}");
            }
        }
        if !item.requests.is_empty() {
            let reqs: Vec<String> = item
                .requests
                .iter()
                .map(|r| format!("{} {}", r.method, r.purpose))
                .collect();
            let _ = writeln!(
                out,
                "  {}",
                paint.dim(&format!("requests: {}", reqs.join(", ")))
            );
        }
    }
    for w in &plan.warnings {
        let _ = writeln!(out, "\n{} {w}", paint.yellow("warning:"));
    }
    let _ = writeln!(out, "\n{}", plan.summary.sentence());
    out
}

/// `"Name"`, or `"Live name" → "Name" (renamed)` when the item renames the live object (`quote`
/// off for table cells).
fn name(item: &Item, quote: bool) -> String {
    let q = |n: &str| {
        if quote {
            format!("\"{n}\"")
        } else {
            n.to_string()
        }
    };
    match item.change.as_ref().and_then(|c| c.old_name.as_ref()) {
        Some(old) if *old != item.name => format!("{} → {} (renamed)", q(old), q(&item.name)),
        _ => q(&item.name),
    }
}

/// The plan for a pull-request comment: a table of items, each change folded below it.
pub fn markdown(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Restore plan: `{}` at `{}` → tenant `{}`\n",
        layout::tenant(&plan.source.tenant),
        &plan.commit[..plan.commit.len().min(10)],
        plan.target.tenant
    );
    let _ = writeln!(out, "**{}**\n", plan.summary.sentence());
    let shown: Vec<&Item> = plan.items.iter().filter(|i| shown(i)).collect();
    if !shown.is_empty() {
        let _ = writeln!(out, "| Action | Type | Policy | Why |\n|---|---|---|---|");
        for i in &shown {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                i.action.as_str(),
                markdown::cell(&crate::catalog::label(&i.kind)),
                markdown::cell(&name(i, false)),
                markdown::cell(&i.reasons.join("; "))
            );
        }
        out.push('\n');
    }
    let fold = shown.len() > 10;
    for i in shown {
        if let Some(c) = &i.change {
            markdown::object(&mut out, c, fold);
        }
    }
    for w in &plan.warnings {
        let _ = writeln!(out, "- warning: {}", markdown::inline(w));
    }
    out
}
