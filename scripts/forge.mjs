#!/usr/bin/env node
// forge for the npm scripts: runs this platform's forge binary (found by src/devnet/foundry.ts) with the given
// arguments, in the current directory, and exits as it does. Without a forge for this platform it prints one line
// naming the platform and the supported ones, and exits 1.
import { spawnSync } from 'node:child_process';
import { register } from 'tsx/esm/api';

register();
const { FoundryNotFoundError, foundryBinary } = await import('../src/devnet/foundry.ts');

let forge;
try {
  forge = foundryBinary('forge');
} catch (error) {
  if (!(error instanceof FoundryNotFoundError)) throw error;
  console.error(error.message);
  process.exit(1);
}
const result = spawnSync(forge, process.argv.slice(2), { stdio: 'inherit' });
if (result.error) {
  console.error(`could not run ${forge}: ${result.error.message}`);
  process.exit(1);
}
// A forge ended by a signal ends this launcher the same way, so `npm run` reports it as such.
if (result.signal) process.kill(process.pid, result.signal);
process.exit(result.status ?? 1);
