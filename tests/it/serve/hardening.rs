//! Hardening of `serve`: what the server answers before a handler runs (timeouts, oversized and
//! malformed requests), tokens reloaded from atlas.yaml while it runs, unreadable committed
//! documents, and the configuration line `--new-token` prints.

use super::*;

#[test]
fn an_unreadable_document_is_answered_422_naming_it_and_the_rest_is_served() {
    let repo = Repo::new();
    let dir = repo.env.repo().join("tenants/demo/windowsUpdateRings");
    std::fs::write(
        dir.join("bomb--aaaaaaaa.yaml"),
        "kind: windowsUpdateRings\nid: aaaaaaaa-0000-4000-8000-000000000000\nname: &a Bomb\nodataType: x\nspec: {a: *a, b: *a}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("latin--bbbbbbbb.yaml"),
        b"kind: windowsUpdateRings\nname: Caf\xe9\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("../../../atlas.yaml", dir.join("link--cccccccc.yaml")).unwrap();
    commit_all(&repo.env.repo(), "hand-made documents");
    let s = repo.serve();
    let base = "/tenants/demo/policies/windowsUpdateRings";
    for (file, why) in [
        ("bomb--aaaaaaaa.yaml", "anchors"),
        ("latin--bbbbbbbb.yaml", "UTF-8"),
        ("link--cccccccc.yaml", "symlink"),
    ] {
        let path = format!("tenants/demo/windowsUpdateRings/{file}");
        for route in [
            format!("{base}/{file}"),
            format!("{base}/{file}/diff?from=HEAD~1&to=HEAD"),
        ] {
            let page = s.get(&route, Auth::Bearer(READ));
            assert_eq!(page.status, 422, "{route}: {}", page.body);
            assert!(
                page.headers["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("text/html"),
                "{route}"
            );
            assert!(
                page.body.contains(&path) && page.body.contains(why),
                "{route}: {}",
                page.body
            );
            assert!(
                !page.body.contains("sha256"),
                "nothing of atlas.yaml is shown"
            );
            let api = s.get(&format!("/api{route}"), Auth::Bearer(READ));
            assert_eq!(api.status, 422, "{route}: {}", api.body);
            let v: serde_json::Value = serde_json::from_str(&api.body).unwrap();
            assert_eq!(v["error"]["status"], 422);
            assert_eq!(v["error"]["file"], path.as_str());
            let message = v["error"]["message"].as_str().unwrap();
            assert!(
                message.contains(&path) && message.contains(why),
                "{message}"
            );
        }
    }
    // The rest of the site is unaffected.
    for route in routes(&s) {
        let r = s.get(&route, Auth::Bearer(READ));
        assert_eq!(r.status, 200, "{route}: {}", r.body);
    }
    let tenant = s.get("/api/tenants/demo", Auth::Bearer(READ));
    assert!(
        tenant.body.contains("bomb--aaaaaaaa.yaml"),
        "{}",
        tenant.body
    );
}
