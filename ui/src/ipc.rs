//! Calls into the desktop shell through Tauri's global `invoke`, with the types of `vigil-api`.

use serde::{Serialize, de::DeserializeOwned};
use vigil_api::{CommandError, ErrorKind};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

/// The arguments of a command that takes one `request` argument.
#[derive(Serialize)]
pub(crate) struct Request<'a, T> {
    pub(crate) request: &'a T,
}

/// The arguments of a command that takes none.
#[derive(Serialize)]
pub(crate) struct NoArgs {}

fn internal(message: impl ToString) -> CommandError {
    CommandError { kind: ErrorKind::Internal, message: message.to_string() }
}

/// Invokes `cmd` with `args` and decodes its answer or its [`CommandError`].
pub(crate) async fn call<A: Serialize, R: DeserializeOwned>(
    cmd: &str,
    args: &A,
) -> Result<R, CommandError> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let args = args.serialize(&serializer).map_err(internal)?;
    match tauri_invoke(cmd, args).await {
        Ok(value) => serde_wasm_bindgen::from_value(value).map_err(internal),
        Err(raised) => Err(serde_wasm_bindgen::from_value::<CommandError>(raised.clone())
            .unwrap_or_else(|_| {
                internal(raised.as_string().unwrap_or_else(|| {
                    "the desktop shell did not answer: is Vigil running inside its window?".into()
                }))
            })),
    }
}
