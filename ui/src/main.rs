//! Vigil's user interface: a Leptos client-side app, compiled to wasm and hosted by the shell.
//!
//! Job: screens and input; every action is a command of the shell, typed by `vigil-api`.
//! Boundaries: no keys, no chain access, no business rules beyond friendly early checks (the
//! shell validates everything again).

// Leptos' #[component] macro generates `pub` props types that cannot be narrowed.
#![allow(unreachable_pub)]

mod app;
mod chart;
mod format;
mod ipc;
mod preview;
mod qr;
mod screens;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
