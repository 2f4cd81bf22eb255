//! HTML fragments of readable views, for the web UI (`serve`).
//!
//! The web UI shows policies and changes exactly as `show` and `diff` do in a terminal: the same
//! [`View`] and [`Report`] walked in the same order, as tables instead of lines. Fragments are maud
//! markup, so every value from a document is escaped; the page around them belongs to the server.
//! No script and no external resource is referenced: the pages work without JavaScript.

use super::compare::{ChangeKind, FieldChange, LineChange, ObjectChange, Report};
use super::sidecar::SidecarChange;
use super::text::section_title;
use super::{Section, View};
use maud::{Markup, html};

/// One document (`show`): metadata, scope tags, assignments, fields by section, payloads, secrets.
pub fn view(v: &View) -> Markup {
    html! {
        section.view {
            h2 { (v.name) }
            table.meta {
                tr { th { "type" } td { (v.kind_title) " " code { (v.kind) } } }
                tr { th { "id" } td { code { (v.id) } } }
                @if let Some(t) = &v.odata_type {
                    tr { th { "@odata.type" } td { code { (t) } } }
                }
                tr { th { "file" } td { code { (v.path) } } }
            }
            @if let Some(tags) = &v.scope_tags {
                h3 { "Scope tags" }
                @if tags.is_empty() { p.none { "(none)" } }
                @else { ul { @for t in tags { li { (t) } } } }
            }
            @if let Some(a) = &v.assignments {
                h3 { "Assignments" }
                @if a.is_empty() { p.none { "(not assigned)" } }
                @else { ul { @for l in a { li { (l.text) } } } }
            }
            (fields(v))
            @for s in &v.sidecars {
                h3 { (s.field) " " small { "(" (s.file) ", " (s.encoding) ", " (s.bytes) " bytes)" } }
                @if let Some(p) = &s.problem { p.warning { "warning: " (p) } }
                @match &s.text {
                    Some(t) => pre.payload { (t) },
                    None if s.problem.is_none() => p.none { "(binary)" },
                    None => {},
                }
            }
            @if !v.secrets.is_empty() {
                h3 { "Secrets (never stored; restore asks for them)" }
                ul { @for s in &v.secrets { li { code { (s) } } } }
            }
        }
    }
}

/// The fields of a view as one table per section (details left out, as in `show`).
fn fields(v: &View) -> Markup {
    let mut groups: Vec<(Section, Vec<&super::Field>)> = vec![];
    for f in v.fields.iter().filter(|f| !f.detail) {
        match groups.last_mut() {
            Some((s, list)) if *s == f.section => list.push(f),
            _ => groups.push((f.section, vec![f])),
        }
    }
    html! {
        @for (section, list) in &groups {
            h3 { (capitalized(section_title(*section))) }
            table.fields {
                @for f in list {
                    tr {
                        @match f.section {
                            Section::Properties => th { (f.label) },
                            _ => th style=(format!("padding-left:{}em", 0.5 + f.depth as f64 * 1.5)) { (f.leaf) },
                        }
                        td { @if f.value.contains('\n') { pre { (f.value) } } @else { (f.value) } }
                    }
                }
            }
        }
    }
}

/// A report of changes (`diff`, `drift`): heading, one block per object, warnings, summary.
pub fn report(r: &Report) -> Markup {
    html! {
        section.report {
            p.heading {
                (r.command)
                @if let Some(t) = &r.tenant { " " (t) ":" }
                " " (r.from) " → " (r.to)
            }
            @for o in &r.objects { (object(o)) }
            @for w in &r.warnings { p.warning { "warning: " (w.to_string()) } }
            @for u in &r.unread { p.warning { "not read: " (u.to_string()) " (drift unknown)" } }
            @for e in &r.health { p.warning.health { (e.to_string()) } }
            p.summary { (r.summary.sentence()) }
        }
    }
}

/// One object's change, as in a report.
pub fn object(o: &ObjectChange) -> Markup {
    let sign = match o.change {
        ChangeKind::Added => "+",
        ChangeKind::Removed => "-",
        ChangeKind::Changed | ChangeKind::Renamed => "~",
    };
    let mut groups: Vec<(Section, Vec<&FieldChange>)> = vec![];
    for f in &o.fields {
        match groups.last_mut() {
            Some((s, list)) if *s == f.section => list.push(f),
            _ => groups.push((f.section, vec![f])),
        }
    }
    html! {
        div class=(format!("change {}", o.change.as_str())) {
            h3 {
                span.sign { (sign) } " " (o.kind_title) " " (o.change.as_str()) ": "
                @if let Some(old) = &o.old_name { "\u{201c}" (old) "\u{201d} → " }
                "\u{201c}" (o.name) "\u{201d} " small { "(" (o.id) ")" }
            }
            p.path {
                code { @if let Some(old) = &o.old_path { (old) " → " } (o.path) }
            }
            @for (section, list) in &groups {
                h4 { (section_title(*section)) }
                table.fields {
                    tr { th { "field" } th { "before" } th { "after" } }
                    @for f in list {
                        tr {
                            th { (f.label) }
                            td.old { @if let Some(a) = &f.old { (a) } @else { span.none { "(absent)" } } }
                            td.new { @if let Some(b) = &f.new { (b) } @else { span.none { "(absent)" } } }
                        }
                    }
                }
            }
            (lines("assignments", &o.assignments))
            (lines("scope tags", &o.scope_tags))
            @for s in &o.sidecars { (sidecar(s)) }
        }
    }
}

fn lines(title: &str, changes: &[LineChange]) -> Markup {
    html! {
        @if !changes.is_empty() {
            h4 { (title) }
            ul.lines {
                @for c in changes {
                    @if let Some(a) = &c.old { li.old { "- " (a) } }
                    @if let Some(b) = &c.new { li.new { "+ " (b) } }
                }
            }
        }
    }
}

fn sidecar(s: &SidecarChange) -> Markup {
    html! {
        h4 {
            (s.field) " ("
            @if let Some(old) = &s.old_file { (old) " → " }
            (s.file) ")"
        }
        @if let Some(n) = &s.note { p { (n) } }
        @if !s.diff.is_empty() {
            pre.diff {
                @for l in &s.diff {
                    @match l.chars().next() {
                        Some('+') => span.new { (l) "\n" },
                        Some('-') => span.old { (l) "\n" },
                        _ => span { (l) "\n" },
                    }
                }
            }
        }
    }
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{AssignmentLine, Field, Summary};

    fn sample() -> View {
        View {
            kind: "deviceConfigurations".into(),
            kind_title: "Device configuration profiles".into(),
            id: "1234".into(),
            name: "<script>alert(1)</script>".into(),
            odata_type: Some("#microsoft.graph.x".into()),
            path: "tenants/t/deviceConfigurations/x--12345678.yaml".into(),
            scope_tags: Some(vec![]),
            assignments: Some(vec![AssignmentLine {
                key: "k".into(),
                text: "all devices".into(),
            }]),
            fields: vec![Field {
                section: Section::Properties,
                key: "description".into(),
                label: "description".into(),
                leaf: "description".into(),
                depth: 0,
                value: "a & b".into(),
                detail: false,
            }],
            sidecars: vec![],
            secrets: vec!["spec.x".into()],
        }
    }

    #[test]
    fn a_view_is_escaped_and_complete() {
        let html = view(&sample()).into_string();
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(html.contains("a &amp; b"), "{html}");
        assert!(html.contains("all devices"));
        assert!(html.contains("(none)"), "empty scope tags are said");
        assert!(html.contains("spec.x"));
        assert!(html.contains("Properties"));
    }

    #[test]
    fn a_report_shows_both_sides_of_a_field() {
        let mut r = Report::new("diff", Some("t".into()), "a".into(), "b".into());
        r.extend([ObjectChange {
            change: ChangeKind::Renamed,
            kind: "k".into(),
            kind_title: "Kind".into(),
            id: "1".into(),
            name: "New".into(),
            old_name: Some("Old".into()),
            path: "p/new".into(),
            old_path: Some("p/old".into()),
            fields: vec![FieldChange {
                section: Section::Properties,
                key: "description".into(),
                label: "description".into(),
                old: Some("before text".into()),
                new: Some("after text".into()),
            }],
            assignments: vec![LineChange {
                old: None,
                new: Some("group X".into()),
            }],
            scope_tags: vec![],
            sidecars: vec![],
        }]);
        assert_eq!(
            r.summary,
            Summary {
                renamed: 1,
                ..Summary::default()
            }
        );
        let html = report(&r).into_string();
        for want in [
            "before text",
            "after text",
            "Old",
            "p/old → p/new",
            "+ group X",
            "1 renamed",
        ] {
            assert!(html.contains(want), "{want} in {html}");
        }
    }
}
