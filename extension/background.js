// The extension's service worker: one WebSocket to the Vigil app per page, which names the
// page by the origin the browser gives for it (never one the page claims). The app asks the
// user once whether this extension may relay pages, then treats each page as its own caller.
const PROVIDER_PORT = 1248;

chrome.runtime.onConnect.addListener((port) => {
  if (port.name !== 'vigil') return;
  const sender = port.sender ?? {};
  const origin = sender.origin ?? (sender.url ? new URL(sender.url).origin : '');
  if (!/^https?:\/\/[^/]+$/.test(origin)) {
    port.disconnect();
    return;
  }
  const socket = new WebSocket(`ws://127.0.0.1:${PROVIDER_PORT}/?origin=${encodeURIComponent(origin)}`);
  const queued = [];
  const subscriptions = new Map();
  let ready = false;
  const send = (message) => (ready ? socket.send(message) : queued.push(message));
  // The page hears accountsChanged and chainChanged as EIP-1193 events.
  for (const [id, kind] of [['vigil-sub-accounts', 'accountsChanged'], ['vigil-sub-chain', 'chainChanged']]) {
    send(JSON.stringify({ jsonrpc: '2.0', id, method: 'eth_subscribe', params: [kind] }));
    subscriptions.set(id, kind);
  }
  socket.onopen = () => {
    ready = true;
    for (const message of queued.splice(0)) socket.send(message);
  };
  socket.onmessage = (event) => {
    let m;
    try {
      m = JSON.parse(event.data);
    } catch {
      return;
    }
    if (m.method === 'eth_subscription') {
      const kind = subscriptions.get(m.params?.subscription);
      if (kind) port.postMessage({ event: kind, data: m.params.result });
    } else if (subscriptions.has(m.id)) {
      // A subscription's id: notifications carry it from now on.
      if (typeof m.result === 'string') subscriptions.set(m.result, subscriptions.get(m.id));
    } else {
      port.postMessage(m);
    }
  };
  socket.onclose = () => port.disconnect();
  port.onMessage.addListener((m) => {
    send(JSON.stringify({ jsonrpc: '2.0', id: m.id, method: m.method, params: m.params ?? [] }));
  });
  port.onDisconnect.addListener(() => socket.close());
});
