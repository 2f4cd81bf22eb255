//! The variation matrix: every legitimate way Microsoft Graph answers the same question differently
//! becomes a named knob of the emulator (`emulator --vary NAME…`, `EmulatorConfig::vary` in tests).
//!
//! The tool must give the same backup, drift and plan whichever of these Graph chooses, so each knob
//! exists to prove that; `docs/graph-variation.md` says where each variation is seen. Knobs of one
//! `group` are alternatives of the same behaviour (at most one of them applies); knobs of different
//! groups combine freely, which the pairwise and random matrix tests rely on.

use super::config::{EmulatorConfig, ListOrder};

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
];

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
}
