//! `vigil`: Vigil's command line (the program itself is the `vigil_cli` library, which the app's
//! binary also runs as `vigil-desktop --cli`, so that the .deb ships one copy of the core).

fn main() -> std::process::ExitCode {
    vigil_cli::main_with(std::env::args_os())
}
