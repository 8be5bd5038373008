/**
 * Writes docs/api-reference.md from the aggregator's OpenAPI document. The document comes from the same zod schemas
 * that validate requests, so the reference cannot drift from the server: `npm run docs:api` regenerates it, and a
 * unit test fails when the committed file is stale.
 *
 * Usage: node --import tsx scripts/gen-api-docs.ts [--check]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderApiReference } from '../src/services/state-proofs/aggregator/apiReference.ts';

const target = fileURLToPath(new URL('../docs/api-reference.md', import.meta.url));
const markdown = await renderApiReference();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // Missing counts as stale.
  }
  if (current !== markdown) {
    console.error('docs/api-reference.md is stale: run `npm run docs:api`');
    process.exit(1);
  }
  console.log('docs/api-reference.md is up to date');
} else {
  writeFileSync(target, markdown);
  console.log(`wrote ${target}`);
}
