//! A deterministic generator of KB articles for the benchmarks (shared by
//! `benches/build.rs` and `benches/search.rs`).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

const WORDS: &[&str] = &[
    "customer",
    "server",
    "domain",
    "certificate",
    "mailbox",
    "restart",
    "cache",
    "database",
    "timeout",
    "record",
    "propagation",
    "password",
    "upload",
    "backup",
    "restore",
    "invoice",
    "latency",
    "plugin",
    "theme",
    "error",
    "connection",
    "refused",
    "expired",
    "renewal",
    "redirect",
    "quota",
    "disk",
    "memory",
    "process",
    "queue",
    "the",
    "a",
    "is",
    "not",
    "when",
    "after",
    "before",
    "check",
    "with",
    "from",
    "their",
    "our",
    "and",
    "or",
    "then",
    "every",
    "site",
    "page",
    "request",
    "response",
    "header",
    "log",
    "file",
    "user",
    "account",
    "team",
];
pub const PRODUCTS: &[&str] = &[
    "dns",
    "ssl",
    "email",
    "web-server",
    "databases",
    "wordpress",
    "ftp-ssh",
    "backups",
    "billing",
    "performance",
    "outages",
];
const TAGS: &[&str] = &[
    "outage",
    "certificate",
    "renewal",
    "mx",
    "spf",
    "dkim",
    "propagation",
    "permissions",
    "5xx",
    "php",
    "plugin",
    "login",
    "restore",
    "invoice",
    "refund",
    "cache",
    "latency",
    "status-page",
];

/// The synthetic vocabulary and its cumulative Zipf weights (1/rank).
fn vocabulary() -> &'static (Vec<String>, Vec<f64>) {
    static VOCAB: std::sync::OnceLock<(Vec<String>, Vec<f64>)> = std::sync::OnceLock::new();
    VOCAB.get_or_init(|| {
        const SYLLABLES: &[&str] = &[
            "ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "den", "mar", "pol", "sen", "tri",
            "ven", "gor", "lin",
        ];
        let mut words = Vec::with_capacity(5000);
        let mut cumulative = Vec::with_capacity(5000);
        let mut sum = 0.0;
        for i in 0..5000usize {
            let mut w = String::new();
            let mut n = i + 16;
            while n > 0 {
                w.push_str(SYLLABLES[n % SYLLABLES.len()]);
                n /= SYLLABLES.len();
            }
            words.push(w);
            sum += 1.0 / (i + 1) as f64;
            cumulative.push(sum);
        }
        (words, cumulative)
    })
}

/// A tiny deterministic generator (xorshift), so every run writes the same KB.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Half the words are support terms (uniform over 56); the other half
    /// come from a synthetic vocabulary of 5,000 words with a Zipf
    /// distribution, as natural text has: a handful of words are in every
    /// article, most are in few. (With the 56 terms alone every word would be
    /// in every article, which no real KB looks like.)
    pub fn word(&mut self) -> &'static str {
        if self.below(2) == 0 {
            return WORDS[self.below(WORDS.len())];
        }
        let (words, cumulative) = vocabulary();
        let total = *cumulative.last().unwrap();
        let x = (self.next() % 1_000_000_007) as f64 / 1_000_000_007.0 * total;
        let i = cumulative.partition_point(|c| *c < x).min(words.len() - 1);
        words[i].as_str()
    }
    pub fn sentence(&mut self, n: usize) -> String {
        let mut s: Vec<&str> = (0..n).map(|_| self.word()).collect();
        let first = s[0].to_string();
        let cap = first[..1].to_uppercase() + &first[1..];
        s[0] = Box::leak(cap.into_boxed_str());
        format!("{}.", s.join(" "))
    }
}

pub fn article(i: usize, n: usize, rng: &mut Rng) -> (String, String, String) {
    let product = PRODUCTS[i % PRODUCTS.len()];
    let id = format!("article-{i:05}");
    let words = 300 + rng.below(1200);
    let related = format!("article-{:05}", (i + 1) % n);
    let title = format!("{} {} {}", rng.word(), rng.word(), rng.word());
    let mut body = String::new();
    let sections = [
        "Symptoms",
        "Cause",
        "Resolution",
        "What to tell the customer",
    ];
    let per = words / sections.len();
    for s in sections {
        body.push_str(&format!("## {s}\n\n"));
        let mut left = per;
        while left > 0 {
            let len = left.min(12 + rng.below(10));
            let para: Vec<String> = (0..3).map(|_| rng.sentence(len / 3 + 1)).collect();
            body.push_str(&para.join(" "));
            body.push_str("\n\n");
            left = left.saturating_sub(len);
        }
        if s == "Resolution" {
            body.push_str(&format!("```sh\ndig +short {id}.example.com A\n```\n\nSee [the related article](../{}/{related}.md).\n\n", PRODUCTS[(i + 1) % n % PRODUCTS.len()]));
        }
    }
    let fm = format!(
        "+++\nid = \"{id}\"\ntitle = \"{title}\"\nsummary = \"{}\"\nsymptoms = [\"{}\", \"ERR_{i}\"]\nproducts = [\"{product}\"]\ntags = [\"{}\", \"{}\"]\nstate = \"validated\"\nowner = \"Owner {}\"\nreviewed = 2026-10-01\nreview-every = 365\nrelated = [\"{related}\"]\n+++\n\n",
        rng.sentence(12),
        rng.sentence(5),
        TAGS[rng.below(TAGS.len())],
        TAGS[rng.below(TAGS.len())],
        i % 7,
    );
    (format!("{product}/{id}.md"), title, fm + &body)
}

/// Writes the supportbook project and the plain-mdBook copy of the same Markdown.
pub fn generate(dir: &Path, n: usize) -> (PathBuf, PathBuf) {
    let sb = dir.join("supportbook");
    let md = dir.join("mdbook");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let chapters: Vec<(String, String)> = (1..=8)
        .map(|c| {
            (
                format!("training/{c:02}-chapter.md"),
                format!(
                    "# Chapter {c}\n\n{}\n",
                    (0..40)
                        .map(|_| rng.sentence(15))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            )
        })
        .collect();
    let mut summary = String::from("# Summary\n\n# Training track\n\n");
    for (i, (path, _)) in chapters.iter().enumerate() {
        summary.push_str(&format!("- [Chapter {}]({path})\n", i + 1));
    }
    let mut md_summary = summary.clone();
    md_summary.push_str("\n# Knowledge base\n\n");
    for root in [&sb, &md] {
        for (path, text) in &chapters {
            write(&root.join("content").join(path), text);
        }
    }
    for i in 0..n {
        let (path, title, text) = article(i, n, &mut rng);
        for root in [&sb, &md] {
            write(&root.join("content/kb").join(&path), &text);
        }
        md_summary.push_str(&format!("- [{title}](kb/{path})\n"));
    }
    write(&sb.join("content/SUMMARY.md"), &summary);
    write(&md.join("content/SUMMARY.md"), &md_summary);
    write(
        &sb.join("book.toml"),
        "[book]\ntitle = \"Bench\"\nsrc = \"content\"\n\n[output.html]\nadditional-css = [\"supportbook.css\"]\n\n[preprocessor.supportbook]\n",
    );
    write(&sb.join("supportbook.css"), "");
    write(
        &md.join("book.toml"),
        "[book]\ntitle = \"Bench\"\nsrc = \"content\"\n",
    );
    (sb, md)
}

pub fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// `SB_BENCH_SIZES` (comma-separated article counts), default 1,000 and 10,000.
pub fn env_sizes() -> Vec<usize> {
    std::env::var("SB_BENCH_SIZES")
        .unwrap_or_else(|_| "1000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

/// A whole-number setting from the environment, or `default`.
pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}
