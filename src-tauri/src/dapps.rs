//! Vigil as the wallet of every dapp and tool on this computer, in the window: the provider
//! (`vigil-provider`, over the same core as the commands) serves 127.0.0.1 on the port in the
//! preferences from the moment the app starts; each request that needs the user is shown in
//! the window (a transaction in the same preview panel as the app's own actions) and waits for
//! the answer the window sends back with `answer_dapp`.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::oneshot;
use vigil_api::{
    CommandError, DappAnswer, DappAsk, DappRequest, ProviderStatus, TxProgress, events,
};
use vigil_provider::{
    Bound, Caller, Provider,
    wallet::{Answer, Ask, Prompt, message_text, wallet_provider},
};
use vigil_signer::vault::OsKeychain;
use vigil_wallet::app::AppService;

use crate::{commands::AppState, view};

/// How long a request waits for the user before it is refused (the dapp hears 4001).
const ANSWER_WITHIN: Duration = Duration::from_secs(600);

/// The provider as the shell runs it, and the requests waiting for the user.
#[derive(Default)]
pub(crate) struct Dapps {
    provider: Mutex<Option<Arc<Provider>>>,
    url: Mutex<Option<String>>,
    problem: Mutex<Option<String>>,
    waiting: Mutex<HashMap<u64, (DappRequest, oneshot::Sender<DappAnswer>)>>,
    next: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere leaves plain data behind, still whole.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Dapps {
    /// The user's answer to request `answer.id`; false when it is no longer waiting.
    pub(crate) fn answer(&self, answer: DappAnswer) -> bool {
        match lock(&self.waiting).remove(&answer.id) {
            Some((_, reply)) => reply.send(answer).is_ok(),
            None => false,
        }
    }

    /// Where dapps reach Vigil, who is connected, and what waits for the user.
    pub(crate) fn status(
        &self,
        service: &AppService<OsKeychain>,
    ) -> Result<ProviderStatus, CommandError> {
        let mut waiting: Vec<DappRequest> =
            lock(&self.waiting).values().map(|(r, _)| r.clone()).collect();
        waiting.sort_by_key(|r| r.id);
        Ok(ProviderStatus {
            url: lock(&self.url).clone(),
            problem: lock(&self.problem).clone(),
            connections: service.dapp_connections()?,
            waiting,
        })
    }

    /// Disconnects `caller` (its pages hear `accountsChanged []`).
    pub(crate) fn revoke(&self, caller: &str) -> bool {
        lock(&self.provider).clone().is_some_and(|p| p.revoke(caller))
    }

    /// The user picked another network: dapps that follow the selection hear it.
    pub(crate) fn selection_changed(&self, chain_id: Option<u64>) {
        if let (Some(p), Some(id)) = (lock(&self.provider).clone(), chain_id) {
            p.selection_changed(id);
        }
    }
}

/// Starts the provider on the preferences' port (0: off), in the background.
pub(crate) fn start(app: &AppHandle) {
    let (Some(state), Some(dapps)) = (app.try_state::<AppState>(), app.try_state::<Dapps>()) else {
        return;
    };
    let service = state.service.clone();
    let port = match service.wallet().config() {
        Ok(config) => config.preferences.provider_port,
        Err(e) => {
            *lock(&dapps.problem) = Some(format!("the preferences could not be read: {e}"));
            return;
        }
    };
    if port == 0 {
        *lock(&dapps.problem) = Some("off: provider_port is 0 in the preferences".to_owned());
        return;
    }
    let prompt = Arc::new(WindowPrompt { app: app.clone() });
    let provider = Arc::new(wallet_provider(service, prompt, None));
    *lock(&dapps.provider) = Some(provider.clone());
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let Some(dapps) = app.try_state::<Dapps>() else { return };
        match Bound::bind(provider, port).await {
            Ok(bound) => {
                *lock(&dapps.url) = Some(format!("http://{}", bound.addr()));
                if let Err(e) = bound.serve(std::future::pending()).await {
                    *lock(&dapps.problem) = Some(format!("the provider stopped: {e}"));
                    *lock(&dapps.url) = None;
                }
            }
            // Another wallet (or another Vigil) has the port: the app runs without it.
            Err(e) => *lock(&dapps.problem) = Some(e.to_string()),
        }
    });
}

/// Asks in the window: the request is shown (the window brought forward), and the answer comes
/// back through `answer_dapp`.
struct WindowPrompt {
    app: AppHandle,
}

#[async_trait::async_trait]
impl Prompt for WindowPrompt {
    async fn ask(&self, caller: &Caller, network: &str, ask: Ask) -> Answer {
        let Some(dapps) = self.app.try_state::<Dapps>() else { return Answer::default() };
        let id = dapps.next.fetch_add(1, Ordering::Relaxed) + 1;
        let request = DappRequest {
            id,
            caller: caller.to_string(),
            network: network.to_owned(),
            ask: asked(ask),
        };
        let (reply, answer) = oneshot::channel();
        lock(&dapps.waiting).insert(id, (request.clone(), reply));
        if let Some(window) = self.app.get_webview_window("main") {
            let _ = window.show();
            let _ = window.set_focus();
        }
        let _ = self.app.emit(events::DAPP_REQUEST, &request);
        let answer = tokio::time::timeout(ANSWER_WITHIN, answer).await;
        lock(&dapps.waiting).remove(&id);
        match answer {
            Ok(Ok(a)) => Answer {
                approve: a.approve,
                accounts: a.accounts.iter().filter_map(|s| s.parse().ok()).collect(),
                accept_risk: a.accept_risk,
            },
            // Unanswered in time, or the window went away: no.
            _ => Answer::default(),
        }
    }

    fn progress(&self, progress: &TxProgress) {
        let _ = self.app.emit(events::TX_PROGRESS, progress);
    }
}

/// What the window shows of a request.
fn asked(ask: Ask) -> DappAsk {
    match ask {
        Ask::Connect { accounts } => {
            DappAsk::Connect { accounts: accounts.iter().map(|a| a.to_checksum(None)).collect() }
        }
        Ask::Transaction { preview } => DappAsk::Transaction { preview: view::preview(*preview) },
        Ask::Message { account, message } => {
            DappAsk::Message { account: account.to_checksum(None), text: message_text(&message) }
        }
        Ask::TypedData { account, view: typed, findings } => {
            let needs_override = findings
                .iter()
                .any(|f| f.severity == vigil_defi_adapters::preview::Severity::Danger);
            DappAsk::TypedData {
                account: account.to_checksum(None),
                primary_type: typed.primary_type,
                domain: typed.domain,
                fields: typed.fields,
                summary: typed.summary,
                findings: findings.into_iter().map(view::finding).collect(),
                needs_override,
            }
        }
        Ask::AddChain { proposal } => DappAsk::AddChain {
            chain_id: proposal.chain_id,
            name: proposal.name,
            rpc_url: proposal.rpc_urls.first().map(|u| u.to_string()).unwrap_or_default(),
            symbol: proposal.native_symbol,
            explorer: proposal.explorer.map(|u| u.to_string()),
        },
        Ask::Relay => DappAsk::Relay,
        Ask::WatchAsset { token, symbol } => {
            DappAsk::WatchAsset { token: token.to_checksum(None), symbol }
        }
    }
}
