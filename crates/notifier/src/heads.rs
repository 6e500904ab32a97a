//! New blocks as they come: a WebSocket `newHeads` subscription when the network has one, and
//! otherwise (or while it is down) a prompt to poll over HTTP. The subscription is retried on a
//! timer, so a restarted node is picked up again without restarting the monitor.

use std::{
    pin::Pin,
    time::{Duration, Instant},
};

use alloy::providers::{DynProvider, Provider, ProviderBuilder, WsConnect};
use futures_util::{Stream, StreamExt};
use url::Url;

/// How long a WebSocket connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long to wait before retrying a failed or lost subscription.
const RETRY_AFTER: Duration = Duration::from_secs(2);

/// What [`Heads::next`] saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Head {
    /// A new block, from the subscription.
    New(u64),
    /// No block within the poll interval (no subscription, or a quiet chain): poll the latest.
    Poll,
}

type HeadStream = Pin<Box<dyn Stream<Item = u64> + Send>>;

/// The block source of one network.
pub(crate) struct Heads {
    ws_url: Option<Url>,
    /// The chain the endpoint must serve (a WebSocket URL of another chain is refused, as
    /// RPC URLs are).
    chain_id: u64,
    poll_interval: Duration,
    subscription: Option<(DynProvider, HeadStream)>,
    retry_at: Instant,
    /// Whether the current outage was logged (once per outage, not once per retry).
    warned: bool,
}

impl Heads {
    pub(crate) fn new(ws_url: Option<Url>, chain_id: u64, poll_interval: Duration) -> Self {
        Self {
            ws_url,
            chain_id,
            poll_interval,
            subscription: None,
            retry_at: Instant::now(),
            warned: false,
        }
    }

    /// Whether blocks come over a live subscription now.
    pub(crate) fn subscribed(&self) -> bool {
        self.subscription.is_some()
    }

    /// The next head, or [`Head::Poll`] after at most the poll interval. Cancel-safe.
    pub(crate) async fn next(&mut self) -> Head {
        if self.subscription.is_none()
            && Instant::now() >= self.retry_at
            && let Some(url) = self.ws_url.clone()
        {
            match tokio::time::timeout(CONNECT_TIMEOUT, subscribe(&url, self.chain_id)).await {
                Ok(Ok(s)) => {
                    tracing::info!("subscribed to new blocks over WebSocket");
                    self.subscription = Some(s);
                    self.warned = false;
                }
                Ok(Err(e)) => self.lost(&format!("cannot subscribe to new blocks: {e}")),
                Err(_) => self.lost("the WebSocket endpoint did not answer in time"),
            }
        }
        let Some((_, stream)) = &mut self.subscription else {
            tokio::time::sleep(self.poll_interval).await;
            return Head::Poll;
        };
        match tokio::time::timeout(self.poll_interval, stream.next()).await {
            Ok(Some(number)) => Head::New(number),
            Ok(None) => {
                self.lost("the new-block subscription ended");
                Head::Poll
            }
            Err(_) => Head::Poll,
        }
    }

    fn lost(&mut self, why: &str) {
        self.subscription = None;
        if !self.warned {
            tracing::warn!("{why}; polling over HTTP until it is back");
            self.warned = true;
        }
        self.retry_at = Instant::now() + RETRY_AFTER;
    }
}

async fn subscribe(url: &Url, chain_id: u64) -> Result<(DynProvider, HeadStream), String> {
    // No retries inside alloy: a lost connection ends the stream, and `Heads` takes over
    // (polling at once, re-subscribing on its timer) so nothing waits on hidden back-offs.
    let connect = WsConnect::new(url.as_str()).with_max_retries(0);
    let provider = ProviderBuilder::new()
        .disable_recommended_fillers()
        .connect_ws(connect)
        .await
        .map_err(|e| e.to_string())?
        .erased();
    let served = provider.get_chain_id().await.map_err(|e| e.to_string())?;
    if served != chain_id {
        return Err(format!("{url} serves chain {served}, not {chain_id}"));
    }
    let subscription = provider.subscribe_blocks().await.map_err(|e| e.to_string())?;
    let stream = subscription.into_stream().map(|header| header.number);
    Ok((provider, Box::pin(stream)))
}

#[cfg(test)]
mod tests {
    // Test helpers panic on failure by design.
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use alloy::providers::ext::AnvilApi;

    use super::*;

    /// Heads until a new block arrives over the subscription, or `None` after a few polls.
    async fn first_new(heads: &mut Heads) -> Option<u64> {
        for _ in 0..8 {
            if let Head::New(n) = heads.next().await {
                return Some(n);
            }
        }
        None
    }

    #[tokio::test]
    async fn a_websocket_of_another_chain_is_refused_and_blocks_are_polled() {
        // Unit tests have no CARGO_TARGET_TMPDIR: the same directory, found from this binary
        // (<target>/debug/deps/…), so the devnet snapshot the integration tests made is reused.
        let exe = std::env::current_exe().unwrap();
        let dir = exe.ancestors().nth(3).unwrap().join("tmp");
        let (devnet, network, _) = vigil_defi_adapters::testing::devnet(&dir).await.unwrap();
        let poll = Duration::from_millis(200);
        let mine = || async { devnet.provider().anvil_mine(Some(1), None).await.unwrap() };

        let mut wrong = Heads::new(network.ws_url.clone(), network.chain_id + 1, poll);
        assert_eq!(wrong.next().await, Head::Poll);
        mine().await;
        assert_eq!(first_new(&mut wrong).await, None, "no block from the wrong chain");
        assert!(!wrong.subscribed());

        let mut right = Heads::new(network.ws_url.clone(), network.chain_id, poll);
        assert_eq!(right.next().await, Head::Poll, "subscribed, no block yet");
        assert!(right.subscribed());
        mine().await;
        assert!(first_new(&mut right).await.is_some());
    }
}
