//! What `serve` offers besides reading: the tenant switcher (the same kind of page of another
//! tenant, for the token's tenants only), naming a version from the tenant page or the API
//! (`operate` tokens; forms need the session's anti-forgery value and the same site), and the
//! last onboarding check on the tenant page.

use super::*;
use serde_json::Value;

fn csrf_of(page: &str) -> String {
    let at = page
        .find("name=\"csrf\" value=\"")
        .expect("the form's anti-forgery value")
        + 19;
    page[at..at + 64].to_string()
}

#[test]
fn the_switcher_keeps_the_page_kind_and_offers_only_the_tokens_tenants() {
    let s = Repo::new().serve();
    let page = s.get("/tenants/demo/inventory", Auth::Cookie(ADMIN));
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("action=\"/switch\"")
            && page.body.contains("<option value=\"fabrikam\">")
            && page.body.contains("value=\"/inventory\""),
        "{}",
        page.body
    );
    let ring = s.get(
        &format!("/tenants/demo/policies/{}", s.repo.ring()),
        Auth::Cookie(ADMIN),
    );
    assert!(
        ring.body.contains("value=\"#windowsUpdateRings\""),
        "the policy browser at the type"
    );
    // A token of one tenant gets no switcher.
    let page = s.get("/tenants/demo/inventory", Auth::Cookie(READ));
    assert!(!page.body.contains("action=\"/switch\""));

    let go = s.get("/switch?to=fabrikam&page=%2Fruns", Auth::Cookie(ADMIN));
    assert_eq!(go.status, 303);
    assert_eq!(go.headers["location"], "/tenants/fabrikam/runs");
    let go = s.get(
        "/switch?to=demo&page=%23windowsUpdateRings",
        Auth::Bearer(ADMIN),
    );
    assert_eq!(go.headers["location"], "/tenants/demo#windowsUpdateRings");
    for (path, status) in [
        ("/switch?to=fabrikam&page=", 403),
        ("/switch?to=nowhere&page=", 403),
        ("/switch?to=demo&page=%2F%2Fevil.example", 400),
        ("/switch?to=demo&page=%2F..%2Fapi", 400),
    ] {
        assert_eq!(s.get(path, Auth::Cookie(READ)).status, status, "{path}");
    }
    assert_eq!(s.get("/switch?to=demo", Auth::None).status, 401);
}

#[test]
fn an_operate_token_names_a_version_from_the_page_and_the_api() {
    let s = Repo::new().serve();
    let repo = s.repo.env.repo();
    let tags = || git(&repo, &["tag", "-l", "atlas/*"]);

    // Read-only tokens see no form and are refused.
    let page = s.get("/tenants/demo", Auth::Cookie(READ));
    assert!(!page.body.contains("Name a version"));
    let form =
        |csrf: &str, name: &str| format!("csrf={csrf}&name={name}&rev=HEAD%7E1&message=CAB+7");
    let post = |auth_cookie: &str, body: String, extra: &[(&str, String)]| {
        let mut h = vec![
            (
                "cookie",
                format!("atlas_session={}", s.session(auth_cookie)),
            ),
            (
                "content-type",
                "application/x-www-form-urlencoded".to_string(),
            ),
        ];
        h.extend(extra.iter().cloned());
        s.request_with(reqwest::Method::POST, "/tenants/demo/sets", &h, Some(body))
    };
    assert!(csrf_free(&page.body));
    assert_eq!(post(READ, form("x", "a"), &[]).status, 403);

    // The operate token's page has the form; posting it names the version.
    let page = s.get("/tenants/demo", Auth::Cookie(TRIGGER));
    assert!(page.body.contains("Name a version"), "{}", page.body);
    let csrf = csrf_of(&page.body);
    // Without the value, with another one, or from another site: refused, nothing tagged.
    assert_eq!(post(TRIGGER, form("", "cab-7"), &[]).status, 403);
    assert_eq!(
        post(TRIGGER, form(&"0".repeat(64), "cab-7"), &[]).status,
        403
    );
    let cross = [("origin", "http://evil.example".to_string())];
    assert_eq!(post(TRIGGER, form(&csrf, "cab-7"), &cross).status, 403);
    assert_eq!(tags(), "");
    let done = post(TRIGGER, form(&csrf, "cab-7"), &[]);
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.headers["location"], "/tenants/demo#sets");
    assert_eq!(tags().trim(), "atlas/demo/cab-7");
    let message = git(
        &repo,
        &["tag", "-l", "--format=%(contents)", "atlas/demo/cab-7"],
    );
    assert!(message.contains("token `ci`: CAB 7"), "{message}");
    assert_eq!(
        git(&repo, &["rev-parse", "atlas/demo/cab-7^{commit}"]),
        git(&repo, &["rev-parse", "HEAD~1"])
    );
    let page = s.get("/tenants/demo", Auth::Cookie(TRIGGER));
    assert!(page.body.contains("atlas/demo/cab-7"));

    // The API, with a bearer header (no anti-forgery value needed).
    let api = |token: &str, body: &str| {
        s.request_with(
            reqwest::Method::POST,
            "/api/tenants/demo/sets",
            &[
                ("authorization", format!("Bearer {token}")),
                ("content-type", "application/json".into()),
            ],
            Some(body.to_string()),
        )
    };
    let made = api(TRIGGER, r#"{"name": "q3-audit"}"#);
    assert_eq!(made.status, 201, "{}", made.body);
    let v: Value = serde_json::from_str(&made.body).unwrap();
    assert_eq!(v["tag"], "atlas/demo/q3-audit");
    for (token, body, status) in [
        (READ, r#"{"name": "x"}"#, 403),
        (OTHER, r#"{"name": "x"}"#, 403),
        (TRIGGER, r#"{"name": "bad name"}"#, 400),
        (TRIGGER, r#"{"name": "cab-7"}"#, 400),
        (TRIGGER, r#"{"name": "x", "rev": "no-such-rev"}"#, 400),
        (TRIGGER, r#"{"nom": "x"}"#, 400),
    ] {
        let a = api(token, body);
        assert_eq!(a.status, status, "{body}: {}", a.body);
        let v: Value = serde_json::from_str(&a.body).unwrap();
        assert_eq!(v["error"]["status"], status);
    }
    // The API from a browser session needs the value too.
    let cookie_api = s.request_with(
        reqwest::Method::POST,
        "/api/tenants/demo/sets",
        &[("cookie", format!("atlas_session={}", s.session(TRIGGER)))],
        Some(r#"{"name": "sneaky"}"#.into()),
    );
    assert_eq!(cookie_api.status, 403);
    assert!(!tags().contains("sneaky"));
}

/// A page of a read-only session carries no anti-forgery value.
fn csrf_free(page: &str) -> bool {
    !page.contains("name=\"csrf\"")
}

#[test]
fn the_tenant_page_shows_the_last_onboarding_check() {
    let s = Repo::new().serve();
    let page = s.get("/tenants/demo", Auth::Bearer(READ));
    assert!(!page.body.contains("Onboarding check"));
    let (code, stdout, stderr) = out(&s
        .repo
        .env
        .run(&["--repo", "repo", "check", "--tenant", "demo"]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let page = s.get("/tenants/demo", Auth::Bearer(READ));
    assert!(
        page.body.contains("Onboarding check") && page.body.contains("Ready"),
        "{}",
        page.body
    );
    let api = s.get("/api/tenants/demo", Auth::Bearer(READ));
    let v: Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(v["lastCheck"]["ready"], true, "{v}");
    assert_eq!(v["lastCheck"]["tenant"], "demo");
}
