// Compiles the Solidity the devnet deploys from source (the current Aave, whose npm package ships
// no bytecode; Permit2, which Uniswap's packages ship only as source; and Vigil's own devnet
// price feed) with npm's solc (the compiler as WebAssembly: no download, same bytes everywhere),
// once, each with the compiler and settings its project builds with. The artifacts are cached outside the checkout under
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
const PERMIT2 = '@uniswap/v4-periphery/lib/permit2';
// Each contract the devnet deploys, by source file; the libraries they link come with them.
const aaveEntries = [
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
  'vigil/DevnetV4Mover.sol',
];
// Import prefixes as each project's build maps them. aave-v3-origin's v3.6.0 tag builds with
// OpenZeppelin 5.1.0 (through its lib/ submodules), installed here under an npm alias beside
// Uniswap's 3.4; OpenZeppelin's npm package has no `contracts/` folder inside. Permit2 imports
// solmate from its own lib/.
const remappings = [
  ['openzeppelin-contracts/contracts/', '@openzeppelin/contracts-v5/'],
  ['solmate/', `${PERMIT2}/lib/solmate/`],
  ['vigil/', null],
];
const outputSelection = {
  '*': { '*': ['abi', 'evm.bytecode.object', 'evm.bytecode.linkReferences'] },
};
// Each project's own compiler and settings (its foundry.toml): aave-v3-origin with solc 0.8.27,
// optimizer 200 runs, Shanghai; Permit2 with solc 0.8.17 (its exact pragma), via IR, a million
// runs. Neither hashes metadata into the code.
const jobs = [
  {
    solc: 'solc',
    entries: aaveEntries,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: 'shanghai',
      metadata: { bytecodeHash: 'none' },
      outputSelection,
    },
  },
  {
    solc: 'solc-0.8.17',
    entries: [`${PERMIT2}/src/Permit2.sol`],
    settings: {
      optimizer: { enabled: true, runs: 1000000 },
      viaIR: true,
      metadata: { bytecodeHash: 'none' },
      outputSelection,
    },
  },
];

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
  const staging = `${cached}.partial-${process.pid}`;
  fs.mkdirSync(staging, { recursive: true });
  let written = 0;
  const started = Date.now();
  for (const job of jobs) {
    const solc = require(job.solc);
    const sources = Object.fromEntries(
      job.entries.map((e) => [e, { content: fs.readFileSync(resolve(e), 'utf8') }]),
    );
    console.error(`compile-contracts: compiling ${job.entries.length} of the devnet's sources with solc ${solc.version()} (once)`);
    const input = { language: 'Solidity', sources, settings: job.settings };
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
    // What the devnet deploys: the contracts of the entry files and the libraries they link.
    const wanted = new Set(job.entries);
    for (const contracts of Object.values(output.contracts)) {
      for (const c of Object.values(contracts)) {
        for (const source of Object.keys(c.evm.bytecode.linkReferences || {})) wanted.add(source);
      }
    }
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
  }
  fs.writeFileSync(path.join(staging, 'KEY'), key);
  fs.rmSync(cached, { recursive: true, force: true });
  fs.renameSync(staging, cached);
  console.error(`compile-contracts: ${written} contracts in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
fs.rmSync(out, { recursive: true, force: true });
fs.cpSync(cached, out, { recursive: true });
