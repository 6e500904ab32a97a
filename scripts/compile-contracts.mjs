// Compiles the Solidity the devnet deploys from source (the current Aave, whose npm package ships
// no bytecode, and Vigil's own devnet price feed) with npm's solc (the compiler as WebAssembly:
// no download, same bytes everywhere), once. The artifacts are cached outside the checkout under
// a key made of this script, the lock file and Vigil's own sources, then copied into
// node_modules/.vigil-contracts, where the devnet reads them like any other package's artifacts.
//
// Usage: node scripts/compile-contracts.mjs   (idempotent; seconds when cached)
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nodeModules = process.env.VIGIL_NODE_MODULES || path.join(repo, 'node_modules');
const out = path.join(nodeModules, '.vigil-contracts');
const cacheRoot = path.join(
  process.env.VIGIL_TOOLS_DIR || path.join(os.homedir(), '.cache/vigil/tools'),
  'contracts',
);

const AAVE = '@aave-dao/aave-v3-origin/src/contracts';
// Each contract the devnet deploys, by source file; the libraries they link come with them.
const entries = [
  `${AAVE}/protocol/configuration/PoolAddressesProvider.sol`,
  `${AAVE}/protocol/configuration/ACLManager.sol`,
  `${AAVE}/instances/PoolInstance.sol`,
  `${AAVE}/instances/PoolConfiguratorInstance.sol`,
  `${AAVE}/instances/ATokenInstance.sol`,
  `${AAVE}/instances/VariableDebtTokenInstance.sol`,
  `${AAVE}/misc/AaveOracle.sol`,
  `${AAVE}/misc/DefaultReserveInterestRateStrategyV2.sol`,
  `${AAVE}/helpers/AaveProtocolDataProvider.sol`,
  `${AAVE}/mocks/tokens/MintableERC20.sol`,
  'vigil/DevnetPriceFeed.sol',
];
// Import prefixes as aave-v3-origin's build maps them. Its v3.6.0 tag builds with OpenZeppelin
// 5.1.0 (through its lib/ submodules), installed here under an npm alias beside Uniswap's 3.4;
// OpenZeppelin's npm package has no `contracts/` folder inside.
const remappings = [
  ['openzeppelin-contracts/contracts/', '@openzeppelin/contracts-v5/'],
  ['vigil/', null],
];
// aave-v3-origin's own settings (foundry.toml): optimizer 200 runs, Shanghai, no metadata hash.
const settings = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'shanghai',
  metadata: { bytecodeHash: 'none' },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.bytecode.linkReferences'] } },
};

function resolve(name) {
  for (const [prefix, target] of remappings) {
    if (name.startsWith(prefix)) {
      return target === null
        ? path.join(repo, 'contracts', name.slice(prefix.length))
        : path.join(nodeModules, target, name.slice(prefix.length));
    }
  }
  return path.join(nodeModules, name);
}

function cacheKey() {
  const hash = createHash('sha256');
  hash.update(fs.readFileSync(fileURLToPath(import.meta.url)));
  hash.update(fs.readFileSync(path.join(repo, 'package-lock.json')));
  for (const file of fs.readdirSync(path.join(repo, 'contracts')).sort()) {
    hash.update(file);
    hash.update(fs.readFileSync(path.join(repo, 'contracts', file)));
  }
  return hash.digest('hex').slice(0, 16);
}

const key = cacheKey();
const stamp = path.join(out, 'KEY');
if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === key) process.exit(0);

const cached = path.join(cacheRoot, key);
if (!fs.existsSync(path.join(cached, 'KEY'))) {
  const require = createRequire(path.join(nodeModules, 'noop.js'));
  const solc = require('solc');
  const sources = Object.fromEntries(
    entries.map((e) => [e, { content: fs.readFileSync(resolve(e), 'utf8') }]),
  );
  console.error(`compile-contracts: compiling the devnet's contracts with solc ${solc.version()} (once; seconds)`);
  const started = Date.now();
  const input = { language: 'Solidity', sources, settings };
  const output = JSON.parse(
    solc.compile(JSON.stringify(input), {
      import: (name) => {
        try {
          return { contents: fs.readFileSync(resolve(name), 'utf8') };
        } catch (e) {
          return { error: `${name}: ${e.message}` };
        }
      },
    }),
  );
  const errors = (output.errors || []).filter((e) => e.severity === 'error');
  if (errors.length > 0) {
    for (const e of errors) console.error(e.formattedMessage);
    process.exit(1);
  }
  const staging = `${cached}.partial-${process.pid}`;
  fs.mkdirSync(staging, { recursive: true });
  // What the devnet deploys: the contracts of the entry files and the libraries they link.
  const wanted = new Set(entries);
  for (const contracts of Object.values(output.contracts)) {
    for (const c of Object.values(contracts)) {
      for (const source of Object.keys(c.evm.bytecode.linkReferences || {})) wanted.add(source);
    }
  }
  let written = 0;
  for (const [sourceName, contracts] of Object.entries(output.contracts)) {
    if (!wanted.has(sourceName)) continue;
    for (const [contractName, c] of Object.entries(contracts)) {
      if (!c.evm.bytecode.object) continue; // interfaces and abstract contracts
      const file = path.join(staging, `${contractName}.json`);
      if (fs.existsSync(file)) throw new Error(`two contracts named ${contractName}`);
      const artifact = {
        contractName,
        sourceName,
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        linkReferences: c.evm.bytecode.linkReferences,
      };
      fs.writeFileSync(file, JSON.stringify(artifact));
      written += 1;
    }
  }
  fs.writeFileSync(path.join(staging, 'KEY'), key);
  fs.rmSync(cached, { recursive: true, force: true });
  fs.renameSync(staging, cached);
  console.error(`compile-contracts: ${written} contracts in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
fs.rmSync(out, { recursive: true, force: true });
fs.cpSync(cached, out, { recursive: true });
