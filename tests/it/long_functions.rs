//! Functions in `src/` stay short enough to read: `scripts/long-functions.py` lists every one over
//! 100 lines outside test code and fails unless `scripts/long-functions.allow` gives it a reason.
//! CI runs the script; these tests run it on the repository and on a file built to mislead a
//! naive brace count, so a miscount is caught here rather than as a wrong list.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::manifest_dir;

fn script(root: &Path) -> Output {
    Command::new("python3")
        .arg(manifest_dir().join("scripts/long-functions.py"))
        .arg("--root")
        .arg(root)
        .output()
        .expect("python3 runs scripts/long-functions.py")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn every_long_function_in_src_is_allowed_with_a_reason() {
    let out = script(&manifest_dir());
    assert!(
        out.status.success(),
        "split these functions into named stages, or list them with a reason in scripts/long-functions.allow:\n{}",
        text(&out.stderr)
    );
}

/// A body of `n` one-line statements.
fn statements(n: usize) -> String {
    (0..n)
        .map(|i| format!("        let _x{i} = {i};\n"))
        .collect()
}

#[test]
fn lengths_see_through_strings_comments_closures_generics_and_test_code() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src/m");
    std::fs::create_dir_all(&src).unwrap();
    std::fs::create_dir_all(tmp.path().join("scripts")).unwrap();
    let body = statements(100);
    // `outer` spans its nested `inner`; braces hide in strings, raw strings, chars and comments;
    // a lifetime is not a char literal; a trait's declaration has no body.
    let code = format!(
        r##"pub(crate) async fn outer<'a, T>(t: &'a T) -> usize
where
    T: Clone,
{{
    let s = "}} {{ \" }}";
    let r = r#"}}"#;
    let (c, d, e) = ('}}', '{{', '\'');
    // }} {{
    /* }} /* {{ */ */
    let f = |x: u8| {{ x }};
    fn inner() {{
{body}    }}
    0
}}

impl<'a> Holder<'a> {{
    pub fn method(&'a self) -> &'a str {{
{body}    }}
}}

trait Declares {{
    fn declared(&self);
}}

fn short() {{}}

#[cfg(test)]
mod tests {{
    fn in_tests() {{
{body}    }}
}}
"##
    );
    std::fs::write(src.join("lib.rs"), code).unwrap();
    std::fs::write(
        src.join("tests.rs"),
        format!("fn in_a_test_file() {{\n{body}}}\n"),
    )
    .unwrap();
    std::fs::create_dir_all(src.join("tests")).unwrap();
    std::fs::write(
        src.join("tests/x.rs"),
        format!("fn in_a_test_folder() {{\n{body}}}\n"),
    )
    .unwrap();

    let out = script(tmp.path());
    let listed = text(&out.stdout);
    assert!(
        !out.status.success(),
        "unlisted long functions must fail:\n{listed}"
    );
    let found: Vec<(String, String)> = listed
        .lines()
        .filter(|l| l.contains("src/"))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[2].to_string(), f[0].to_string())
        })
        .collect();
    let expected: Vec<(String, String)> = [("outer", "114"), ("inner", "102"), ("method", "102")]
        .iter()
        .map(|(n, l)| (n.to_string(), l.to_string()))
        .collect();
    assert_eq!(found, expected, "{listed}");

    let allow = tmp.path().join("scripts/long-functions.allow");
    std::fs::write(
        &allow,
        "# reasons\nsrc/m/lib.rs::outer  built to be long\nsrc/m/lib.rs::inner  built to be long\nsrc/m/lib.rs::method  built to be long\n",
    )
    .unwrap();
    let out = script(tmp.path());
    assert!(out.status.success(), "{}", text(&out.stderr));

    // An entry without a reason, or for a function no longer long, fails.
    std::fs::write(
        &allow,
        "src/m/lib.rs::outer\nsrc/m/lib.rs::inner  long\nsrc/m/lib.rs::method  long\nsrc/m/lib.rs::short  long\n",
    )
    .unwrap();
    let out = script(tmp.path());
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("`src/m/lib.rs::outer` has no reason"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`src/m/lib.rs::short` is no longer over the limit"),
        "{stderr}"
    );
}
