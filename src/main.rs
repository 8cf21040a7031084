//! The `talksearch` binary: everything lives in the library; see `talksearch --help`.

// glibc's malloc kept the server's freed memory under the soak test (heap 26 -> 513 MB in
// 120 s); jemalloc returns it (docs/soak.md).
#[cfg(all(unix, not(target_env = "musl")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    talksearch::cli::main()
}
