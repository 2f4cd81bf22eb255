fn main() -> std::process::ExitCode {
    tenant_atlas::cli::main()
}
