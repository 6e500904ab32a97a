// Vigil's provider in the page (the page's own JavaScript world): announced through EIP-6963,
// and as window.ethereum when no other wallet holds it. It only relays: each request goes to
// content.js, then the extension's service worker, then the Vigil app on this computer, where
// the user approves it. Nothing here holds a key or decides anything.
(() => {
  if (window.vigilEthereum) return;
  const TO_CONTENT = 'vigil-content';
  const FROM_CONTENT = 'vigil-inpage';
  const icon =
    'data:image/svg+xml,' +
    encodeURIComponent(
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#101828"/>' +
        '<path d="M32 10 50 18v14c0 11-8 19-18 22-10-3-18-11-18-22V18z" fill="#4f8cff"/></svg>',
    );
  const info = Object.freeze({ uuid: crypto.randomUUID(), name: 'Vigil', icon, rdns: 'wallet.vigil' });

  let nextId = 1;
  const pending = new Map();
  const listeners = new Map();
  const emit = (event, data) => {
    for (const fn of listeners.get(event) ?? []) {
      try {
        fn(data);
      } catch (e) {
        console.error(e);
      }
    }
  };

  class ProviderRpcError extends Error {
    constructor(code, message, data) {
      super(message);
      this.code = code;
      this.data = data;
    }
  }

  window.addEventListener('message', (event) => {
    if (event.source !== window || event.data?.target !== FROM_CONTENT) return;
    const m = event.data.message;
    if (m.event) {
      if (m.event === 'disconnected') {
        for (const [, { reject }] of pending) reject(new ProviderRpcError(4900, 'Vigil is not running: start the Vigil app'));
        pending.clear();
        emit('disconnect', new ProviderRpcError(4900, 'Vigil is not running'));
      } else {
        emit(m.event, m.data);
      }
      return;
    }
    const waiting = pending.get(m.id);
    if (!waiting) return;
    pending.delete(m.id);
    if (m.error) waiting.reject(new ProviderRpcError(m.error.code, m.error.message, m.error.data));
    else waiting.resolve(m.result);
  });

  const provider = Object.freeze({
    isVigil: true,
    request({ method, params } = {}) {
      if (typeof method !== 'string') return Promise.reject(new ProviderRpcError(-32602, 'request takes { method, params }'));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        window.postMessage({ target: TO_CONTENT, message: { id, method, params: params ?? [] } }, window.location.origin);
      });
    },
    on(event, fn) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event).add(fn);
      return provider;
    },
    removeListener(event, fn) {
      listeners.get(event)?.delete(fn);
      return provider;
    },
  });

  Object.defineProperty(window, 'vigilEthereum', { value: provider });
  const announce = () =>
    window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail: Object.freeze({ info, provider }) }));
  window.addEventListener('eip6963:requestProvider', announce);
  announce();
  // The legacy global, only when no other wallet has claimed it.
  if (window.ethereum === undefined) {
    Object.defineProperty(window, 'ethereum', { value: provider, configurable: true });
  }
})();
