// The bridge between the page (inpage.js) and the extension's service worker: messages the
// page posts to itself for Vigil go to the worker, and the worker's answers and events back.
// The worker learns the page's origin from the browser, not from anything the page sends.
let port = null;

function connect() {
  port = chrome.runtime.connect({ name: 'vigil' });
  port.onMessage.addListener((message) => {
    window.postMessage({ target: 'vigil-inpage', message }, window.location.origin);
  });
  port.onDisconnect.addListener(() => {
    port = null;
    window.postMessage({ target: 'vigil-inpage', message: { event: 'disconnected' } }, window.location.origin);
  });
}

window.addEventListener('message', (event) => {
  if (event.source !== window || event.data?.target !== 'vigil-content') return;
  if (!port) connect();
  port.postMessage(event.data.message);
});
