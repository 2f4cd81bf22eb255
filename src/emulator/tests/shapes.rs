//! The read-side variations answer in the shapes they name: counts, `$skip` links, empty pages,
//! property order, date-time digits, hidden secrets and `@odata.type` under minimal metadata, in
//! lists, single reads and `$batch` bodies alike.

use reqwest::Method;
use serde_json::{Value, json};

use super::fixture::{self, Env, boot};
use crate::emulator::*;

const DC: &str = "/beta/deviceManagement/deviceConfigurations";

fn varied(names: &[&str]) -> EmulatorConfig {
    EmulatorConfig::varied(names, 11).unwrap()
}

/// Every page of a listing, following nextLinks.
async fn pages(env: &Env, path: &str) -> Vec<Value> {
    let (mut out, mut next) = (vec![], Some(path.to_string()));
    while let Some(p) = next.take() {
        let (s, b) = env.get(&p).await;
        assert_eq!(s, 200, "{p}: {b}");
        next = b["@odata.nextLink"].as_str().map(str::to_string);
        out.push(b);
        assert!(out.len() < 200, "runaway paging");
    }
    out
}

fn sizes(pages: &[Value]) -> Vec<usize> {
    pages
        .iter()
        .map(|p| p["value"].as_array().unwrap().len())
        .collect()
}

/// One `$batch` of GETs; the bodies by request id.
async fn batch(env: &Env, urls: &[&str]) -> Vec<Value> {
    let requests: Vec<Value> = urls
        .iter()
        .enumerate()
        .map(|(i, u)| json!({"id": i.to_string(), "method": "GET", "url": u}))
        .collect();
    let (s, b) = env
        .call(
            Method::POST,
            "/beta/$batch",
            Some(json!({ "requests": requests })),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let mut out = vec![Value::Null; urls.len()];
    for r in b["responses"].as_array().unwrap() {
        let i: usize = r["id"].as_str().unwrap().parse().unwrap();
        assert_eq!(r["status"], 200, "{r}");
        out[i] = r["body"].clone();
    }
    out
}

#[tokio::test]
async fn odata_count_on_every_page_counts_the_whole_filtered_list() {
    let env = boot(EmulatorConfig {
        page_size: Some(7),
        ..varied(&["odata-count"])
    })
    .await;
    let all = pages(&env, DC).await;
    assert_eq!(sizes(&all), [7, 7, 7, 7, 3]);
    assert!(all.iter().all(|p| p["@odata.count"] == 31), "{all:?}");
    let custom = pages(
        &env,
        &format!("{DC}?$filter=isof('microsoft.graph.windows10CustomConfiguration')"),
    )
    .await;
    assert_eq!(custom[0]["@odata.count"], 1);
    env.h.shutdown().await;
    // Without the knob only `$count=true` asks for it.
    let env = boot(EmulatorConfig::default()).await;
    assert!(env.get(DC).await.1.get("@odata.count").is_none());
    env.h.shutdown().await;
}

#[tokio::test]
async fn skip_links_page_through_everything_once() {
    let env = boot(EmulatorConfig {
        page_size: Some(7),
        ..varied(&["next-link-skip"])
    })
    .await;
    let all = pages(&env, &format!("{DC}?$expand=assignments")).await;
    assert_eq!(sizes(&all), [7, 7, 7, 7, 3]);
    for p in &all[..4] {
        let link = p["@odata.nextLink"].as_str().unwrap();
        assert!(
            link.contains("%24skip=") && !link.contains("skiptoken"),
            "{link}"
        );
        assert!(link.contains("assignments"), "{link}");
    }
    let ids: std::collections::BTreeSet<String> = all
        .iter()
        .flat_map(|p| p["value"].as_array().unwrap().clone())
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 31);
    // A token still works where $skip is the form, and $skip where the token is.
    let token = query::encode_skiptoken(28, false);
    assert_eq!(
        sizes(&[env.get(&format!("{DC}?$skiptoken={token}")).await.1]),
        [3]
    );
    env.h.shutdown().await;
    let env = boot(EmulatorConfig::default()).await;
    assert_eq!(sizes(&[env.get(&format!("{DC}?$skip=29")).await.1]), [2]);
    env.h.shutdown().await;
}

#[tokio::test]
async fn empty_pages_in_the_middle_and_at_the_end() {
    let env = boot(EmulatorConfig {
        page_size: Some(10),
        ..varied(&["empty-middle-pages"])
    })
    .await;
    let all = pages(&env, DC).await;
    assert_eq!(sizes(&all), [10, 0, 10, 0, 10, 0, 1]);
    assert!(
        all[1]["@odata.nextLink"].is_string(),
        "an empty page goes on"
    );
    env.h.shutdown().await;
    let env = boot(varied(&["empty-last-page"])).await;
    let all = pages(&env, DC).await;
    assert_eq!(sizes(&all), [31, 0]);
    assert!(all[0]["@odata.nextLink"].is_string());
    assert_eq!(all[1]["value"], json!([]));
    // An empty collection is one page without a link.
    let none = pages(&env, &format!("{DC}?$filter=isof('microsoft.graph.none')")).await;
    assert_eq!(sizes(&none), [0]);
    env.h.shutdown().await;
}

#[tokio::test]
async fn small_pages_whatever_top_asks() {
    let env = boot(varied(&["small-pages"])).await;
    let all = pages(&env, &format!("{DC}?$top=1000")).await;
    assert_eq!(all.len(), 16);
    assert!(sizes(&all).iter().all(|n| *n <= 2));
    env.h.shutdown().await;
}

#[tokio::test]
async fn shuffled_properties_are_the_same_json_in_another_order() {
    let raw = |env: &Env, path: &str| {
        let url = format!("{}{path}", env.h.base_url());
        let rb = env.http.get(url).bearer_auth(env.token.clone());
        async move { rb.send().await.unwrap().text().await.unwrap() }
    };
    let plain = boot(EmulatorConfig::default()).await;
    let shuffled = boot(varied(&["shuffled-properties"])).await;
    let path = "/beta/deviceManagement/configurationPolicies/cp-big?$expand=settings";
    let (a, b) = (raw(&plain, path).await, raw(&shuffled, path).await);
    assert_ne!(a, b, "same text");
    let (mut x, mut y): (Value, Value) = (
        serde_json::from_str(&a).unwrap(),
        serde_json::from_str(&b).unwrap(),
    );
    for v in [&mut x, &mut y] {
        let m = v.as_object_mut().unwrap();
        m.remove("@odata.context");
        m.remove("settings@odata.context");
    }
    assert_eq!(x, y);
    // Nested objects come in the seeded order too, not in key order.
    let nested = serde_json::to_string(&y["settings"][0]).unwrap();
    assert!(a.contains(&nested) && !b.contains(&nested), "{b}");
    plain.h.shutdown().await;
    shuffled.h.shutdown().await;
}

#[tokio::test]
async fn fraction_digits_in_lists_single_reads_and_batch_bodies() {
    let seed = || {
        let mut objs = fixture::objects();
        objs.push((
            "beta/deviceManagement/windowsFeatureUpdateProfiles/f.json".into(),
            json!({"id": "fu-1", "displayName": "FU", "featureUpdateVersion": "Windows 11, version 24H2",
                "rolloutSettings": {"offerStartDateTimeInUTC": "2025-04-07T00:00:00Z",
                    "offerEndDateTimeInUTC": "2025-05-19T00:00:00.5Z"}}),
        ));
        let tj = fixture::tenant_json(fixture::TENANT, &[]);
        let texts: Vec<(String, String)> =
            objs.into_iter().map(|(p, v)| (p, v.to_string())).collect();
        let mut files: Vec<(&str, &[u8])> = vec![("tenant.json", tj.as_bytes())];
        files.extend(texts.iter().map(|(p, v)| (p.as_str(), v.as_bytes())));
        TenantSeed::from_files(files).unwrap()
    };
    const FU: &str = "/beta/deviceManagement/windowsFeatureUpdateProfiles";
    for (name, start, end) in [
        (
            "fraction-digits-0",
            "2025-04-07T00:00:00Z",
            "2025-05-19T00:00:00.5Z",
        ),
        (
            "fraction-digits-3",
            "2025-04-07T00:00:00.000Z",
            "2025-05-19T00:00:00.500Z",
        ),
        (
            "fraction-digits-7",
            "2025-04-07T00:00:00.0000000Z",
            "2025-05-19T00:00:00.5000000Z",
        ),
    ] {
        let env = fixture::boot_seeds(varied(&[name]), vec![seed()]).await;
        let listed = env.get(FU).await.1["value"][0].clone();
        let single = env.get(&format!("{FU}/fu-1")).await.1;
        let batched = batch(
            &env,
            &["/deviceManagement/windowsFeatureUpdateProfiles/fu-1"],
        )
        .await;
        for v in [&listed, &single, &batched[0]] {
            assert_eq!(
                v["rolloutSettings"]["offerStartDateTimeInUTC"], start,
                "{name}"
            );
            assert_eq!(v["rolloutSettings"]["offerEndDateTimeInUTC"], end, "{name}");
            assert_eq!(v["featureUpdateVersion"], "Windows 11, version 24H2");
        }
        env.h.shutdown().await;
    }
}

#[tokio::test]
async fn hidden_secrets_in_each_form_everywhere_they_are_read() {
    const CP: &str = "/deviceManagement/configurationPolicies/cp-secret?$expand=settings";
    const OMA: &str = "/deviceManagement/deviceConfigurations/oma-1";
    let secret_value =
        |cp: &Value| cp["settings"][0]["settingInstance"]["simpleSettingValue"].clone();
    for (name, want) in [
        ("secrets-null", Some(Value::Null)),
        ("secrets-absent", None),
        ("secrets-mask", Some(json!("********"))),
    ] {
        let env = boot(varied(&[name])).await;
        let cp = env.get(&format!("/beta{CP}")).await.1;
        let oma = env.get(&format!("/beta{OMA}")).await.1;
        let listed = env.get(DC).await.1["value"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == "oma-1")
            .cloned()
            .unwrap();
        let batched = batch(&env, &[CP, OMA]).await;
        for setting in [secret_value(&cp), secret_value(&batched[0])] {
            assert_eq!(setting.get("value").cloned(), want, "{name}: {setting}");
            assert_eq!(setting["valueState"], "encryptedValueToken");
        }
        for o in [&oma, &listed, &batched[1]] {
            let s = &o["omaSettings"];
            assert_eq!(s[0].get("value").cloned(), want, "{name}: {s}");
            assert_eq!(s[0]["isEncrypted"], true);
            assert_eq!(s[1]["value"], 4, "a plain value stays");
        }
        for v in [&cp, &oma, &batched[0], &batched[1]] {
            let text = v.to_string();
            assert!(!text.contains("plain-secret"), "{name}: {text}");
        }
        env.h.shutdown().await;
    }
}

#[tokio::test]
async fn omit_declared_type_covers_single_reads_and_batch_bodies() {
    const CP: &str = "/deviceManagement/configurationPolicies/cp-big?$expand=settings";
    const DCI: &str = "/deviceManagement/deviceConfigurations/dc-00";
    for (omit, want) in [(false, true), (true, false)] {
        let env = boot(if omit {
            varied(&["omit-declared-type"])
        } else {
            EmulatorConfig::default()
        })
        .await;
        let single = env.get(&format!("/beta{CP}")).await.1;
        let batched = batch(&env, &[CP, DCI]).await;
        for v in [&single, &batched[0]] {
            assert_eq!(v.get("@odata.type").is_some(), want, "omit {omit}: {v}");
            // Nested objects keep theirs.
            assert!(v["settings"][0]["settingInstance"]["@odata.type"].is_string());
        }
        // A derived type of an abstract collection is always named.
        assert_eq!(
            batched[1]["@odata.type"],
            "#microsoft.graph.windows10GeneralConfiguration"
        );
        env.h.shutdown().await;
    }
}

#[tokio::test]
async fn token_expiry_as_a_string() {
    let form = [
        ("client_id", fixture::APP),
        ("client_secret", fixture::SECRET),
    ];
    let env = boot(varied(&["token-expiry-string"])).await;
    let (s, b) = env.token_req(fixture::TENANT, &form).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (&b["expires_in"], &b["ext_expires_in"]),
        (&json!("3599"), &json!("3599"))
    );
    // The token works.
    assert_eq!(env.get(DC).await.0, 200);
    env.h.shutdown().await;
    let env = boot(EmulatorConfig::default()).await;
    let (_, b) = env.token_req(fixture::TENANT, &form).await;
    assert_eq!(b["expires_in"], 3599);
    env.h.shutdown().await;
}
