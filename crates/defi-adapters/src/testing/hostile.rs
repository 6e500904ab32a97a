//! A hostile node: a loopback JSON-RPC proxy in front of a real one (anvil, a Solana
//! validator) that rewrites the answers to the methods it is told to, and lets every other
//! request through. What a lying, broken or intercepted RPC endpoint can do to Vigil, done on
//! purpose.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use serde_json::Value;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};
use url::Url;

/// The most a request body may be: more is no JSON-RPC request of Vigil's.
const MAX_BODY: usize = 16 << 20;

/// What the hostile node does to the answers of one method.
#[derive(Clone)]
pub enum Fault {
    /// Replaces the real node's `result` with what the function makes of it.
    Rewrite(Arc<dyn Fn(Value) -> Value + Send + Sync>),
    /// Answers with a JSON-RPC error instead.
    Error(i64, String),
    /// Answers with a body that is not JSON.
    Garbage,
    /// Answers with the first half of the real node's body.
    Truncated,
    /// Answers as the real node does, after a delay.
    Slow(Duration),
    /// Never passes the request on, and answers what the function makes of the request's
    /// params as if it had (a node that withholds a transaction it says it broadcast).
    Withhold(Arc<dyn Fn(&Value) -> Value + Send + Sync>),
    /// Passes the request on, and answers with a JSON-RPC error anyway (a node that
    /// broadcasts a transaction and says it did not).
    ForwardThenError(i64, String),
}

impl Fault {
    /// [`Fault::Rewrite`] with `f`.
    pub fn rewrite(f: impl Fn(Value) -> Value + Send + Sync + 'static) -> Self {
        Self::Rewrite(Arc::new(f))
    }

    /// [`Fault::Withhold`] of a Solana `sendTransaction`: answers the transaction's own
    /// signature, as a node that broadcast it would, and passes nothing on.
    pub fn withhold_solana_transaction() -> Self {
        Self::Withhold(Arc::new(|params: &Value| {
            let signature = params[0]
                .as_str()
                .and_then(base64_decode)
                // A transaction starts with its signature count (one byte here) and the first.
                .and_then(|tx| solana_signature::Signature::try_from(tx.get(1..65)?).ok())
                .map(|s| s.to_string())
                .unwrap_or_default();
            Value::String(signature)
        }))
    }
}

/// Standard base64, as Solana's RPC encodes transactions; `None` for anything else.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c)? << (18 - 6 * i);
        }
        let take = chunk.len().checked_sub(1)?;
        out.extend_from_slice(&n.to_be_bytes()[1..1 + take]);
    }
    Some(out)
}

impl std::fmt::Debug for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Rewrite(_) => f.write_str("Rewrite"),
            Self::Error(code, m) => write!(f, "Error({code}, {m})"),
            Self::Garbage => f.write_str("Garbage"),
            Self::Truncated => f.write_str("Truncated"),
            Self::Slow(d) => write!(f, "Slow({d:?})"),
            Self::Withhold(_) => f.write_str("Withhold"),
            Self::ForwardThenError(code, m) => write!(f, "ForwardThenError({code}, {m})"),
        }
    }
}

#[derive(Default)]
struct State {
    /// Each method's fault, and how many more requests it applies to (`None`: all).
    faults: HashMap<String, (Fault, Option<usize>)>,
    /// Every request passed on or withheld: (method, params).
    seen: Vec<(String, Value)>,
}

/// The proxy. It stops when dropped.
pub struct HostileNode {
    url: Url,
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for HostileNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostileNode").field("url", &self.url.as_str()).finish()
    }
}

impl Drop for HostileNode {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    // Entries are replaced whole: the state is valid after a panic elsewhere.
    state.lock().unwrap_or_else(|p| p.into_inner())
}

impl HostileNode {
    /// A proxy on 127.0.0.1 in front of `upstream`, honest until told otherwise.
    pub async fn start(upstream: Url) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = Url::parse(&format!("http://{}", listener.local_addr()?))
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let state = Arc::new(Mutex::new(State::default()));
        let http = reqwest::Client::new();
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (http, upstream, state) = (http.clone(), upstream.clone(), shared.clone());
                tokio::spawn(async move {
                    // A client that hung up or sent no request: nothing to answer.
                    let _ = serve(socket, &http, &upstream, &state).await;
                });
            }
        });
        Ok(Self { url, state, task })
    }

    /// Where to point a client.
    pub fn url(&self) -> Url {
        self.url.clone()
    }

    /// From now on, `fault` for every request of `method`.
    pub fn set(&self, method: &str, fault: Fault) {
        lock(&self.state).faults.insert(method.to_owned(), (fault, None));
    }

    /// `fault` for the next `times` requests of `method`, then honest again.
    pub fn set_times(&self, method: &str, fault: Fault, times: usize) {
        lock(&self.state).faults.insert(method.to_owned(), (fault, Some(times)));
    }

    /// Honest again for `method`.
    pub fn clear(&self, method: &str) {
        lock(&self.state).faults.remove(method);
    }

    /// The params of every request of `method` so far.
    pub fn calls(&self, method: &str) -> Vec<Value> {
        lock(&self.state).seen.iter().filter(|(m, _)| m == method).map(|(_, p)| p.clone()).collect()
    }
}

/// Reads one HTTP request's body.
async fn read_body(socket: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
            if buf.len() > MAX_BODY {
                return Err(std::io::ErrorKind::InvalidData.into());
            }
            continue;
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        if len > MAX_BODY {
            return Err(std::io::ErrorKind::InvalidData.into());
        }
        if buf.len() >= end + 4 + len {
            return Ok(buf[end + 4..end + 4 + len].to_vec());
        }
    }
}

async fn serve(
    mut socket: TcpStream,
    http: &reqwest::Client,
    upstream: &Url,
    state: &Mutex<State>,
) -> std::io::Result<()> {
    let body = read_body(&mut socket).await?;
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    // One request or a batch, each with the fault for its method.
    let single = !request.is_array();
    let requests: Vec<Value> = match request {
        Value::Array(batch) => batch,
        other => vec![other],
    };
    let faults: Vec<Option<Fault>> = {
        let mut s = lock(state);
        let mut faults = Vec::with_capacity(requests.len());
        for r in &requests {
            let method = r["method"].as_str().unwrap_or_default().to_owned();
            s.seen.push((method.clone(), r["params"].clone()));
            let fault = match s.faults.get_mut(&method) {
                Some((fault, None)) => Some(fault.clone()),
                Some((fault, Some(left))) if *left > 0 => {
                    *left -= 1;
                    Some(fault.clone())
                }
                _ => None,
            };
            faults.push(fault);
        }
        faults
    };
    for f in faults.iter().flatten() {
        if let Fault::Slow(d) = f {
            tokio::time::sleep(*d).await;
        }
    }
    let answer = if faults.iter().flatten().any(|f| matches!(f, Fault::Garbage)) {
        "<html>502 Bad Gateway</html>".to_owned()
    } else {
        // Withheld requests never reach the real node.
        let passed: Vec<Value> = requests
            .iter()
            .zip(&faults)
            .filter(|(_, f)| !matches!(f, Some(Fault::Withhold(_))))
            .map(|(r, _)| r.clone())
            .collect();
        let mut answers: HashMap<String, Value> = HashMap::new();
        if !passed.is_empty() {
            let text = http
                .post(upstream.clone())
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&passed).map_err(std::io::Error::other)?)
                .send()
                .await
                .map_err(std::io::Error::other)?
                .text()
                .await
                .map_err(std::io::Error::other)?;
            if let Ok(Value::Array(all)) = serde_json::from_str::<Value>(&text) {
                for a in all {
                    answers.insert(a["id"].to_string(), a);
                }
            }
        }
        let out: Vec<Value> = requests
            .iter()
            .zip(&faults)
            .map(|(r, f)| {
                let id = r["id"].clone();
                let real = answers.remove(&id.to_string());
                match (f, real) {
                    (Some(Fault::Withhold(result)), _) => {
                        serde_json::json!({"jsonrpc": "2.0", "id": id, "result": result(&r["params"])})
                    }
                    (
                        Some(Fault::Error(code, message) | Fault::ForwardThenError(code, message)),
                        _,
                    ) => serde_json::json!({
                        "jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}
                    }),
                    (Some(Fault::Rewrite(f)), Some(mut a)) if a.get("result").is_some() => {
                        a["result"] = f(a["result"].take());
                        a
                    }
                    (_, Some(a)) => a,
                    (_, None) => serde_json::json!({
                        "jsonrpc": "2.0", "id": id, "error": {"code": -32603, "message": "no answer"}
                    }),
                }
            })
            .collect();
        let value = match (single, out.len()) {
            (true, 1) => out.into_iter().next().unwrap_or(Value::Null),
            _ => Value::Array(out),
        };
        let text = value.to_string();
        if faults.iter().flatten().any(|f| matches!(f, Fault::Truncated)) {
            let mut cut = text.len() / 2;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text[..cut].to_owned()
        } else {
            text
        }
    };
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
        answer.len()
    );
    socket.write_all(response.as_bytes()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_as_the_standard_says() {
        assert_eq!(base64_decode("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(base64_decode("aGk=").as_deref(), Some(&b"hi"[..]));
        assert_eq!(base64_decode("AAEC").as_deref(), Some(&[0u8, 1, 2][..]));
        assert_eq!(base64_decode("a$=="), None);
    }
}
