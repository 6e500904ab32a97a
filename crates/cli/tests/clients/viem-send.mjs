// A dapp's script with viem: connect, send a transfer the user approves, then one the user
// refuses. Usage: node viem-send.mjs PROVIDER_URL RECIPIENT. Prints one JSON object.
import { createPublicClient, createWalletClient, http, parseEther, verifyMessage, verifyTypedData } from 'viem';

const [url, to, watched] = process.argv.slice(2);
const out = {};
const publicClient = createPublicClient({ transport: http(url) });
try {
  const wallet = createWalletClient({ transport: http(url) });
  const [account] = await wallet.requestAddresses();
  out.account = account;
  const chainId = await publicClient.getChainId();
  const chain = { id: chainId, name: 'vigil', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [url] } } };
  const signer = createWalletClient({ account, chain, transport: http(url) });
  out.hash = await signer.sendTransaction({ to, value: parseEther('0.25') });
  const receipt = await publicClient.waitForTransactionReceipt({ hash: out.hash, timeout: 20_000 });
  out.status = receipt.status;
  try {
    await signer.sendTransaction({ to, value: parseEther('0.5') });
    out.refused = null;
  } catch (e) {
    let cause = e;
    while (cause && cause.code === undefined && cause.cause) cause = cause.cause;
    out.refused = { code: cause?.code, message: e.shortMessage ?? e.message };
  }
  // A message, then an EIP-712 permit; both must recover to the account.
  const message = 'Sign in to the Vigil test dapp';
  const signature = await signer.signMessage({ message });
  out.messageRecovers = await verifyMessage({ address: account, message, signature });
  const typed = {
    domain: { name: 'Test Token', version: '1', chainId, verifyingContract: to },
    types: { Permit: [
      { name: 'owner', type: 'address' }, { name: 'spender', type: 'address' },
      { name: 'value', type: 'uint256' }, { name: 'nonce', type: 'uint256' }, { name: 'deadline', type: 'uint256' } ] },
    primaryType: 'Permit',
    message: { owner: account, spender: to, value: 1000n, nonce: 0n, deadline: 1900000000n },
  };
  const typedSignature = await signer.signTypedData(typed);
  out.typedRecovers = await verifyTypedData({ address: account, signature: typedSignature, ...typed });
  // A token the network does not list, which the user adds.
  out.watched = await signer.watchAsset({ type: 'ERC20', options: { address: watched, symbol: 'aWETH', decimals: 18 } });
} catch (e) {
  out.error = { name: e.name, message: e.shortMessage ?? e.message, details: e.details };
}
console.log(JSON.stringify(out));
