//! `supportbook search` on a real tantivy index on disk: relevance on the
//! handbook's own search cases, query syntax, recovery from a damaged index,
//! and a build writing while searches read.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
use common::{Fixture, json};

fn ids(v: &serde_json::Value) -> Vec<String> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect()
}

fn search(fx: &Fixture, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["search", "--json"];
    all.extend_from_slice(args);
    let out = fx.run(&all);
    assert_eq!(out.code, 0, "{}", out.stderr);
    json(&out)
}

#[test]
fn handbook_search_cases_are_all_in_their_top_k() {
    let fx = Fixture::handbook();
    let out = fx.run(&["search", "--json", "--eval", "content/kb/search-cases.toml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report = json(&out);
    let cases = report["cases"].as_array().unwrap();
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let misses: Vec<String> = cases
        .iter()
        .filter(|c| {
            c["rank"]
                .as_u64()
                .is_none_or(|r| r > c["within"].as_u64().unwrap())
        })
        .map(|c| format!("{} -> {} (rank {})", c["query"], c["expect"], c["rank"]))
        .collect();
    assert!(
        misses.is_empty(),
        "search cases missed:\n{}",
        misses.join("\n")
    );
    assert!(report["mrr_at_10"].as_f64().unwrap() > 0.9);
    // `check` runs the same cases; the handbook passes even with --strict.
    let out = fx.run(&["check", "--strict"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn check_reports_a_case_that_misses_with_its_rank() {
    let fx = Fixture::new("base");
    fx.write(
        "content/kb/search-cases.toml",
        "[[case]]\nquery = \"relaying denied\"\nexpect = \"mail-bounces\"\n\n[[case]]\nquery = \"nameservers changed old site\"\nexpect = \"mail-bounces\"\nwithin = 1\n\n[[case]]\nquery = \"x\"\nexpect = \"mail-bounce\"\n",
    );
    let out = fx.run(&["check"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains(
            "error: search case \"nameservers changed old site\" should find `mail-bounces` in the top 1, but it is not in the top 10\n --> content/kb/search-cases.toml:6:9\n"
        ),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("error: search case expects `mail-bounce`, but no article has that id\n  --> content/kb/search-cases.toml:12:10\n"), "{}", out.stderr);
    assert!(out.stderr.contains("= help: did you mean `mail-bounces`?"));
    assert!(
        !out.stderr.contains("\"relaying denied\""),
        "{}",
        out.stderr
    );
}

#[test]
fn a_case_found_below_its_limit_reports_the_rank() {
    let fx = Fixture::new("base");
    // Both articles mention DNS; the DNS article ranks first.
    fx.write(
        "content/kb/search-cases.toml",
        "[[case]]\nquery = \"dns\"\nexpect = \"mail-bounces\"\nwithin = 1\n",
    );
    let out = fx.run(&["check"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("should find `mail-bounces` in the top 1, but it came back at rank 2\n"),
        "{}",
        out.stderr
    );
}

#[test]
fn json_output_has_the_documented_shape() {
    let fx = Fixture::new("base");
    let v = search(&fx, &["relaying", "denied"]);
    assert_eq!(v["query"], "relaying denied");
    assert_eq!(v["total"], 1);
    let hit = &v["hits"][0];
    let mut keys: Vec<&str> = hit
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "id", "kind", "path", "problems", "products", "score", "snippet", "state", "tags",
            "title", "url"
        ]
    );
    assert_eq!(hit["id"], "mail-bounces");
    assert_eq!(hit["kind"], "article");
    assert_eq!(hit["url"], "kb/mail-bounces.html");
    assert_eq!(hit["path"], "content/kb/email/mail-bounces.md");
    assert_eq!(hit["products"], serde_json::json!(["email"]));
    assert!(
        hit["snippet"]
            .as_str()
            .unwrap()
            .contains("<b>Relaying</b> <b>denied</b>"),
        "{}",
        hit["snippet"]
    );
}

#[test]
fn queries_customers_and_agents_type() {
    let fx = Fixture::handbook();
    // Pasted error strings with punctuation and codes.
    assert_eq!(
        ids(&search(&fx, &["550 5.7.1 Relaying denied"]))[0],
        "email-relaying-denied"
    );
    assert_eq!(
        ids(&search(&fx, &["ERR_SSL_PROTOCOL_ERROR", "-n", "3"])).len(),
        3
    );
    assert_eq!(
        ids(&search(&fx, &["Error establishing a database connection"]))[0],
        "db-error-establishing-connection"
    );
    // Typos: one edit in short words, two in long ones.
    assert_eq!(
        ids(&search(&fx, &["wordpres", "white", "screan"]))[0],
        "wp-white-screen-of-death"
    );
    assert!(
        ids(&search(&fx, &["certficate", "expird"]))[..3]
            .contains(&"ssl-certificate-expired".to_string())
    );
    // Stop words are kept: "not" is a word like any other.
    let v = search(&fx, &["email not sending"]);
    assert!(!ids(&v).is_empty());
    // A phrase must appear as written.
    let v = search(&fx, &["\"relaying denied\""]);
    assert!(
        ids(&v).iter().all(|id| id.starts_with("email")),
        "{:?}",
        ids(&v)
    );
    let v = search(&fx, &["\"denied relaying\""]);
    assert!(
        !ids(&v).contains(&"email-relaying-denied".to_string()) || v["total"].as_u64().unwrap() < 3
    );
    // Filters and exclusions.
    let v = search(&fx, &["timeout product:databases"]);
    assert!(v["hits"].as_array().unwrap().iter().all(|h| {
        h["products"]
            .as_array()
            .unwrap()
            .contains(&"databases".into())
    }));
    let v = search(
        &fx,
        &["timeout", "--product", "performance", "--tag", "latency"],
    );
    assert!(
        v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["tags"].as_array().unwrap().contains(&"latency".into()))
    );
    let with = ids(&search(&fx, &["backup restore", "-n", "50"]));
    let without = ids(&search(&fx, &["backup restore -database", "-n", "50"]));
    assert!(with.contains(&"backups-restore-database".to_string()));
    assert!(!without.contains(&"backups-restore-database".to_string()));
    // Archived articles only when asked for.
    assert!(
        !ids(&search(&fx, &["classic backup", "-n", "50"]))
            .contains(&"backups-legacy-classic-restore".to_string())
    );
    assert!(
        ids(&search(&fx, &["classic backup", "--archived"]))
            .contains(&"backups-legacy-classic-restore".to_string())
    );
    assert!(
        ids(&search(&fx, &["classic backup state:archived"]))
            .contains(&"backups-legacy-classic-restore".to_string())
    );
    // Synonyms: "tls" finds SSL articles through content/kb/synonyms.toml.
    let v = search(&fx, &["tls"]);
    assert!(
        v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["products"].as_array().unwrap().contains(&"ssl".into()))
    );
    // Chapters are searchable too.
    let v = search(&fx, &["kind:chapter talk-time"]);
    assert!(
        v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["kind"] == "chapter")
            && v["total"].as_u64().unwrap() >= 1
    );
}

#[test]
fn malformed_queries_fall_back_with_a_note() {
    let fx = Fixture::new("base");
    for q in [
        "\"relaying denied",
        "product:",
        "-",
        "\"\"",
        "tag:smtp -\"",
        "((",
        "::",
        "\\",
        "*?",
    ] {
        let out = fx.run(&["search", "--json", q]);
        assert_eq!(out.code, 0, "query {q:?}: {}", out.stderr);
        json(&out);
    }
    let out = fx.run(&["search", "\"relaying denied"]);
    assert!(
        out.stderr
            .contains("note: unbalanced quote: searched the words without it"),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout.contains("Outgoing mail bounces"),
        "{}",
        out.stdout
    );
}

#[test]
fn edits_are_picked_up_incrementally() {
    let fx = Fixture::new("base");
    assert_eq!(search(&fx, &["zanzibar"])["total"], 0);
    let p = "content/kb/dns/dns-propagation.md";
    fx.write(
        p,
        fx.read(p).replace(
            "Resolvers cache records",
            "Resolvers in zanzibar cache records",
        ),
    );
    assert_eq!(ids(&search(&fx, &["zanzibar"])), ["dns-propagation"]);
    fx.remove(p);
    assert_eq!(search(&fx, &["zanzibar"])["total"], 0);
    assert_eq!(search(&fx, &["relaying"])["total"], 1);
}

#[test]
fn an_index_that_disagrees_with_its_manifest_is_rebuilt() {
    // What a rebuild killed between creating the new index and its commit
    // leaves: an index with no segments beside a manifest that still
    // describes every file.
    let fx = Fixture::new("base");
    assert_eq!(search(&fx, &["relaying"])["total"], 1);
    let meta_path = fx.path(".supportbook/index/meta.json");
    let mut meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&meta_path).unwrap()).unwrap();
    meta["segments"] = serde_json::json!([]);
    std::fs::write(&meta_path, meta.to_string()).unwrap();
    let out = fx.run(&["search", "--json", "relaying"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("search index: holds 0 documents but its manifest lists"),
        "{}",
        out.stderr
    );
    assert_eq!(json(&out)["total"], 1);
    // And it stays right afterwards, with nothing more to say.
    let out = fx.run(&["search", "--json", "relaying"]);
    assert_eq!(out.stderr, "");
    assert_eq!(json(&out)["total"], 1);
}

#[test]
fn damaged_index_is_rebuilt() {
    let fx = Fixture::new("base");
    assert_eq!(search(&fx, &["relaying"])["total"], 1);
    // Garbage meta.json.
    std::fs::write(fx.path(".supportbook/index/meta.json"), "{not json").unwrap();
    let out = fx.run(&["search", "--json", "relaying"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("rebuilding"), "{}", out.stderr);
    assert_eq!(json(&out)["total"], 1);
    // Truncated segment files.
    for e in std::fs::read_dir(fx.path(".supportbook/index"))
        .unwrap()
        .flatten()
    {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".store") || name.ends_with(".term") || name.ends_with(".idx") {
            let bytes = std::fs::read(e.path()).unwrap();
            std::fs::write(e.path(), &bytes[..bytes.len() / 3]).unwrap();
        }
    }
    let out = fx.run(&["search", "--json", "relaying"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("rebuilding"), "{}", out.stderr);
    assert_eq!(json(&out)["total"], 1);
}

/// Flipped bytes (not a cut file) in the term dictionaries or the document
/// stores: tantivy then fails deep in a search, or panics (exit 101 once).
/// Each damage is repaired with one notice, and the search answers.
#[test]
fn corrupted_term_and_store_bytes_are_rebuilt_with_a_notice() {
    let fx = Fixture::new("base");
    assert_eq!(search(&fx, &["relaying"])["total"], 1);
    let index = fx.path(".supportbook/index");
    let good: Vec<(std::path::PathBuf, Vec<u8>)> = std::fs::read_dir(&index)
        .unwrap()
        .flatten()
        .map(|e| (e.path(), std::fs::read(e.path()).unwrap()))
        .collect();
    let manifest = fx.read(".supportbook/index-manifest.tsv");
    for ext in ["term", "store"] {
        let mut noticed = 0;
        for (from, to) in [(0.0, 0.1), (0.1, 0.3), (0.3, 0.5), (0.5, 0.7)] {
            // The same good index each time, then one region flipped.
            let _ = std::fs::remove_dir_all(&index);
            std::fs::create_dir_all(&index).unwrap();
            for (path, bytes) in &good {
                let mut bytes = bytes.clone();
                if path.extension().is_some_and(|e| e == ext) {
                    let n = bytes.len() as f64;
                    for b in &mut bytes[(n * from) as usize..(n * to) as usize] {
                        *b ^= 0x01;
                    }
                }
                std::fs::write(path, bytes).unwrap();
            }
            fx.write(".supportbook/index-manifest.tsv", &manifest);
            let out = fx.run(&["search", "--json", "relaying"]);
            let at = format!(".{ext} {from}..{to}");
            assert_eq!(out.code, 0, "{at}: {}", out.stderr);
            assert_eq!(json(&out)["total"], 1, "{at}: {}", out.stderr);
            assert!(!out.stderr.contains("panicked"), "{at}: {}", out.stderr);
            if !out.stderr.is_empty() {
                assert!(
                    out.stderr.starts_with("note: search index: damaged (")
                        && out.stderr.ends_with("), rebuilding\n")
                        && out.stderr.lines().count() == 1,
                    "{at}: {}",
                    out.stderr
                );
                noticed += 1;
            }
        }
        assert!(noticed >= 2, "damaging .{ext} files was never noticed");
    }
}

#[test]
fn schema_version_change_rebuilds() {
    let fx = Fixture::new("base");
    search(&fx, &["relaying"]);
    let m = fx.read(".supportbook/index-manifest.tsv");
    let head = m.lines().next().unwrap();
    let old: u32 = head.split('\t').nth(1).unwrap().parse().unwrap();
    fx.write(
        ".supportbook/index-manifest.tsv",
        m.replacen(
            &format!("supportbook-index-manifest\t{old}\n"),
            "supportbook-index-manifest\t0\n",
            1,
        ),
    );
    let out = fx.run(&["search", "--json", "relaying"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stderr.contains(&format!(
            "note: search index: format changed (version 0 -> {old}), rebuilding"
        )),
        "{}",
        out.stderr
    );
    assert_eq!(json(&out)["total"], 1);
}

#[test]
fn a_deleted_manifest_is_named_as_such() {
    let fx = Fixture::new("base");
    search(&fx, &["relaying"]);
    fx.remove(".supportbook/index-manifest.tsv");
    let out = fx.run(&["search", "--json", "relaying"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "note: search index: its manifest (index-manifest.tsv) is missing, rebuilding"
        ),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("format changed"), "{}", out.stderr);
    assert_eq!(json(&out)["total"], 1);
}

#[test]
fn a_build_writing_while_searches_read() {
    let fx = Fixture::handbook();
    assert_eq!(fx.run(&["build", "-q"]).code, 0);
    // Change many files so the next build re-indexes them while searches run.
    for e in walk(&fx.path("content/kb")) {
        let text = std::fs::read_to_string(&e).unwrap();
        std::fs::write(&e, text + "\nEdited again.\n").unwrap();
    }
    let bin = env!("CARGO_BIN_EXE_supportbook");
    let mut children = vec![
        common::command(bin, fx.root())
            .args(["build", "-q"])
            .output(),
    ];
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let root = fx.root().to_path_buf();
            std::thread::spawn(move || {
                common::command(bin, &root)
                    .args(["search", "--json", "dns propagation"])
                    .output()
                    .unwrap()
            })
        })
        .collect();
    let searches: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let build = children.remove(0).unwrap();
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    for s in searches {
        assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
        let v: serde_json::Value = serde_json::from_slice(&s.stdout).unwrap();
        assert_eq!(v["hits"][0]["id"], "dns-propagation-delay");
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&e.path()));
        } else if e.path().extension().is_some_and(|x| x == "md") {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn typos_find_their_article_and_say_what_was_searched() {
    let fx = Fixture::handbook();
    // A one-letter slip in a long word is one edit from the word as written
    // (though two from its stem): each finds its article.
    for (query, expect) in [
        ("certficate expired", "ssl-certificate-expired"),
        ("relayng denied", "email-relaying-denied"),
        ("dns propogation", "dns-propagation-delay"),
        ("certificat expired", "ssl-certificate-expired"),
    ] {
        let v = search(&fx, &[query]);
        assert!(
            ids(&v)[..3].contains(&expect.to_string()),
            "{query}: {:?}",
            ids(&v)
        );
        assert_ne!(v["did_you_mean"], serde_json::Value::Null, "{query}");
    }
    // Alone, too.
    for (query, expect) in [
        ("relayng", "email-relaying-denied"),
        ("propogation", "dns-propagation-delay"),
    ] {
        assert!(
            ids(&search(&fx, &[query]))[..3].contains(&expect.to_string()),
            "{query}"
        );
    }
    let v = search(&fx, &["relayng denied"]);
    assert_eq!(v["did_you_mean"], "relaying denied");
    // The terminal says what it searched instead.
    let out = fx.run(&["search", "relayng", "denied"]);
    assert!(
        out.stderr.contains("`relayng` -> `relaying`"),
        "{}",
        out.stderr
    );
    // A word typed twice is reported once.
    let v = search(&fx, &["relayng relayng denied"]);
    let notes = v["notes"].to_string();
    assert_eq!(
        notes.matches("`relayng` -> `relaying`").count(),
        1,
        "{notes}"
    );
    // Words the KB has are not "corrected".
    let v = search(&fx, &["relaying denied"]);
    assert_eq!(v["did_you_mean"], serde_json::Value::Null);
}

#[test]
fn a_query_that_finds_nothing_gets_a_did_you_mean() {
    let fx = Fixture::new("base");
    let v = search(&fx, &["bounces product:emial"]);
    assert_eq!(v["total"], 0);
    assert_eq!(v["did_you_mean"], "bounces product:email");
    assert_eq!(search(&fx, &["bounces product:email"])["total"], 1);
    let out = fx.run(&["search", "bounces", "product:emial"]);
    assert!(
        out.stdout
            .contains("did you mean \"bounces product:email\"?"),
        "{}",
        out.stdout
    );
}

#[test]
fn an_error_quoted_in_a_body_outranks_its_words_in_titles() {
    let fx = Fixture::new("base");
    // The error message appears only in one article's body; the words of it
    // are spread over the titles and symptoms of others.
    fx.write(
        "content/kb/email/archive-unavailable.md",
        "+++\ntitle = \"Users can't open their online archive\"\nproducts = [\"email\"]\n+++\n\n## Symptoms\n\nOpening the archive in webmail shows:\n\n> Your archive appears to be unavailable. Try to access it again in 10 seconds.\n\n## Cause\n\nA missing root certificate on the mail server.\n\n## Resolution\n\nReinstall the root certificates.\n",
    );
    for (name, title, symptom) in [
        (
            "archive-full",
            "Archive full: mailbox appears to be over quota",
            "the archive is full",
        ),
        (
            "archive-slow",
            "Archive unavailable during maintenance",
            "archive is unavailable again",
        ),
        (
            "access-again",
            "Try again later when you access the panel",
            "access denied, try again",
        ),
    ] {
        fx.write(
            &format!("content/kb/email/{name}.md"),
            format!("+++\ntitle = \"{title}\"\nsymptoms = [\"{symptom}\"]\nproducts = [\"email\"]\n+++\n\n## Symptoms\n\n{symptom}.\n\n## Resolution\n\nWait.\n"),
        );
    }
    let v = search(&fx, &["archive appears to be unavailable"]);
    assert_eq!(ids(&v)[0], "archive-unavailable", "{:?}", ids(&v));
    let v = search(
        &fx,
        &["Your archive appears to be unavailable. Try to access it again in 10 seconds."],
    );
    assert_eq!(ids(&v)[0], "archive-unavailable", "{:?}", ids(&v));
}

#[test]
fn a_limit_of_zero_is_refused() {
    let fx = Fixture::new("base");
    let out = fx.run(&["search", "-n", "0", "relaying"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "invalid value '0' for '--limit <LIMIT>': expected a whole number, 1 or more"
        ),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "{}", out.stdout);
}

#[test]
fn filters_that_match_nothing_say_so_with_a_did_you_mean() {
    let fx = Fixture::new("base");
    let cases: [(&[&str], &str); 6] = [
        (
            &["mail", "state:bogus"],
            "note: unknown state `bogus` (one of: draft, validated, archived)\n",
        ),
        (
            &["mail", "state:drafts"],
            "note: unknown state `drafts`; did you mean `state:draft`?\n",
        ),
        (
            &["mail", "kind:artcle"],
            "note: unknown kind `artcle`; did you mean `kind:article`?\n",
        ),
        (
            &["tag:nonexistent"],
            "note: unknown tag `nonexistent`: no article has it (one of: outage, propagation, smtp)\n",
        ),
        (
            &["mail", "--product", "nonexistent"],
            "note: unknown product `nonexistent`: no article has it (one of: dns, email)\n",
        ),
        (
            &["mail", "product:emial"],
            "note: unknown product `emial`: no article has it; did you mean `product:email`?\n",
        ),
    ];
    for (args, note) in cases {
        let mut all = vec!["search"];
        all.extend_from_slice(args);
        let out = fx.run(&all);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(note), "{args:?}: {}", out.stderr);
    }
    // Known values give no note; the JSON carries the same notes.
    let out = fx.run(&[
        "search",
        "mail",
        "product:email",
        "state:validated",
        "kind:article",
    ]);
    assert_eq!(out.stderr, "", "{}", out.stderr);
    let j = search(&fx, &["mail", "tag:nonexistent"]);
    assert_eq!(
        j["notes"],
        serde_json::json!([
            "unknown tag `nonexistent`: no article has it (one of: outage, propagation, smtp)"
        ])
    );
}

#[test]
fn no_results_cuts_a_long_query() {
    let fx = Fixture::new("base");
    let long = "zzqx ".repeat(1000);
    let out = fx.run(&["search", long.trim()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let shown = format!("{}…", &long[..80]);
    assert_eq!(out.stdout, format!("no results for \"{shown}\"\n"));
}

#[test]
fn a_dash_word_is_an_exclusion_without_double_dash() {
    let fx = Fixture::new("base");
    let with = search(&fx, &["--", "mail", "-dns"]);
    let out = fx.run(&["search", "--json", "-dns", "mail"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let without: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(without["query"], "mail -dns");
    assert_eq!(ids(&without), ids(&with));
    // `mail-bounces` mentions DNS: excluded.
    assert_eq!(ids(&without), ["training/listening"], "{without}");
}

#[test]
fn a_pasted_command_line_is_searched_as_words() {
    let fx = Fixture::new("base");
    fx.write(
        "content/kb/email/litigation-hold-fails.md",
        "+++\ntitle = \"Turning off litigation hold fails\"\nproducts = [\"email\"]\n+++\n\n## Symptoms\n\nRunning this fails:\n\n```\nSet-Mailbox -Identity user@example.com -LitigationHoldEnabled $False\n```\n\n## Resolution\n\nConnect to the server that holds the mailbox.\n",
    );
    // `-Identity` is a parameter here, not an exclusion of every article
    // that says "identity".
    let out = fx.run(&[
        "search",
        "--json",
        "--",
        "Set-Mailbox -Identity user@example.com -LitigationHoldEnabled $False",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(ids(&json(&out))[0], "litigation-hold-fails");
    assert!(out.stderr.contains("read as pasted text"), "{}", out.stderr);
    // A short query a person types keeps its exclusion.
    let v = search(&fx, &["litigation hold -mailbox"]);
    assert!(!ids(&v).contains(&"litigation-hold-fails".to_string()));
}
