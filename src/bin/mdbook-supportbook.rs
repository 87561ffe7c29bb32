//! `mdbook-supportbook`: the supportbook preprocessor for a plain `mdbook
//! build` (mdBook's preprocessor protocol: `supports <renderer>`, then the
//! `[context, book]` JSON on stdin and the book on stdout).

use mdbook_preprocessor::Preprocessor as _;
use std::process::ExitCode;
use supportbook::render::preprocessor::SupportbookPreprocessor;

const HELP: &str = "\
mdbook-supportbook: the supportbook preprocessor for a plain `mdbook build`

mdBook runs it when book.toml has a [preprocessor.supportbook] table and this
program is on PATH; `supportbook build` does the same work in process.

Usage:
  mdbook-supportbook supports RENDERER   exit 0 if RENDERER (e.g. html) is supported
  mdbook-supportbook < [context, book]   read mdBook's JSON on stdin, write the book on stdout
  mdbook-supportbook --help | --version
";

fn main() -> ExitCode {
    let pre = SupportbookPreprocessor::standalone(supportbook::engine::load_for_mdbook);
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["supports", renderer] => {
            return match pre.supports_renderer(renderer) {
                Ok(true) => ExitCode::SUCCESS,
                _ => ExitCode::from(1),
            };
        }
        ["--help" | "-h" | "help"] => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        ["--version" | "-V"] => {
            println!(
                "mdbook-supportbook {} (for mdBook {})",
                env!("CARGO_PKG_VERSION"),
                mdbook_preprocessor::MDBOOK_VERSION
            );
            return ExitCode::SUCCESS;
        }
        [] => {}
        _ => {
            eprint!("error: unexpected arguments: {}\n\n{HELP}", args.join(" "));
            return ExitCode::from(2);
        }
    }
    if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        eprint!(
            "error: mdbook-supportbook reads mdBook's JSON on stdin; run it through `mdbook build`\n\n{HELP}"
        );
        return ExitCode::from(2);
    }
    let result = mdbook_preprocessor::parse_input(std::io::stdin().lock()).and_then(|(ctx, book)| {
        if ctx.mdbook_version != mdbook_preprocessor::MDBOOK_VERSION {
            eprintln!(
                "warning: mdbook-supportbook was built against mdBook {}, but is run by mdBook {}",
                mdbook_preprocessor::MDBOOK_VERSION,
                ctx.mdbook_version
            );
        }
        let book = pre.run(&ctx, book)?;
        serde_json::to_writer(std::io::stdout().lock(), &book)?;
        Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: mdbook-supportbook: {e:#}");
            ExitCode::from(1)
        }
    }
}
