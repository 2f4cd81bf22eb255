//! Plain-text rendering for terminals: colour when asked for (the CLI decides: terminal, `--color`,
//! `NO_COLOR`), the same words without it.

use super::compare::{ChangeKind, FieldChange, LineChange, ObjectChange, Report};
use super::sidecar::SidecarChange;
use super::{Section, View};
use std::fmt::Write;

/// `1 item`, `2 items`: a count with the word in the right number.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// ANSI styling that is a no-op when colour is off.
#[derive(Debug, Clone, Copy)]
pub struct Paint(pub bool);

impl Paint {
    fn wrap(self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    pub fn bold(self, s: &str) -> String {
        self.wrap("1", s)
    }
    pub fn dim(self, s: &str) -> String {
        self.wrap("2", s)
    }
    pub fn red(self, s: &str) -> String {
        self.wrap("31", s)
    }
    pub fn green(self, s: &str) -> String {
        self.wrap("32", s)
    }
    pub fn yellow(self, s: &str) -> String {
        self.wrap("33", s)
    }
    pub fn cyan(self, s: &str) -> String {
        self.wrap("36", s)
    }
}

/// A report of changes (`diff`, `drift`).
pub fn report(r: &Report, paint: Paint) -> String {
    let mut out = String::new();
    let scope = r
        .tenant
        .as_ref()
        .map(|t| format!(" {t}:"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{}",
        paint.bold(&format!("{}{scope} {} → {}", r.command, r.from, r.to))
    );
    for o in &r.objects {
        out.push('\n');
        object(&mut out, o, paint);
    }
    for w in &r.warnings {
        let _ = writeln!(out, "\n{} {w}", paint.yellow("warning:"));
    }
    for u in &r.unread {
        let _ = writeln!(out, "\n{} {u} (drift unknown)", paint.red("not read:"));
    }
    for e in &r.health {
        let _ = writeln!(out, "\n{} {e}", paint.red("health:"));
    }
    let _ = writeln!(out, "\n{}", r.summary.sentence());
    out
}

/// One object's change, as in a report.
pub fn object(out: &mut String, o: &ObjectChange, paint: Paint) {
    let (sign, colour): (&str, fn(Paint, &str) -> String) = match o.change {
        ChangeKind::Added => ("+", Paint::green),
        ChangeKind::Removed => ("-", Paint::red),
        ChangeKind::Changed => ("~", Paint::yellow),
        ChangeKind::Renamed => ("~", Paint::yellow),
    };
    let name = match &o.old_name {
        Some(old) => format!("\"{old}\" → \"{}\"", o.name),
        None => format!("\"{}\"", o.name),
    };
    let _ = writeln!(
        out,
        "{} {} {name} {}",
        colour(paint, sign),
        paint.bold(&format!("{} {}:", o.kind_title, o.change.as_str())),
        paint.dim(&format!("({})", o.id))
    );
    match &o.old_path {
        Some(old) => {
            let _ = writeln!(out, "  {}", paint.dim(&format!("{old} → {}", o.path)));
        }
        None => {
            let _ = writeln!(out, "  {}", paint.dim(&o.path));
        }
    }
    let mut section = None;
    for f in &o.fields {
        if section != Some(f.section) {
            section = Some(f.section);
            let _ = writeln!(out, "  {}", paint.cyan(section_title(f.section)));
        }
        field(out, f, paint);
    }
    lines(out, "assignments", &o.assignments, paint);
    lines(out, "scope tags", &o.scope_tags, paint);
    for s in &o.sidecars {
        sidecar(out, s, paint);
    }
}

pub fn section_title(s: Section) -> &'static str {
    match s {
        Section::Metadata => "type",
        Section::Properties => "properties",
        Section::Settings => "settings",
        Section::Definitions => "settings",
    }
}

fn field(out: &mut String, f: &FieldChange, paint: Paint) {
    match (&f.old, &f.new) {
        (Some(a), Some(b)) => {
            let _ = writeln!(
                out,
                "    {} {}: {} → {}",
                paint.yellow("~"),
                f.label,
                paint.red(&one_line(a)),
                paint.green(&one_line(b))
            );
        }
        (None, Some(b)) => {
            let _ = writeln!(
                out,
                "    {} {} = {}",
                paint.green("+"),
                f.label,
                one_line(b)
            );
        }
        (Some(a), None) => {
            let _ = writeln!(out, "    {} {} = {}", paint.red("-"), f.label, one_line(a));
        }
        (None, None) => {}
    }
}

fn lines(out: &mut String, title: &str, changes: &[LineChange], paint: Paint) {
    if changes.is_empty() {
        return;
    }
    let _ = writeln!(out, "  {}", paint.cyan(title));
    for c in changes {
        match (&c.old, &c.new) {
            (Some(a), Some(b)) => {
                let _ = writeln!(out, "    {} {a}", paint.red("-"));
                let _ = writeln!(out, "    {} {b}", paint.green("+"));
            }
            (None, Some(b)) => {
                let _ = writeln!(out, "    {} {b}", paint.green("+"));
            }
            (Some(a), None) => {
                let _ = writeln!(out, "    {} {a}", paint.red("-"));
            }
            (None, None) => {}
        }
    }
}

fn sidecar(out: &mut String, s: &SidecarChange, paint: Paint) {
    let file = match &s.old_file {
        Some(old) => format!("{old} → {}", s.file),
        None => s.file.clone(),
    };
    let _ = writeln!(out, "  {}", paint.cyan(&format!("{} ({file})", s.field)));
    if let Some(note) = &s.note {
        let _ = writeln!(out, "    {note}");
    }
    for l in &s.diff {
        let styled = match l.chars().next() {
            Some('+') => paint.green(l),
            Some('-') => paint.red(l),
            Some('@') => paint.cyan(l),
            _ => l.clone(),
        };
        let _ = writeln!(out, "    {styled}");
    }
}

/// Multi-line values shown on one line, their line breaks marked.
fn one_line(s: &str) -> String {
    s.replace("\r\n", "⏎").replace('\n', "⏎")
}

/// One document (`show`).
pub fn view(v: &View, paint: Paint) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", paint.bold(&v.name));
    let mut meta = vec![
        ("type", v.kind_title.clone()),
        ("kind", v.kind.clone()),
        ("id", v.id.clone()),
    ];
    if let Some(t) = &v.odata_type {
        meta.push(("@odata.type", t.clone()));
    }
    meta.push(("file", v.path.clone()));
    for (k, val) in meta {
        let _ = writeln!(out, "  {} {val}", paint.dim(&format!("{k:<12}")));
    }
    if let Some(tags) = &v.scope_tags {
        let _ = writeln!(out, "\n{}", paint.cyan("scope tags"));
        if tags.is_empty() {
            let _ = writeln!(out, "  (none)");
        }
        for t in tags {
            let _ = writeln!(out, "  {t}");
        }
    }
    if let Some(a) = &v.assignments {
        let _ = writeln!(out, "\n{}", paint.cyan("assignments"));
        if a.is_empty() {
            let _ = writeln!(out, "  (not assigned)");
        }
        for l in a {
            let _ = writeln!(out, "  {}", l.text);
        }
    }
    let mut section = None;
    for f in v.fields.iter().filter(|f| !f.detail) {
        if section != Some(f.section) {
            section = Some(f.section);
            let _ = writeln!(out, "\n{}", paint.cyan(section_title(f.section)));
        }
        let label = match f.section {
            Section::Properties => f.label.clone(),
            _ => format!("{}{}", "  ".repeat(f.depth), f.leaf),
        };
        let value = if f.value.contains('\n') {
            let indent = " ".repeat(4 + 2 * f.depth);
            format!(
                "|\n{indent}{}",
                f.value.replace('\n', &format!("\n{indent}"))
            )
        } else {
            f.value.clone()
        };
        if value.is_empty() {
            let _ = writeln!(out, "  {label}");
        } else {
            let _ = writeln!(out, "  {label} = {value}");
        }
    }
    for s in &v.sidecars {
        let _ = writeln!(
            out,
            "\n{} {}",
            paint.cyan(&format!("{} ({})", s.field, s.file)),
            paint.dim(&format!("{}, {} bytes", s.encoding, s.bytes))
        );
        if let Some(p) = &s.problem {
            let _ = writeln!(out, "  {} {p}", paint.yellow("warning:"));
        }
        match &s.text {
            Some(t) => {
                for l in t.lines() {
                    let _ = writeln!(out, "  {l}");
                }
            }
            None if s.problem.is_none() => {
                let _ = writeln!(out, "  (binary)");
            }
            None => {}
        }
    }
    if !v.secrets.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            paint.cyan("secrets (never stored; restore asks for them)")
        );
        for s in &v.secrets {
            let _ = writeln!(out, "  {s}");
        }
    }
    out
}
