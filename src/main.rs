//! The `supportbook` binary: everything happens in the library's `run`.

fn main() -> std::process::ExitCode {
    supportbook::run(std::env::args_os())
}
