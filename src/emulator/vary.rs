//! The variation matrix: every legitimate way Microsoft Graph answers the same question differently
//! becomes a named knob of the emulator (`emulator --vary NAME…`, `EmulatorConfig::vary` in tests).
//!
//! The tool must give the same backup, drift and plan whichever of these Graph chooses, so each knob
//! exists to prove that; `docs/graph-variation.md` says where each variation is seen. Knobs of one
//! `group` are alternatives of the same behaviour (at most one of them applies); knobs of different
//! groups combine freely, which the pairwise and random matrix tests rely on.

use super::config::{EmptyPages, EmulatorConfig, ListOrder, NextLinkForm, SecretForm};

/// One named variation.
#[derive(Debug, Clone, Copy)]
pub struct Variation {
    /// The name `--vary` takes.
    pub name: &'static str,
    /// Alternatives of one behaviour share a group; at most one knob per group applies.
    pub group: &'static str,
    /// What Graph does differently, in one line.
    pub what: &'static str,
    set: fn(&mut EmulatorConfig, u64),
}

/// Every variation, in the order the README lists them.
pub const VARIATIONS: &[Variation] = &[
    Variation {
        name: "omit-declared-type",
        group: "odata-type",
        what: "@odata.type left out of objects of their collection's declared type (minimal metadata)",
        set: |c, _| c.omit_declared_type = true,
    },
    Variation {
        name: "select-omits-key",
        group: "select-key",
        what: "$select answered with the named fields only, without the key",
        set: |c, _| c.select_omits_key = true,
    },
    Variation {
        name: "shuffled-order",
        group: "list-order",
        what: "list results in a seeded random order",
        set: |c, seed| c.order = ListOrder::Shuffle(seed),
    },
    Variation {
        name: "reverse-order",
        group: "list-order",
        what: "list results newest first",
        set: |c, _| c.order = ListOrder::Reverse,
    },
    Variation {
        name: "no-nested-expand",
        group: "nested-expand",
        what: "definitionValues?$expand=…presentationValues($expand=presentation) answered without the nested values",
        set: |c, _| c.ignore_nested_expand = true,
    },
    Variation {
        name: "odata-count",
        group: "odata-count",
        what: "@odata.count on every list page, asked for with $count=true or not",
        set: |c, _| c.always_count = true,
    },
    Variation {
        name: "next-link-skip",
        group: "next-link-form",
        what: "nextLinks carry $skip=N instead of an opaque $skiptoken",
        set: |c, _| c.next_link_form = NextLinkForm::Skip,
    },
    Variation {
        name: "empty-middle-pages",
        group: "empty-pages",
        what: "an empty page (value: []) with a nextLink between two pages with items",
        set: |c, _| c.empty_pages = EmptyPages::Middle,
    },
    Variation {
        name: "empty-last-page",
        group: "empty-pages",
        what: "the last page with items has a nextLink to a page {\"value\": []} without one",
        set: |c, _| c.empty_pages = EmptyPages::Last,
    },
    Variation {
        name: "small-pages",
        group: "page-size",
        what: "pages of 2 items whatever $top asks (page sizes and the $top maximum are unpublished)",
        set: |c, _| c.page_size = Some(2),
    },
    Variation {
        name: "shuffled-properties",
        group: "property-order",
        what: "properties of every object, nested too, in a seeded random order",
        set: |c, seed| c.shuffled_properties = Some(seed),
    },
    Variation {
        name: "fraction-digits-0",
        group: "fraction-digits",
        what: "date-times without fractional seconds where the instant allows (2024-05-01T10:00:00Z)",
        set: |c, _| c.fraction_digits = Some(0),
    },
    Variation {
        name: "fraction-digits-3",
        group: "fraction-digits",
        what: "date-times with 3 fractional digits (2024-05-01T10:00:00.000Z)",
        set: |c, _| c.fraction_digits = Some(3),
    },
    Variation {
        name: "fraction-digits-7",
        group: "fraction-digits",
        what: "date-times with 7 fractional digits (2024-05-01T10:00:00.0000000Z)",
        set: |c, _| c.fraction_digits = Some(7),
    },
    Variation {
        name: "secrets-null",
        group: "secret-form",
        what: "hidden secrets (encrypted OMA-URI values, secret settings) answered as value: null",
        set: |c, _| c.secret_form = SecretForm::Null,
    },
    Variation {
        name: "secrets-absent",
        group: "secret-form",
        what: "hidden secrets answered without a value property",
        set: |c, _| c.secret_form = SecretForm::Absent,
    },
    Variation {
        name: "secrets-mask",
        group: "secret-form",
        what: "hidden secrets answered as the mask \"********\"",
        set: |c, _| c.secret_form = SecretForm::LongMask,
    },
    Variation {
        name: "etags",
        group: "etags",
        what: "@odata.etag on every answered object with an id",
        set: |c, _| c.etags = true,
    },
    Variation {
        name: "token-expiry-string",
        group: "token-expiry",
        what: "token answers with expires_in as a string (\"3599\")",
        set: |c, _| c.token_expiry_as_string = true,
    },
    Variation {
        name: "unchecked-references",
        group: "references",
        what: "assignment targets naming an unknown group or filter accepted instead of refused",
        set: |c, _| c.check_assignment_references = false,
    },
    Variation {
        name: "patch-200",
        group: "update-answer",
        what: "PATCH (and the settings catalog's PUT) answered 200 with the full updated object",
        set: |c, _| c.update_status = Some(200),
    },
    Variation {
        name: "patch-204",
        group: "update-answer",
        what: "PATCH (and the settings catalog's PUT) answered 204 without a body",
        set: |c, _| c.update_status = Some(204),
    },
    Variation {
        name: "partial-create-body",
        group: "create-answer",
        what: "a create answered 201 with the id and a few scalars only (no navigations, type or timestamps)",
        set: |c, _| c.partial_create_body = true,
    },
    Variation {
        name: "unknown-properties",
        group: "unknown-properties",
        what: "objects, setting instances, assignments and targets carry properties added after the fixtures",
        set: |c, _| c.unknown_properties = true,
    },
    Variation {
        name: "removed-property",
        group: "removed-property",
        what: "a property removed from its type: no longer returned, refused on write",
        set: |c, _| c.removed_properties = true,
    },
    Variation {
        name: "fixed-properties-refused",
        group: "fixed-properties",
        what: "a settings catalog PUT changing platforms, technologies or the template refused (400)",
        set: |c, _| c.refuse_fixed_changes = true,
    },
];

/// Variations after which Graph says something *different*, not only differently: a backup under
/// them differs from the default one (it holds the added properties, lacks the removed one), so
/// the matrix compares it with a backup under the same content variations alone.
pub const CHANGES_CONTENT: &[&str] = &["unknown-properties", "removed-property"];

/// A `--vary` name that is not a variation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown variation '{name}' (known: {known})")]
pub struct UnknownVariation {
    pub name: String,
    pub known: String,
}

/// Two variations of the same group asked for together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "variations '{first}' and '{second}' are alternatives of the same behaviour ({group}); pick one"
)]
pub struct ConflictingVariations {
    pub first: String,
    pub second: String,
    pub group: String,
}

/// Why a list of variation names cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaryError {
    #[error(transparent)]
    Unknown(#[from] UnknownVariation),
    #[error(transparent)]
    Conflicting(#[from] ConflictingVariations),
}

/// The variation called `name`.
pub fn find(name: &str) -> Result<&'static Variation, UnknownVariation> {
    VARIATIONS
        .iter()
        .find(|v| v.name == name)
        .ok_or_else(|| UnknownVariation {
            name: name.to_string(),
            known: VARIATIONS
                .iter()
                .map(|v| v.name)
                .collect::<Vec<_>>()
                .join(", "),
        })
}

impl EmulatorConfig {
    /// Applies the named variations (`seed` drives the ones that shuffle). Unknown names and two
    /// alternatives of one behaviour are refused before anything changes.
    pub fn vary<S: AsRef<str>>(&mut self, names: &[S], seed: u64) -> Result<(), VaryError> {
        let mut chosen: Vec<&'static Variation> = vec![];
        for name in names {
            let v = find(name.as_ref())?;
            if let Some(other) = chosen
                .iter()
                .find(|o| o.group == v.group && o.name != v.name)
            {
                return Err(ConflictingVariations {
                    first: other.name.to_string(),
                    second: v.name.to_string(),
                    group: v.group.to_string(),
                }
                .into());
            }
            if !chosen.iter().any(|o| o.name == v.name) {
                chosen.push(v);
            }
        }
        for v in chosen {
            (v.set)(self, seed);
        }
        Ok(())
    }

    /// The default configuration with the named variations applied.
    pub fn varied<S: AsRef<str>>(names: &[S], seed: u64) -> Result<EmulatorConfig, VaryError> {
        let mut c = EmulatorConfig::default();
        c.vary(names, seed)?;
        Ok(c)
    }
}

/// The groups of the registry, in order.
fn groups() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = vec![];
    for v in VARIATIONS {
        if !out.contains(&v.group) {
            out.push(v.group);
        }
    }
    out
}

fn group_of(name: &str) -> &'static str {
    find(name).map_or("", |v| v.group)
}

/// One random combination: per group, none or one of its alternatives (each equally likely).
pub fn random_combination(rng: &mut impl rand::Rng) -> Vec<&'static str> {
    let mut out = vec![];
    for g in groups() {
        let alts: Vec<&'static str> = VARIATIONS
            .iter()
            .filter(|v| v.group == g)
            .map(|v| v.name)
            .collect();
        let pick = rng.random_range(0..=alts.len());
        if pick > 0 {
            out.push(alts[pick - 1]);
        }
    }
    out
}

/// Pairs of variations of different groups that `combination` holds together.
fn pairs_of(combination: &[&'static str]) -> Vec<(&'static str, &'static str)> {
    let mut out = vec![];
    for (i, a) in combination.iter().enumerate() {
        for b in &combination[i + 1..] {
            out.push(if a < b { (*a, *b) } else { (*b, *a) });
        }
    }
    out
}

/// At least `min` combinations in which every two variations of different groups meet at least
/// once (a pairwise covering set), chosen greedily from seeded random candidates, so a seed names
/// the same list on every machine.
pub fn pairwise(seed: u64, min: usize) -> Vec<Vec<&'static str>> {
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut uncovered: std::collections::BTreeSet<(&'static str, &'static str)> =
        std::collections::BTreeSet::new();
    for a in VARIATIONS {
        for b in VARIATIONS {
            if a.group != b.group && a.name < b.name {
                uncovered.insert((a.name, b.name));
            }
        }
    }
    let mut out: Vec<Vec<&'static str>> = vec![];
    while !uncovered.is_empty() || out.len() < min {
        let mut candidates: Vec<Vec<&'static str>> =
            (0..48).map(|_| random_combination(&mut rng)).collect();
        // One candidate built around a pair still missing, so every round makes progress.
        if let Some(&(a, b)) = uncovered.iter().next() {
            let taken = [group_of(a), group_of(b)];
            let mut c: Vec<&'static str> = random_combination(&mut rng)
                .into_iter()
                .filter(|n| !taken.contains(&group_of(n)))
                .collect();
            c.extend([a, b]);
            candidates.push(c);
        }
        let gain = |c: &Vec<&'static str>| {
            pairs_of(c)
                .iter()
                .filter(|p| uncovered.contains(*p))
                .count()
        };
        let best = candidates
            .into_iter()
            .enumerate()
            .max_by_key(|(i, c)| (gain(c), std::cmp::Reverse(*i)))
            .map(|(_, c)| c)
            .unwrap_or_default();
        for p in pairs_of(&best) {
            uncovered.remove(&p);
        }
        let mut best = best;
        best.sort_by_key(|n| VARIATIONS.iter().position(|v| v.name == *n));
        out.push(best);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_and_kebab_case() {
        let mut seen = HashSet::new();
        for v in VARIATIONS {
            assert!(seen.insert(v.name), "{} twice", v.name);
            assert!(
                v.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                v.name
            );
            assert!(!v.what.is_empty());
        }
    }

    #[test]
    fn content_variations_are_registered() {
        for name in CHANGES_CONTENT {
            find(name).unwrap();
        }
    }

    #[test]
    fn every_variation_changes_the_configuration() {
        let base = format!("{:?}", EmulatorConfig::default());
        for v in VARIATIONS {
            let c = EmulatorConfig::varied(&[v.name], 5).unwrap();
            assert_ne!(format!("{c:?}"), base, "{} changes nothing", v.name);
        }
    }

    #[test]
    fn unknown_and_conflicting_names_are_refused() {
        let e = EmulatorConfig::varied(&["no-such"], 0).unwrap_err();
        assert!(e.to_string().contains("unknown variation 'no-such'"), "{e}");
        assert!(e.to_string().contains("omit-declared-type"), "{e}");
        let e = EmulatorConfig::varied(&["shuffled-order", "reverse-order"], 0).unwrap_err();
        assert_eq!(
            e,
            VaryError::Conflicting(ConflictingVariations {
                first: "shuffled-order".into(),
                second: "reverse-order".into(),
                group: "list-order".into(),
            })
        );
        // Naming one twice is not a conflict.
        let c = EmulatorConfig::varied(&["select-omits-key", "select-omits-key"], 0).unwrap();
        assert!(c.select_omits_key);
    }

    #[test]
    fn pairwise_combinations_meet_every_pair_and_are_valid() {
        let combos = pairwise(11, 20);
        assert!(combos.len() >= 20, "{}", combos.len());
        for c in &combos {
            EmulatorConfig::varied(c, 1).unwrap_or_else(|e| panic!("{c:?}: {e}"));
        }
        let met: HashSet<(&str, &str)> = combos.iter().flat_map(|c| pairs_of(c)).collect();
        for a in VARIATIONS {
            for b in VARIATIONS {
                if a.group != b.group && a.name < b.name {
                    assert!(
                        met.contains(&(a.name, b.name)),
                        "{} and {} never meet",
                        a.name,
                        b.name
                    );
                }
            }
        }
        assert_eq!(pairwise(11, 20), combos, "a seed names the same list");
        assert_ne!(pairwise(12, 20), combos, "another seed, another list");
    }

    #[test]
    fn random_combinations_hold_one_alternative_per_group_at_most() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let mut seen = HashSet::new();
        for _ in 0..500 {
            let c = random_combination(&mut rng);
            EmulatorConfig::varied(&c, 1).unwrap_or_else(|e| panic!("{c:?}: {e}"));
            seen.extend(c);
        }
        assert_eq!(seen.len(), VARIATIONS.len(), "every variation is drawn");
    }
}
