//! Command-line arguments (clap derive). Help text lives here, in the doc
//! comments, and nowhere else.

pub mod cmd;
pub mod take;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;

/// supportbook: a support team's training handbook and troubleshooting
/// knowledge base, built from Markdown and TOML in a git repository.
///
/// Run it anywhere inside a handbook (a folder with a book.toml), or pass
/// --root. Problems in your files are reported with file:line:col; exit
/// status is 0 on success, 1 when your files have errors, 2 when something
/// else failed (I/O, a missing book.toml).
#[derive(Debug, Parser)]
#[command(name = "supportbook", version, max_term_width = 100)]
pub struct Cli {
    /// The handbook's root folder (the one with book.toml). Default: the
    /// nearest book.toml upward from the current folder.
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// Print only errors and results, no summary lines.
    #[arg(long, short, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check every chapter, article and setting, and report every problem.
    ///
    /// Reports TOML/YAML syntax, field types, duplicate and unknown ids,
    /// broken links and anchors, SUMMARY.md entries that point nowhere,
    /// articles past their review date and missing standard sections.
    Check(CheckArgs),
    /// Build the site (training track through mdBook, KB article pages
    /// through supportbook's linear renderer).
    ///
    /// Only pages whose inputs changed are written again; a one-line summary
    /// ends the build.
    Build(BuildArgs),
    /// Search the knowledge base (and the training track) from the terminal.
    ///
    /// Plain words match any of them (more matches rank higher); "quoted
    /// phrases" must appear as written; -word excludes; filters:
    /// product:NAME tag:NAME kind:article|chapter|quiz state:draft|validated|archived.
    /// Typos are tolerated (one edit in words of 4+ letters, two in 8+), and
    /// pasted error strings match. The index under .supportbook/ is updated
    /// first, file by file.
    Search(SearchArgs),
    /// List the quizzes, or take one in the terminal.
    #[command(subcommand)]
    Quiz(QuizCommand),
    /// Quiz results: reports, xAPI export and import.
    #[command(subcommand)]
    Results(ResultsCommand),
    /// Training cycles: annotated git tags `cycle/NAME`.
    #[command(subcommand)]
    Cycle(CycleCommand),
    /// Articles past their review date, by owner, most overdue first.
    Review(ReviewArgs),
    /// Rebuild on every change: each changed file redoes only what it needs.
    ///
    /// One edited KB article re-renders its page (and the index pages when
    /// its title, summary, products, tags or state changed) and its search
    /// entry; a template change re-renders pages; book.toml reloads
    /// everything. A broken file prints its diagnostics and the watcher keeps
    /// going. Ignores book/, .supportbook/, .git/ and editor temp files.
    Watch(WatchArgs),
    /// Check a draft reply against the reply rules before you send it.
    ///
    /// Reads the draft from FILE (stdin when FILE is - or left out) and
    /// reports every rule it breaks with line:col, like `check`: an upsell in
    /// a support reply, no acknowledgement when the customer is upset, an
    /// outage update that does not say when the next update comes, jargon,
    /// long sentences. --mood, --topic and --channel say what the reply
    /// answers: rules with a `when` apply only then. The rules are
    /// rules/*.toml. Exit status 1 when a rule at level error is broken.
    Coach(CoachArgs),
    /// Serve the site on http://127.0.0.1:3000/ and rebuild like `watch`.
    ///
    /// Pages reload after each rebuild; while a rebuild fails every page
    /// shows its diagnostics. The search box asks GET /api/search; quiz
    /// attempts are stored through POST /api/attempts. Prints
    /// "serving http://HOST:PORT/" on stderr once listening.
    Serve(ServeArgs),
    /// Create a new handbook: book.toml, a first chapter, a first KB article,
    /// a .gitignore and a CI workflow. Never overwrites a file.
    Init(InitArgs),
    /// Import an existing knowledge base: a Markdown tree or a Zendesk Guide
    /// export.
    ///
    /// A Markdown tree (MS Docs, Jekyll, Hugo, Docusaurus) is copied with its
    /// folders and file names, and with the images and files its articles
    /// link to; front matter (YAML or TOML) is rewritten as TOML with keys
    /// mapped (description -> summary, ms.date/date -> reviewed as
    /// YYYY-MM-DD, author/ms.author -> owner, keywords -> tags, appliesto ->
    /// products; more in [preprocessor.supportbook.import.map]); other keys
    /// are kept and the body is kept byte for byte.
    ///
    /// A Zendesk export is the Help Center API's List Articles response
    /// ({"articles": [...]}) in a .json file, with sections, categories and
    /// users in the same file or in sibling sections.json, categories.json
    /// and users.json (or a folder of .json files, with --from zendesk). Each
    /// article becomes one Markdown file named from its title: HTML body
    /// converted to Markdown (scripts dropped), labels -> tags, category and
    /// section -> products, draft -> state "draft", outdated -> "archived",
    /// updated_at -> reviewed, the Zendesk id kept as zendesk-id.
    ///
    /// Importing again updates what changed upstream and says what it added,
    /// changed and left alone. The record of what was written is
    /// imports/NAME.tsv at the root (commit it). A file edited since the last
    /// import is never overwritten: the import lists such files and stops
    /// (exit 1) before writing anything. Nothing is written outside --into
    /// and the record.
    Import(ImportArgs),
    /// Print a shell completion script on stdout.
    ///
    /// bash: `supportbook completions bash >
    /// ~/.local/share/bash-completion/completions/supportbook`; zsh: into a
    /// folder on $fpath as `_supportbook`; fish: `supportbook completions fish
    /// > ~/.config/fish/completions/supportbook.fish`.
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print a man page (roff) on stdout: `supportbook man | man -l -`.
    ///
    /// Without COMMAND, the page for supportbook (every command listed);
    /// with one, that command's page (`supportbook man search >
    /// supportbook-search.1`).
    Man {
        /// A command (e.g. `search`, `quiz`); nested ones as `quiz take`.
        #[arg(value_name = "COMMAND")]
        command: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Diagnostics as file:line:col with the line and a caret.
    #[default]
    Human,
    /// One JSON object on stdout (its shape is given with the option).
    Json,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Treat every warning as an error.
    #[arg(long)]
    pub strict: bool,
    /// Output format. JSON: {"errors", "warnings", "diagnostics": [{"severity",
    /// "code", "path", "line", "column", "message", "help", "notes"}]}.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct CoachArgs {
    /// The draft reply (plain text or Markdown); stdin when - or left out.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// The customer's mood (e.g. angry, upset, calm).
    #[arg(long, value_name = "MOOD")]
    pub mood: Option<String>,
    /// What the reply is about (e.g. outage, billing); repeatable.
    #[arg(long, value_name = "TOPIC")]
    pub topic: Vec<String>,
    /// Where it will be sent (e.g. email, chat, social, phone).
    #[arg(long, value_name = "CHANNEL")]
    pub channel: Option<String>,
    /// Output format. JSON: {"path", "rules", "errors", "warnings",
    /// "findings": [{"rule", "level", "message", "line", "column", "text", "help"}]}.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Where to write the site. Default: mdBook's build dir (book/).
    #[arg(long, value_name = "DIR")]
    pub dest: Option<PathBuf>,
    /// Treat every warning as an error.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Poll for changes instead of using the OS's file events (for network
    /// and container file systems).
    #[arg(long)]
    pub poll: bool,
    /// Milliseconds between polls with --poll.
    #[arg(long, value_name = "MS", default_value_t = 500, requires = "poll")]
    pub poll_interval: u64,
    /// Where to write the site. Default: mdBook's build dir (book/).
    #[arg(long, value_name = "DIR")]
    pub dest: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on. Anything but a loopback address makes the
    /// site (and the attempts API) reachable from other machines.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// The port (0: any free port; the one chosen is printed).
    #[arg(long, short, default_value_t = 3000)]
    pub port: u16,
    /// Open the site in the browser ($BROWSER, else the desktop's launcher).
    #[arg(long)]
    pub open: bool,
    /// Also answer requests addressed to NAME (a host name or IP address,
    /// no port), e.g. the machine's name on the network when listening on
    /// 0.0.0.0. Repeatable. Other names get 421: a page on another site
    /// cannot read this one by pointing its own name at this address (DNS
    /// rebinding). localhost and loopback addresses, the --host address
    /// and, with --host 0.0.0.0 or ::, any IP address are always accepted.
    #[arg(long = "allowed-host", value_name = "NAME")]
    pub allowed_host: Vec<String>,
    /// Seconds a client may take to send a request's head, and then its
    /// body; slower or idle connections are closed.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub request_timeout: f64,
    #[command(flatten)]
    pub watch: WatchArgs,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder to create the handbook in (created if missing).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The handbook's title.
    #[arg(long, default_value = "Support handbook")]
    pub title: String,
    /// The git repository the CI workflow installs supportbook from
    /// (written to book.toml as `tool-git`); default: the repository this
    /// build of supportbook names, if any.
    #[arg(long, value_name = "URL")]
    pub tool_git: Option<String>,
    /// A tag, branch or commit of that repository to install (`tool-rev`);
    /// default: its default branch.
    #[arg(long, value_name = "REV", requires = "tool_git")]
    pub tool_rev: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFrom {
    /// A folder of Markdown files with YAML or TOML front matter.
    Markdown,
    /// A Zendesk Guide (Help Center) article export in JSON.
    Zendesk,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The knowledge base to import: a folder of Markdown files, or a
    /// Zendesk export (.json file, or a folder of .json files).
    #[arg(value_name = "SRC")]
    pub src: PathBuf,
    /// What SRC is. Default: a .json file (or a folder with .json files and
    /// no .md files) is a Zendesk export, a folder is a Markdown tree.
    #[arg(long, value_enum)]
    pub from: Option<ImportFrom>,
    /// The folder to import into; it must be inside the KB folder. Default:
    /// the KB folder's subfolder named after SRC (content/kb/NAME).
    #[arg(long, value_name = "DIR")]
    pub into: Option<PathBuf>,
    /// Show what would be added, changed and left alone; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Name every file added, changed or left alone (the names are shown
    /// anyway when there are few).
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// What to look for, as the customer said it or as the error reads.
    #[arg(value_name = "QUERY", required_unless_present = "eval")]
    pub query: Vec<String>,
    /// How many results to show (1 or more).
    #[arg(long, short = 'n', default_value_t = 10, value_parser = at_least_one)]
    pub limit: usize,
    /// Only articles for this product (repeatable).
    #[arg(long, value_name = "NAME")]
    pub product: Vec<String>,
    /// Only articles with this tag (repeatable).
    #[arg(long, value_name = "NAME")]
    pub tag: Vec<String>,
    /// Include archived articles (left out by default).
    #[arg(long)]
    pub archived: bool,
    /// Print one JSON object: {"query", "total", "hits": [...], "notes"}.
    #[arg(long)]
    pub json: bool,
    /// Evaluate a search-case file instead: MRR@10, recall@1/3/10 and each
    /// case's rank.
    #[arg(long, value_name = "FILE", conflicts_with = "query")]
    pub eval: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum QuizCommand {
    /// Every quiz: id, title, questions, pass mark and the articles it covers.
    List {
        /// Print a JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Take a quiz here: numbered prompts, feedback after each answer, the
    /// score at the end; the attempt is recorded in .supportbook/results.db.
    /// Works with piped input (one answer per line).
    Take {
        /// The quiz id (see `supportbook quiz list`).
        id: String,
        /// Whose attempt this is. Default: $SUPPORTBOOK_LEARNER, then $USER.
        #[arg(long = "as", value_name = "NAME")]
        learner: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ReportFormat {
    #[default]
    Text,
    Json,
    /// A self-contained page with SVG charts.
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ExportFormat {
    /// xAPI 1.0.3 statements, one JSON object per line.
    #[default]
    Xapi,
}

#[derive(Debug, Subcommand)]
pub enum ResultsCommand {
    /// Per learner, the latest status of each quiz (passed, failed, stale,
    /// not taken); per question, how many got it right the first time and
    /// which wrong choices attract people.
    Report {
        /// Only this learner.
        #[arg(long, value_name = "NAME")]
        learner: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: ReportFormat,
        /// Write to a file instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Export every attempt as xAPI statements (JSON lines), the format
    /// learning record stores read.
    Export {
        #[arg(long, value_enum, default_value_t)]
        format: ExportFormat,
        /// Write to a file instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Who must retake what, and why: passes gone stale (the quiz or an
    /// article it covers changed since) and quizzes not passed yet.
    Due {
        /// Only this learner.
        #[arg(long, value_name = "NAME")]
        learner: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
    },
    /// Merge an xAPI export (from `results export` on another machine, or a
    /// trainee's "export my results" file). Importing the same file twice
    /// adds nothing.
    Import {
        /// The file to read.
        file: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum TextOrJson {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum CycleCommand {
    /// Start a training cycle: runs `check` (refuses on errors), then tags
    /// HEAD as `cycle/NAME`. Refuses on uncommitted changes or an existing
    /// tag, and says why.
    Start {
        /// The cycle's name, e.g. 2026-q4.
        name: String,
        /// What the cycle brings (lessons learned, updates, techniques).
        #[arg(short, long)]
        message: Option<String>,
    },
    /// The cycles, oldest first, with their dates.
    List {
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
    },
    /// Chapters, articles and quizzes added, changed, renamed and removed
    /// since the last cycle (or the one named), each with the commit
    /// subjects that touched it.
    Status {
        /// Compare with this cycle instead of the latest.
        #[arg(long, value_name = "NAME")]
        since: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: TextOrJson,
    },
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Only this owner's articles.
    #[arg(long, value_name = "NAME")]
    pub owner: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: TextOrJson,
}

/// A count that must be 1 or more (`search --limit`).
fn at_least_one(s: &str) -> std::result::Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("expected a whole number, 1 or more".to_string()),
    }
}

impl Cli {
    /// Parses a command line. In `search`, a word written `-word` (an
    /// exclusion in the query language) that is not one of search's options
    /// is taken as part of the query, as if written after `--`:
    /// `supportbook search -dns mail` searches `mail -dns`.
    pub fn parse_args(
        args: impl IntoIterator<Item = impl Into<OsString>>,
    ) -> Result<Cli, clap::Error> {
        let mut args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        loop {
            let err = match <Cli as clap::Parser>::try_parse_from(&args) {
                Ok(cli) => return Ok(cli),
                Err(e) => e,
            };
            if err.kind() != clap::error::ErrorKind::UnknownArgument {
                return Err(err);
            }
            let Some(clap::error::ContextValue::String(invalid)) =
                err.get(clap::error::ContextKind::InvalidArg)
            else {
                return Err(err);
            };
            match exclusion_as_query(&args, invalid) {
                Some(next) => args = next,
                None => return Err(err),
            }
        }
    }
}

/// `args` with the `search` query word that clap refused as the unknown
/// option `invalid` (`-d` of `-dns`) moved after a `--` at the end, where it
/// is a query word. `None` when it is not such a word (a `--long` option,
/// another command, nothing to move).
pub fn exclusion_as_query(args: &[OsString], invalid: &str) -> Option<Vec<OsString>> {
    if invalid.starts_with("--") || !invalid.starts_with('-') {
        return None;
    }
    let search = args.iter().skip(1).position(|a| a == "search")? + 1;
    let end = args
        .iter()
        .skip(search)
        .position(|a| a == "--")
        .map_or(args.len(), |i| i + search);
    let at = (search + 1..end).find(|&i| {
        args.get(i)
            .and_then(|a| a.to_str())
            .is_some_and(|a| a.starts_with(invalid) && !a.starts_with("--"))
    })?;
    let mut next = args.to_vec();
    let word = next.remove(at);
    if end == args.len() {
        next.push("--".into());
    }
    next.push(word);
    Some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(line: &str) -> Result<Vec<String>, String> {
        let args = std::iter::once("supportbook").chain(line.split(' '));
        match Cli::parse_args(args)
            .map_err(|e| e.kind().to_string())?
            .command
        {
            Command::Search(a) => Ok(a.query),
            _ => Err("not search".into()),
        }
    }

    #[test]
    fn a_leading_dash_word_in_search_is_an_exclusion() {
        assert_eq!(query("search -dns").unwrap(), ["-dns"]);
        assert_eq!(query("search mail -dns -n 2").unwrap(), ["mail", "-dns"]);
        assert_eq!(
            query("search -dns mail -x --json").unwrap(),
            ["mail", "-dns", "-x"]
        );
        assert_eq!(
            query("search mail -- -y -dns").unwrap(),
            ["mail", "-y", "-dns"]
        );
        assert_eq!(query("search relaying -n 1").unwrap(), ["relaying"]);
        // A long option that does not exist stays an error, as elsewhere.
        assert!(query("search mail --jsno").is_err());
        assert!(Cli::parse_args(["supportbook", "check", "-x"]).is_err());
    }
}
