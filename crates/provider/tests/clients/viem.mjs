// viem as a script on this computer uses a wallet: no Origin, so Vigil sees a local program.
// Usage: node viem.mjs URL. Prints one JSON object with what viem got, or the error it threw.
import { createPublicClient, createWalletClient, http } from 'viem';

const url = process.argv[2];
const out = {};
try {
  const publicClient = createPublicClient({ transport: http(url) });
  out.chainId = await publicClient.getChainId();
  out.blockNumber = (await publicClient.getBlockNumber()).toString();
  const wallet = createWalletClient({ transport: http(url) });
  out.accountsBefore = await wallet.getAddresses();
  out.requested = await wallet.requestAddresses();
  out.accountsAfter = await wallet.getAddresses();
} catch (e) {
  out.error = { name: e.name, code: e.code, message: e.shortMessage ?? e.message };
}
console.log(JSON.stringify(out));
