import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { renderApiReference } from '../../src/services/state-proofs/aggregator/apiReference.ts';

it('docs/api-reference.md matches the OpenAPI document the aggregator serves (regenerate with npm run docs:api)', async () => {
  const committed = readFileSync(new URL('../../docs/api-reference.md', import.meta.url), 'utf8');
  const rendered = await renderApiReference();
  assert.ok(rendered.includes('## GET /v1/state-proofs/{taskId}'));
  assert.ok(rendered.includes('| `blockNumber` |'));
  assert.equal(committed, rendered, 'docs/api-reference.md is stale: run `npm run docs:api`');
});
