//! "Did you mean": the known names closest to a word the user typed (type keys, tenants, folders).

/// The candidates a mistyped `word` most likely meant, best first (at most three): those equal to
/// it ignoring case, else those within a small edit distance (ignoring case), else those that
/// contain it or are contained in it.
pub fn closest<'a, I>(word: &str, candidates: I) -> Vec<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let candidates: Vec<&'a str> = candidates.into_iter().collect();
    let lower = word.to_lowercase();
    let same: Vec<&'a str> = candidates
        .iter()
        .copied()
        .filter(|c| c.to_lowercase() == lower)
        .collect();
    if !same.is_empty() {
        return same;
    }
    let limit = word.chars().count().div_ceil(3).clamp(1, 3);
    let mut near: Vec<(usize, &'a str)> = candidates
        .iter()
        .map(|c| (distance(&lower, &c.to_lowercase()), *c))
        .filter(|(d, _)| *d <= limit)
        .collect();
    near.sort();
    if near.is_empty() && lower.chars().count() >= 3 {
        near = candidates
            .iter()
            .filter(|c| {
                let c = c.to_lowercase();
                c.contains(&lower) || lower.contains(&c)
            })
            .map(|c| (0, *c))
            .collect();
    }
    near.into_iter().take(3).map(|(_, c)| c).collect()
}

/// Lists up to this long are shown in full beside a suggestion.
const SHORT_LIST: usize = 8;

/// A hint naming what exists: `did you mean `x`?` when something is close, else the full list.
pub fn hint<'a, I>(word: &str, what: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    let all: Vec<&'a str> = candidates.into_iter().collect();
    let close = closest(word, all.iter().copied());
    if all.is_empty() {
        format!("there are no {what}")
    } else if close.is_empty() {
        format!("{what}: {}", all.join(", "))
    } else {
        let quoted: Vec<String> = close.iter().map(|c| format!("`{c}`")).collect();
        let mean = format!("did you mean {}?", quoted.join(" or "));
        if all.len() <= SHORT_LIST {
            format!("{mean} ({what}: {})", all.join(", "))
        } else {
            mean
        }
    }
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[&str] = &["settingsCatalog", "scopeTags", "shellScripts", "intents"];

    #[test]
    fn case_is_ignored_first() {
        assert_eq!(
            closest("settingscatalog", KEYS.iter().copied()),
            ["settingsCatalog"]
        );
    }

    #[test]
    fn small_typos_are_found_by_edit_distance() {
        assert_eq!(
            closest("settingCatalog", KEYS.iter().copied()),
            ["settingsCatalog"]
        );
        assert_eq!(closest("intens", KEYS.iter().copied()), ["intents"]);
        assert_eq!(closest("dmeo", ["demo", "contoso"]), ["demo"]);
        assert!(closest("zzzzzz", KEYS.iter().copied()).is_empty());
    }

    #[test]
    fn a_part_of_a_name_finds_it() {
        assert_eq!(
            closest("catalog", KEYS.iter().copied()),
            ["settingsCatalog"]
        );
    }

    #[test]
    fn the_hint_lists_everything_when_nothing_is_close() {
        assert_eq!(hint("zzzzzz", "tenants", ["a", "b"]), "tenants: a, b");
        assert_eq!(
            hint("contso", "tenants", ["contoso", "fabrikam"]),
            "did you mean `contoso`? (tenants: contoso, fabrikam)"
        );
        assert_eq!(hint("x", "tenants", []), "there are no tenants");
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("abc", "abc"), 0);
    }
}
