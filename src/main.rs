//! The `talksearch` binary: everything lives in the library; see `talksearch --help`.

fn main() -> std::process::ExitCode {
    talksearch::cli::main()
}
