//! `supportbook search` gives every article the id and URL the built site
//! gives it (ids made unique by folder, see `validate::unique_ids`), and
//! keeps them so when files are added, removed or edited later: the real
//! binary, a real index on disk, updated incrementally between searches.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::Fixture;

const SHAREPOINT: &str = "content/kb/sharepoint/setup.md";
const TEAMS: &str = "content/kb/teams/setup.md";

fn article(title: &str, word: &str) -> String {
    format!(
        "+++\ntitle = \"{title}\"\nproducts = [\"office\"]\n+++\n\n## Symptoms\n\nThe customer cannot finish the {word} onboarding.\n\n## Cause\n\nA step was skipped.\n\n## Resolution\n\nRun the {word} onboarding again.\n\n## What to tell the customer\n\nWe will go through it together.\n"
    )
}

fn hits(fx: &Fixture, query: &str) -> Vec<(String, String)> {
    common::hits(fx, &[query])
}

fn hit(id: &str) -> (String, String) {
    (id.to_string(), format!("kb/{id}.html"))
}

/// Searches `query` (which updates the index first), then builds the site
/// and checks every hit's URL is one of its pages; returns the hits sorted.
fn search_then_build(fx: &Fixture, query: &str) -> Vec<(String, String)> {
    let mut found = hits(fx, query);
    let out = fx.run(&["build", "-q"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for (id, url) in &found {
        assert!(
            fx.path("book").join(url).is_file(),
            "search gives {id} at {url}, which the site does not have"
        );
    }
    found.sort();
    found
}

#[test]
fn one_file_name_in_two_folders_is_found_at_the_sites_pages() {
    let fx = Fixture::new("base");
    fx.write(SHAREPOINT, article("Set up SharePoint", "sharepoint"));
    fx.write(TEAMS, article("Set up Teams", "teams"));
    assert_eq!(
        search_then_build(&fx, "onboarding"),
        [hit("sharepoint-setup"), hit("teams-setup")]
    );
    assert!(!fx.path("book/kb/setup.html").exists());
    // A second search (the index up to date) says the same.
    assert_eq!(hits(&fx, "teams onboarding")[0], hit("teams-setup"));
}

#[test]
fn ids_follow_files_added_edited_and_removed_later() {
    let fx = Fixture::new("base");
    fx.write(SHAREPOINT, article("Set up SharePoint", "sharepoint"));
    assert_eq!(search_then_build(&fx, "onboarding"), [hit("setup")]);

    // A second `setup.md`: the first, unchanged, is indexed again under its new id.
    fx.write(TEAMS, article("Set up Teams", "teams"));
    assert_eq!(
        search_then_build(&fx, "onboarding"),
        [hit("sharepoint-setup"), hit("teams-setup")]
    );
    assert_eq!(hits(&fx, "sharepoint")[0], hit("sharepoint-setup"));

    // Removing one gives the other its own name back.
    fx.remove(TEAMS);
    assert_eq!(search_then_build(&fx, "onboarding"), [hit("setup")]);

    // An `id` key elsewhere claiming `setup` moves the file name's id, and
    // dropping the key moves it back: only the edited file changed.
    let other = "content/kb/guides/other.md";
    let text = article("Set up anything", "generic");
    fx.write(other, text.replacen("+++\n", "+++\nid = \"setup\"\n", 1));
    assert_eq!(
        search_then_build(&fx, "onboarding"),
        [hit("setup"), hit("sharepoint-setup")]
    );
    assert_eq!(hits(&fx, "sharepoint")[0], hit("sharepoint-setup"));
    fx.write(other, &text);
    assert_eq!(
        search_then_build(&fx, "onboarding"),
        [hit("other"), hit("setup")]
    );
    assert_eq!(hits(&fx, "sharepoint")[0], hit("setup"));
}
