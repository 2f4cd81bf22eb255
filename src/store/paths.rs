//! Path checks for everything the store writes.
//!
//! Object names come from a remote tenant, so a path is untrusted until checked: it must stay
//! inside the repository, must never reach `.git` (including NTFS and HFS+ look-alikes), and must
//! be a valid file name on Windows, macOS and Linux so a clone works everywhere.

use std::collections::{BTreeMap, BTreeSet};

use super::StoreError;

/// Longest file or directory name accepted, in bytes (the common filesystem limit).
const MAX_COMPONENT_BYTES: usize = 255;

/// Windows device names, refused with or without an extension.
const WINDOWS_DEVICES: &[&str] = &[
    "con", "prn", "aux", "nul", "conin$", "conout$", "clock$", "com1", "com2", "com3", "com4",
    "com5", "com6", "com7", "com8", "com9", "com¹", "com²", "com³", "lpt1", "lpt2", "lpt3", "lpt4",
    "lpt5", "lpt6", "lpt7", "lpt8", "lpt9", "lpt¹", "lpt²", "lpt³",
];

/// Checks a '/'-separated relative path; returns its components.
pub(crate) fn validate(path: &str) -> Result<Vec<&str>, StoreError> {
    if path.is_empty() {
        return Err(StoreError::unsafe_path(path, "empty path"));
    }
    if path.starts_with('/') {
        return Err(StoreError::unsafe_path(path, "absolute path"));
    }
    let components: Vec<&str> = path.split('/').collect();
    for component in &components {
        if let Some(reason) = component_problem(component) {
            return Err(StoreError::unsafe_path(path, reason));
        }
    }
    Ok(components)
}

/// Checks a single file or directory name (a tenant name, a run id).
pub(crate) fn validate_component(name: &str) -> Result<(), StoreError> {
    if name.contains('/') {
        return Err(StoreError::unsafe_path(
            name,
            "must be a single name without '/'",
        ));
    }
    match component_problem(name) {
        Some(reason) => Err(StoreError::unsafe_path(name, reason)),
        None => Ok(()),
    }
}

/// Why one path component is refused, or None when it is fine.
fn component_problem(component: &str) -> Option<String> {
    if component.is_empty() {
        return Some("empty path component (leading, trailing or doubled '/')".into());
    }
    if component == "." || component == ".." {
        return Some(format!("contains the component {component:?}"));
    }
    if component.len() > MAX_COMPONENT_BYTES {
        return Some(format!(
            "a component is longer than {MAX_COMPONENT_BYTES} bytes"
        ));
    }
    for c in component.chars() {
        let problem = match c {
            '\0' => Some("contains a NUL byte"),
            '\\' => Some("contains a backslash"),
            '<' | '>' | ':' | '"' | '|' | '?' | '*' => Some("contains a character Windows forbids"),
            c if c.is_control() => Some("contains a control character"),
            '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => {
                Some("contains a bidirectional text control character")
            }
            _ => None,
        };
        if let Some(problem) = problem {
            return Some(problem.into());
        }
    }
    if component.ends_with('.') || component.ends_with(' ') {
        return Some("a component ends with a dot or a space (not valid on Windows)".into());
    }
    if reaches_git_dir(component) {
        return Some("refers to the .git directory".into());
    }
    let lower = component.to_lowercase();
    let stem = lower.split('.').next().unwrap_or_default().trim_end();
    if WINDOWS_DEVICES.contains(&stem) {
        return Some(format!(
            "{component:?} is a reserved device name on Windows"
        ));
    }
    None
}

/// True for `.git` and names that filesystems treat as `.git`: any case, trailing dots or
/// spaces (NTFS), the 8.3 short name `GIT~1`, and HFS+ ignorable code points.
fn reaches_git_dir(component: &str) -> bool {
    let folded: String = component
        .chars()
        .filter(|c| !is_hfs_ignorable(*c))
        .collect::<String>()
        .to_lowercase();
    let trimmed = folded.trim_end_matches(['.', ' ']);
    trimmed == ".git" || trimmed == "git~1" || trimmed.starts_with(".git:")
}

/// Code points HFS+ ignores when comparing names (git's `is_hfs_dotgit` list).
fn is_hfs_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{200C}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{206A}'..='\u{206F}' | '\u{FEFF}'
    )
}

/// Refuses a set of paths that cannot all exist at once: one path being a directory of another
/// ("a" and "a/b"), or two paths that differ only by case (they collide on Windows and macOS).
pub(crate) fn check_coexist<'a>(
    paths: impl IntoIterator<Item = &'a str>,
) -> Result<(), StoreError> {
    let files: BTreeSet<&str> = paths.into_iter().collect();
    let mut dirs: BTreeSet<&str> = BTreeSet::new();
    for path in &files {
        let mut end = 0;
        while let Some(pos) = path[end..].find('/') {
            end += pos;
            dirs.insert(&path[..end]);
            end += 1;
        }
    }
    if let Some(clash) = files.iter().find(|f| dirs.contains(*f)) {
        return Err(StoreError::unsafe_path(
            clash,
            "is both a file and a directory in the same snapshot",
        ));
    }
    let mut folded: BTreeMap<String, &str> = BTreeMap::new();
    for name in files.iter().chain(dirs.iter()) {
        if let Some(other) = folded.insert(name.to_lowercase(), name)
            && other != *name
        {
            return Err(StoreError::unsafe_path(
                name,
                format!("differs from {other:?} only by case"),
            ));
        }
    }
    Ok(())
}

/// Joins a validated prefix and a validated relative path.
pub(crate) fn join(prefix: &str, rel: &str) -> String {
    if prefix.is_empty() {
        rel.to_string()
    } else {
        format!("{prefix}/{rel}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(path: &str) -> bool {
        matches!(validate(path), Err(StoreError::UnsafePath { .. }))
    }

    #[test]
    fn ordinary_paths_are_accepted() {
        for ok in [
            "tenants/contoso",
            "settingsCatalog/edge-baseline--8d2f3c1e.yaml",
            "_refs/groups.yaml",
            "a/b/c.ps1",
            "console.yaml",
            "auxiliary.json",
            ".gitignore",
            "git.yaml",
            "[brackets]",
            "Ünïcödé-名前.yaml",
        ] {
            assert_eq!(validate(ok).unwrap().join("/"), ok, "{ok}");
        }
    }

    #[test]
    fn traversal_and_git_paths_are_refused() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a/./b",
            "a//b",
            "a/",
            ".git/hooks/x",
            "a/.GIT/config",
            ".git./x",
            ".git /x",
            "GIT~1/config",
            ".git::$INDEX_ALLOCATION/x",
            ".g\u{200C}it/x",
            "\u{FEFF}.git/x",
            "..\\x",
            "a\0b",
        ] {
            assert!(refused(bad), "{bad:?} must be refused");
        }
    }

    #[test]
    fn windows_unportable_names_are_refused() {
        for bad in [
            "CON",
            "aux.json",
            "dir/nul.yaml",
            "Com1.txt",
            "lpt9",
            "a:b",
            "what?",
            "star*",
            "pipe|x",
            "quote\"",
            "trailing.",
            "trailing ",
            "tab\there",
            "rtl\u{202E}gpj.exe",
        ] {
            assert!(refused(bad), "{bad:?} must be refused");
        }
        assert!(refused(&"x".repeat(256)));
        assert!(validate(&"x".repeat(255)).is_ok());
    }

    #[test]
    fn unsafe_path_error_names_path_and_reason() {
        let err = validate("a/../b").unwrap_err().to_string();
        assert!(err.contains("a/../b") && err.contains(".."), "{err}");
    }

    #[test]
    fn single_components() {
        assert!(validate_component("contoso").is_ok());
        assert!(validate_component("a/b").is_err());
        assert!(validate_component("..").is_err());
        assert!(validate_component("").is_err());
    }

    #[test]
    fn file_and_directory_clash_is_refused() {
        assert!(check_coexist(["a/b", "a-b", "a.c"]).is_ok());
        assert!(check_coexist(["a", "a/b"]).is_err());
        assert!(check_coexist(["x/a", "x/a/b/c"]).is_err());
    }

    #[test]
    fn case_only_differences_are_refused() {
        assert!(check_coexist(["Policy.yaml", "policy.yaml"]).is_err());
        assert!(check_coexist(["Dir/a", "dir/b"]).is_err());
        assert!(check_coexist(["dir/a", "dir/b"]).is_ok());
    }

    #[test]
    fn join_handles_empty_prefix() {
        assert_eq!(join("", "a"), "a");
        assert_eq!(join("t/c", "a"), "t/c/a");
    }
}
