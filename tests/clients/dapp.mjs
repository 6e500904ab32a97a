// A dapp's script, with viem then ethers v6, as a page would use them through Vigil: connect,
// switch chain and back, send a transfer, sign a Permit2 allowance (EIP-712). The user
// answers each request in the Vigil app. Usage:
//   node dapp.mjs PROVIDER_URL ORIGIN RECIPIENT OTHER_CHAIN_ID TOKEN SPENDER
// Prints one JSON object.
import { createWalletClient, createPublicClient, defineChain, http, parseEther, verifyTypedData } from 'viem';
import { FetchRequest, JsonRpcProvider, verifyTypedData as ethersVerifyTypedData, parseEther as ethersParseEther } from 'ethers';

const [url, origin, to, otherChain, token, spender] = process.argv.slice(2);
const out = {};
const transport = http(url, { fetchOptions: { headers: { Origin: origin } }, timeout: 120_000 });
const permit = (chainId, account) => {
  const now = Math.floor(Date.now() / 1000);
  return {
    domain: { name: 'Permit2', chainId, verifyingContract: '0x000000000022D473030F116dDEE9F6B43aC78BA3' },
    types: {
      PermitDetails: [
        { name: 'token', type: 'address' }, { name: 'amount', type: 'uint160' },
        { name: 'expiration', type: 'uint48' }, { name: 'nonce', type: 'uint48' } ],
      PermitSingle: [
        { name: 'details', type: 'PermitDetails' }, { name: 'spender', type: 'address' },
        { name: 'sigDeadline', type: 'uint256' } ],
    },
    primaryType: 'PermitSingle',
    message: {
      details: { token, amount: 1000000000n, expiration: BigInt(now + 30 * 86400), nonce: 0n },
      spender, sigDeadline: BigInt(now + 3600),
    },
    account,
  };
};
const step = (name) => process.stderr.write(`${Date.now()} ${name}\n`);
try {
  // viem
  const wallet = createWalletClient({ transport });
  step('viem requestAddresses');
  const [account] = await wallet.requestAddresses();
  out.account = account;
  const chainId = await wallet.getChainId();
  out.chainId = chainId;
  await wallet.switchChain({ id: Number(otherChain) });
  out.switched = await wallet.getChainId();
  await wallet.switchChain({ id: chainId });
  out.back = await wallet.getChainId();
  const chain = defineChain({ id: chainId, name: 'devnet', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [url] } } });
  const signer = createWalletClient({ account, chain, transport });
  const reader = createPublicClient({ chain, transport });
  step('viem sendTransaction');
  out.viemHash = await signer.sendTransaction({ to, value: parseEther('0.1') });
  out.viemStatus = (await reader.waitForTransactionReceipt({ hash: out.viemHash, timeout: 60_000 })).status;
  const typed = permit(chainId, account);
  step('viem signTypedData');
  const signature = await signer.signTypedData(typed);
  out.viemTypedRecovers = await verifyTypedData({ address: account, signature, ...typed });

  // ethers v6
  const request = new FetchRequest(url);
  request.setHeader('Origin', origin);
  request.timeout = 120_000;
  const provider = new JsonRpcProvider(request, chainId, { staticNetwork: true });
  const accounts = await provider.send('eth_requestAccounts', []);
  out.ethersAccount = accounts[0];
  const ethersSigner = await provider.getSigner(accounts[0]);
  step('ethers sendTransaction');
  const tx = await ethersSigner.sendTransaction({ to, value: ethersParseEther('0.05') });
  out.ethersHash = tx.hash;
  out.ethersStatus = (await tx.wait(1, 60_000)).status;
  const { domain, types, message } = permit(chainId, account);
  step('ethers signTypedData');
  const ethersSignature = await ethersSigner.signTypedData(domain, { PermitDetails: types.PermitDetails, PermitSingle: types.PermitSingle }, message);
  out.ethersTypedRecovers = ethersVerifyTypedData(domain, { PermitDetails: types.PermitDetails, PermitSingle: types.PermitSingle }, message, ethersSignature) === account;
  provider.destroy();
} catch (e) {
  out.error = { name: e.name, message: e.shortMessage ?? e.message, code: e.code, details: e.details };
}
console.log(JSON.stringify(out, (_, v) => (typeof v === 'bigint' ? v.toString() : v)));
