//! `mdbook-supportbook`: the supportbook preprocessor for a plain `mdbook
//! build` (mdBook's preprocessor protocol: `supports <renderer>`, then the
//! `[context, book]` JSON on stdin and the book on stdout).

use mdbook_preprocessor::Preprocessor as _;
use std::process::ExitCode;
use supportbook::render::preprocessor::SupportbookPreprocessor;

fn main() -> ExitCode {
    let pre = SupportbookPreprocessor::standalone();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [cmd, renderer] = args.as_slice()
        && cmd == "supports"
    {
        return match pre.supports_renderer(renderer) {
            Ok(true) => ExitCode::SUCCESS,
            _ => ExitCode::from(1),
        };
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
