//! Markdown rendering that fits a pull-request or issue comment and a committed documentation
//! tree: tables and lists, never raw JSON blobs; long parts folded into `<details>`.

use super::compare::{ChangeKind, LineChange, ObjectChange, Report};
use super::{Section, View};
use std::fmt::Write;

/// Changed fields beyond this many are folded.
const FOLD_FIELDS: usize = 15;
/// Objects beyond this many are each folded.
const FOLD_OBJECTS: usize = 10;

/// Text safe inside a table cell: pipes escaped, line breaks as `<br>`, markup characters escaped.
pub fn cell(s: &str) -> String {
    if s.is_empty() {
        return "*(empty)*".into();
    }
    inline(s)
        .replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace('\n', "<br>")
}

/// Text safe in running markdown (no accidental emphasis, links, HTML or code).
pub fn inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A report of changes (`diff`, `drift`).
pub fn report(r: &Report) -> String {
    let mut out = String::new();
    let scope = r
        .tenant
        .as_ref()
        .map(|t| format!(" `{t}`"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "### {}{scope}: {} → {}\n",
        r.command,
        inline(&r.from),
        inline(&r.to)
    );
    let _ = writeln!(out, "**{}**\n", r.summary.sentence());
    let fold = r.objects.len() > FOLD_OBJECTS;
    for o in &r.objects {
        object(&mut out, o, fold);
    }
    if !r.unread.is_empty() {
        let _ = writeln!(out, "#### Not read (drift unknown)\n");
        for u in &r.unread {
            let _ = writeln!(out, "- {}", inline(&u.to_string()));
        }
        out.push('\n');
    }
    if !r.health.is_empty() {
        let _ = writeln!(out, "#### Health: certificates and tokens\n");
        for e in &r.health {
            let mark = if e.expired() { "⛔" } else { "⚠️" };
            let _ = writeln!(out, "- {mark} {}", inline(&e.to_string()));
        }
        out.push('\n');
    }
    if !r.warnings.is_empty() {
        let _ = writeln!(out, "#### Warnings\n");
        for w in &r.warnings {
            let _ = writeln!(out, "- {}", inline(&w.to_string()));
        }
        out.push('\n');
    }
    out
}

/// One object's change, as in a report; `fold` puts it in a `<details>`.
pub fn object(out: &mut String, o: &ObjectChange, fold: bool) {
    let mark = match o.change {
        ChangeKind::Added => "➕ added",
        ChangeKind::Removed => "➖ removed",
        ChangeKind::Changed => "✏️ changed",
        ChangeKind::Renamed => "✏️ renamed",
    };
    let name = match &o.old_name {
        Some(old) => format!("{} → {}", inline(old), inline(&o.name)),
        None => inline(&o.name),
    };
    let title = format!("{} — {}: {name}", mark, inline(&o.kind_title));
    let mut body = String::new();
    let path = match &o.old_path {
        Some(old) => format!("`{old}` → `{}`", o.path),
        None => format!("`{}`", o.path),
    };
    let _ = writeln!(body, "{path} · id `{}`\n", o.id);
    if !o.fields.is_empty() {
        let mut table = String::new();
        let _ = writeln!(
            table,
            "| Section | Setting | Before | After |\n|---|---|---|---|"
        );
        for f in &o.fields {
            let _ = writeln!(
                table,
                "| {} | {} | {} | {} |",
                super::text::section_title(f.section),
                cell(&f.label),
                f.old.as_deref().map(cell).unwrap_or_else(|| "—".into()),
                f.new.as_deref().map(cell).unwrap_or_else(|| "—".into()),
            );
        }
        if o.fields.len() > FOLD_FIELDS && !fold {
            let _ = writeln!(
                body,
                "<details><summary>{} settings changed</summary>\n\n{table}\n</details>\n",
                o.fields.len()
            );
        } else {
            let _ = writeln!(body, "{table}");
        }
    }
    lines(&mut body, "Assignments", &o.assignments);
    lines(&mut body, "Scope tags", &o.scope_tags);
    for s in &o.sidecars {
        let file = match &s.old_file {
            Some(old) => format!("`{old}` → `{}`", s.file),
            None => format!("`{}`", s.file),
        };
        let _ = writeln!(body, "**{}** ({file})\n", s.field);
        if let Some(note) = &s.note {
            let _ = writeln!(body, "{}\n", inline(note));
        }
        if !s.diff.is_empty() {
            let fence = fence_for(&s.diff.join("\n"));
            let _ = writeln!(
                body,
                "<details><summary>{} diff lines</summary>\n\n{fence}diff\n{}\n{fence}\n\n</details>\n",
                s.diff.len(),
                s.diff.join("\n")
            );
        }
    }
    if fold {
        let _ = writeln!(
            out,
            "<details><summary>{title}</summary>\n\n{body}</details>\n"
        );
    } else {
        let _ = writeln!(out, "#### {title}\n\n{body}");
    }
}

fn lines(out: &mut String, title: &str, changes: &[LineChange]) {
    if changes.is_empty() {
        return;
    }
    let _ = writeln!(out, "**{title}**\n");
    for c in changes {
        match (&c.old, &c.new) {
            (Some(a), Some(b)) => {
                let _ = writeln!(out, "- changed: {} → {}", inline(a), inline(b));
            }
            (None, Some(b)) => {
                let _ = writeln!(out, "- added: {}", inline(b));
            }
            (Some(a), None) => {
                let _ = writeln!(out, "- removed: {}", inline(a));
            }
            (None, None) => {}
        }
    }
    out.push('\n');
}

/// A code fence longer than any backtick run in the content.
fn fence_for(content: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in content.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat(longest.max(2) + 1)
}

/// One document as a markdown section (`show --format markdown`, `docs`), headed at `level`.
pub fn view(v: &View, level: usize) -> String {
    let mut out = String::new();
    view_header(&mut out, v, level);
    view_fields(&mut out, v);
    view_sidecars(&mut out, v);
    if !v.secrets.is_empty() {
        let _ = writeln!(out, "**Secrets** (never stored; restore asks for them)\n");
        for s in &v.secrets {
            let _ = writeln!(out, "- `{s}`");
        }
        out.push('\n');
    }
    out
}

/// The heading, the table of what identifies the document, and its assignments.
fn view_header(out: &mut String, v: &View, level: usize) {
    let h = "#".repeat(level.clamp(1, 6));
    let _ = writeln!(out, "{h} {}\n", inline(&v.name));
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Type | {} (`{}`) |", cell(&v.kind_title), v.kind);
    let _ = writeln!(out, "| Id | `{}` |", v.id);
    if let Some(t) = &v.odata_type {
        let _ = writeln!(out, "| @odata.type | `{t}` |");
    }
    let _ = writeln!(out, "| File | `{}` |", v.path);
    if let Some(tags) = &v.scope_tags {
        let tags = if tags.is_empty() {
            "*(none)*".to_string()
        } else {
            tags.iter().map(|t| cell(t)).collect::<Vec<_>>().join(", ")
        };
        let _ = writeln!(out, "| Scope tags | {tags} |");
    }
    out.push('\n');
    if let Some(a) = &v.assignments {
        let _ = writeln!(out, "**Assignments**\n");
        if a.is_empty() {
            let _ = writeln!(out, "- *(not assigned)*");
        }
        for l in a {
            let _ = writeln!(out, "- {}", inline(&l.text));
        }
        out.push('\n');
    }
}

/// The fields, a table per section; a long one folded.
fn view_fields(out: &mut String, v: &View) {
    let mut section = None;
    let mut table = String::new();
    let mut rows = 0;
    let flush = |out: &mut String, table: &mut String, section: Option<Section>, rows: usize| {
        if table.is_empty() {
            return;
        }
        let title = section.map(super::text::section_title).unwrap_or("");
        if rows > FOLD_FIELDS * 2 {
            let _ = writeln!(
                out,
                "<details><summary>{rows} {title}</summary>\n\n{table}\n</details>\n"
            );
        } else {
            let _ = writeln!(
                out,
                "**{}{}**\n\n{table}",
                title[..1].to_uppercase(),
                &title[1..]
            );
        }
        table.clear();
    };
    for f in v.fields.iter().filter(|f| !f.detail) {
        if section != Some(f.section) {
            flush(out, &mut table, section, rows);
            section = Some(f.section);
            rows = 0;
            let _ = writeln!(table, "| Setting | Value |\n|---|---|");
        }
        let label = match f.section {
            Section::Properties => cell(&f.label),
            _ => format!("{}{}", "&nbsp;&nbsp;".repeat(f.depth * 2), cell(&f.leaf)),
        };
        let _ = writeln!(
            table,
            "| {label} | {} |",
            if f.value.is_empty() {
                String::new()
            } else {
                cell(&f.value)
            }
        );
        rows += 1;
    }
    flush(out, &mut table, section, rows);
}

/// Each sidecar: its file, encoding and size, and its text folded in a fenced block.
fn view_sidecars(out: &mut String, v: &View) {
    for s in &v.sidecars {
        let _ = writeln!(
            out,
            "**{}** (`{}`, {}, {} bytes)\n",
            s.field, s.file, s.encoding, s.bytes
        );
        if let Some(p) = &s.problem {
            let _ = writeln!(out, "> warning: {}\n", inline(p));
        }
        if let Some(t) = &s.text {
            let fence = fence_for(t);
            let lang = s.file.rsplit('.').next().unwrap_or("");
            let lang = match lang {
                "ps1" | "psm1" => "powershell",
                "sh" => "sh",
                "xml" | "mobileconfig" => "xml",
                "json" => "json",
                _ => "",
            };
            let _ = writeln!(
                out,
                "<details><summary>{} lines</summary>\n\n{fence}{lang}\n{}\n{fence}\n\n</details>\n",
                t.lines().count(),
                t.trim_end_matches('\n')
            );
        }
    }
}
