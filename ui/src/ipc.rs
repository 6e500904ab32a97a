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

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "event"], js_name = listen, catch)]
    async fn tauri_listen(event: &str, handler: &js_sys::Function) -> Result<JsValue, JsValue>;
}

/// Calls `handler` with the payload of every `event` the shell emits, for the life of the
/// window (the closure is leaked on purpose: listeners are registered once, at start).
pub(crate) fn listen<T: DeserializeOwned + 'static>(
    event: &'static str,
    handler: impl Fn(T) + 'static,
) {
    let closure = Closure::<dyn Fn(JsValue)>::new(move |e: JsValue| {
        let payload =
            js_sys::Reflect::get(&e, &JsValue::from_str("payload")).unwrap_or(JsValue::NULL);
        if let Ok(value) = serde_wasm_bindgen::from_value(payload) {
            handler(value);
        }
    });
    let function: js_sys::Function = closure.as_ref().unchecked_ref::<js_sys::Function>().clone();
    closure.forget();
    wasm_bindgen_futures::spawn_local(async move {
        let _ = tauri_listen(event, &function).await;
    });
}
