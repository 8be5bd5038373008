/**
 * The aggregator's `POST /v1/multi-prover/quotes/verify` on the real Intel quotes of test/fixtures/tee (Fastify's
 * inject, responses validated against their schemas): the verdict inside the window, a refusal named as the on-chain
 * verifier names it, and 400s naming the field for a quote that is not hex and collateral without a field.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex } from 'viem';
import { createHttpServer } from '../../src/core/http/server.ts';
import { registerQuoteRoutes } from '../../src/services/multi-prover/aggregator/quoteApi.ts';
import { INTEL_QUOTE_WINDOWS, intelQuoteFixture } from '../helpers/intelQuoteVariants.ts';

async function app(now: number) {
  const server = await createHttpServer({ title: 't', version: '1', validateResponses: true });
  registerQuoteRoutes(server, { now: () => now });
  return server;
}

describe('POST /v1/multi-prover/quotes/verify', () => {
  const sgx = intelQuoteFixture('sgx');
  const inside = INTEL_QUOTE_WINDOWS.sgx.from + 86_400;

  it('returns the verdict of a quote inside its window, at the time given', async () => {
    const server = await app(0);
    const response = await server.inject({ method: 'POST', url: '/v1/multi-prover/quotes/verify', payload: { quote: bytesToHex(sgx.quote), collateral: sgx.collateral, at: inside } });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.equal(body.accepted, true);
    assert.equal(body.at, inside);
    assert.equal(body.verdict.teeType, 'sgx');
    assert.equal(body.verdict.tcbStatus, 'ConfigurationAndSWHardeningNeeded');
    assert.deepEqual(body.verdict.advisoryIds, ['INTEL-SA-00289', 'INTEL-SA-00615']);
    assert.equal(body.verdict.measurements.mrEnclave, '0x33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb');
  });

  it('names why a quote is refused, at the server clock by default', async () => {
    const server = await app(INTEL_QUOTE_WINDOWS.sgx.until + 86_400);
    const response = await server.inject({ method: 'POST', url: '/v1/multi-prover/quotes/verify', payload: { quote: bytesToHex(sgx.quote), collateral: sgx.collateral } });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.equal(body.accepted, false);
    assert.equal(body.reason, 'CrlExpired');
  });

  it('answers 400 naming the field for a quote that is not hex and for collateral without a field', async () => {
    const server = await app(inside);
    const notHex = await server.inject({ method: 'POST', url: '/v1/multi-prover/quotes/verify', payload: { quote: 'quote', collateral: sgx.collateral } });
    assert.equal(notHex.statusCode, 400);
    assert.match(notHex.json().message, /quote/);
    const { tcb_info: _omitted, ...partial } = sgx.collateral as unknown as Record<string, unknown>;
    const missing = await server.inject({ method: 'POST', url: '/v1/multi-prover/quotes/verify', payload: { quote: bytesToHex(sgx.quote), collateral: partial } });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.json().message, /tcb_info/);
  });
});
