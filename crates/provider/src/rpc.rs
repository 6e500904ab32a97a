//! JSON-RPC 2.0 as dapps speak it (EIP-1193 and EIP-1474): requests, single or batched,
//! and errors with the codes wallets and their client libraries recognise.

use serde::Serialize;
use serde_json::{Value, json};

/// A JSON-RPC error, with an EIP-1193 or JSON-RPC code.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RpcError {
    /// The code (4001, 4100, -32601…).
    pub code: i64,
    /// What happened, for the user and the developer.
    pub message: String,
    /// Extra data (a revert's data, forwarded from the node).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl RpcError {
    /// The user refused in Vigil. ethers v6 recognises a rejection by "User denied" alone.
    pub const USER_REJECTED: i64 = 4001;
    /// The origin has no permission for this account or method.
    pub const UNAUTHORIZED: i64 = 4100;
    /// A method Vigil does not provide.
    pub const UNSUPPORTED_METHOD: i64 = 4200;
    /// The caller's chain is not the one the request is for.
    pub const CHAIN_DISCONNECTED: i64 = 4901;
    /// A chain the wallet does not have (`wallet_switchEthereumChain`: add it first).
    pub const UNRECOGNIZED_CHAIN: i64 = 4902;
    /// EIP-5792: a capability the wallet does not support.
    pub const UNSUPPORTED_CAPABILITY: i64 = 5700;
    /// EIP-5792: calls for another chain than the caller's.
    pub const UNSUPPORTED_CHAIN: i64 = 5710;
    /// EIP-5792: a bundle id already used.
    pub const DUPLICATE_ID: i64 = 5720;
    /// EIP-5792: no bundle with this id.
    pub const UNKNOWN_BUNDLE: i64 = 5730;
    /// EIP-5792: more calls than the wallet takes at once.
    pub const BUNDLE_TOO_LARGE: i64 = 5740;
    /// EIP-5792: atomic execution asked of an account that cannot do it.
    pub const ATOMICITY_NOT_SUPPORTED: i64 = 5760;
    /// Not valid JSON.
    pub const PARSE_ERROR: i64 = -32700;
    /// Not a JSON-RPC request.
    pub const INVALID_REQUEST: i64 = -32600;
    /// Bad parameters.
    pub const INVALID_PARAMS: i64 = -32602;
    /// Vigil or the node failed.
    pub const INTERNAL: i64 = -32603;

    /// An error with this code and message.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), data: None }
    }

    /// 4001: the user said no.
    pub fn rejected(what: &str) -> Self {
        Self::new(Self::USER_REJECTED, format!("User denied {what} in Vigil"))
    }

    /// 4100: the origin is not connected.
    pub fn unauthorized(origin: &str) -> Self {
        Self::new(
            Self::UNAUTHORIZED,
            format!("{origin} is not connected to Vigil: call eth_requestAccounts first"),
        )
    }

    /// -32602 with what is wrong.
    pub fn invalid_params(why: impl Into<String>) -> Self {
        Self::new(Self::INVALID_PARAMS, why)
    }
}

/// One request of a call (a single object, or an element of a batch).
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Its id (`None`: a notification, which gets no response).
    pub id: Option<Value>,
    /// The method.
    pub method: String,
    /// The parameters (an array or an object; `null` when absent).
    pub params: Value,
}

/// What a body held: one request, a batch, or something that is not JSON-RPC (answered with
/// the error alone).
#[derive(Debug)]
pub enum Call {
    /// One request.
    Single(Result<Request, (Value, RpcError)>),
    /// A batch, in order.
    Batch(Vec<Result<Request, (Value, RpcError)>>),
    /// Not JSON, or an empty batch.
    Invalid(RpcError),
}

/// Parses a body: a request object or a non-empty array of them.
pub fn parse(body: &[u8]) -> Call {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Call::Invalid(RpcError::new(RpcError::PARSE_ERROR, format!("not JSON: {e}")));
        }
    };
    match value {
        Value::Array(items) if items.is_empty() => {
            Call::Invalid(RpcError::new(RpcError::INVALID_REQUEST, "an empty batch"))
        }
        Value::Array(items) => Call::Batch(items.into_iter().map(request).collect()),
        other => Call::Single(request(other)),
    }
}

/// One request object, or why it is not one (with the id to answer with).
fn request(value: Value) -> Result<Request, (Value, RpcError)> {
    let id = value.get("id").cloned();
    let invalid = |why: &str| {
        (id.clone().unwrap_or(Value::Null), RpcError::new(RpcError::INVALID_REQUEST, why))
    };
    let Value::Object(mut fields) = value else {
        return Err(invalid("a request must be a JSON object"));
    };
    if fields.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(invalid("\"jsonrpc\" must be \"2.0\""));
    }
    let Some(Value::String(method)) = fields.remove("method") else {
        return Err(invalid("\"method\" must be a string"));
    };
    let params = fields.remove("params").unwrap_or(Value::Null);
    if !matches!(params, Value::Array(_) | Value::Object(_) | Value::Null) {
        return Err(invalid("\"params\" must be an array or an object"));
    }
    Ok(Request { id: fields.remove("id"), method, params })
}

/// A response to `id`.
pub fn response(id: Value, result: Result<Value, RpcError>) -> Value {
    match result {
        Ok(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
        Err(error) => json!({ "jsonrpc": "2.0", "id": id, "error": error }),
    }
}

/// A notification of a subscription (`eth_subscription`), as WebSocket providers send them.
pub fn notification(subscription: &str, result: Value) -> Value {
    json!({
        "jsonrpc": "2.0",
        "method": "eth_subscription",
        "params": { "subscription": subscription, "result": result },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_batches_and_garbage_are_told_apart() {
        let Call::Single(Ok(r)) = parse(br#"{"jsonrpc":"2.0","id":7,"method":"eth_chainId"}"#)
        else {
            panic!("a request")
        };
        assert_eq!(
            (r.id, r.method.as_str(), r.params),
            (Some(json!(7)), "eth_chainId", Value::Null)
        );
        let Call::Batch(items) = parse(
            br#"[{"jsonrpc":"2.0","id":1,"method":"a","params":[]},{"jsonrpc":"1.0","id":2,"method":"b"}]"#,
        ) else {
            panic!("a batch")
        };
        assert!(items[0].is_ok());
        let (id, e) = items[1].clone().unwrap_err();
        assert_eq!((id, e.code), (json!(2), RpcError::INVALID_REQUEST));
        assert!(matches!(parse(b"{nope"), Call::Invalid(e) if e.code == RpcError::PARSE_ERROR));
        assert!(matches!(parse(b"[]"), Call::Invalid(e) if e.code == RpcError::INVALID_REQUEST));
        let Call::Single(Err((_, e))) =
            parse(br#"{"jsonrpc":"2.0","id":1,"method":"m","params":5}"#)
        else {
            panic!("bad params")
        };
        assert!(e.message.contains("params"), "{e:?}");
    }

    #[test]
    fn a_rejection_reads_as_ethers_and_viem_expect() {
        let e = RpcError::rejected("the connection");
        assert_eq!(e.code, 4001);
        assert!(e.message.starts_with("User denied"));
        let r = response(json!(1), Err(e));
        assert_eq!(r["error"]["code"], 4001);
        assert!(r.get("result").is_none());
    }
}
