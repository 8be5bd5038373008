/**
 * `POST /v1/multi-prover/quotes/verify` `{ quote, collateral, at? }`: the aggregator checks an Intel SGX or TDX DCAP
 * quote off-chain as the chain's verifiers do (src/services/multi-prover/tee/intelQuote.ts), so that an operator or an
 * AVS team can see why a prover's quote would be refused before anyone pays gas for it.
 *
 * 200 `{ accepted: true, verdict }` or `{ accepted: false, reason, message }` (the reason is the on-chain verifier's
 * custom error name); 400 naming the field when the quote is not hex or the collateral lacks a field.
 */
import { z } from 'zod';
import { HttpError } from '../../../core/http/errors.ts';
import { uintInput } from '../../../core/http/schemas.ts';
import type { HttpServer } from '../../../core/http/server.ts';
import { INTEL_QUOTE_REJECTIONS, IntelCollateralError, IntelQuoteError, parseIntelCollateral, verifyIntelQuote } from '../tee/intelQuote.ts';

const hex = z.string().regex(/^0x([0-9a-fA-F]{2})+$/, 'expected 0x hex bytes');
const errorResponse = z.object({ error: z.string(), message: z.string() });

/** Body of `POST /v1/multi-prover/quotes/verify`. */
export const quoteVerifyBody = z.object({
  quote: hex.describe('the raw DCAP quote (SGX v3, TDX v4 or v5) as 0x hex'),
  collateral: z.record(z.string(), z.unknown()).describe('Intel PCS/PCCS collateral JSON: tcb_info, qe_identity, CRLs as hex, issuer chains as PEM'),
  at: uintInput(64).optional().describe('verify as of this unix time, seconds (default now)'),
});

const quoteVerifyResponse = z.union([
  z.object({
    accepted: z.literal(true),
    at: z.number().int(),
    verdict: z.object({
      teeType: z.enum(['sgx', 'tdx']),
      version: z.number().int(),
      tcbStatus: z.string(),
      advisoryIds: z.array(z.string()),
      measurements: z.record(z.string(), z.string()).describe('SGX: mrEnclave, mrSigner; TDX: mrTd and mrTdHash (the allowlisted value)'),
      reportData: z.string(),
      debug: z.boolean(),
    }),
  }),
  z.object({ accepted: z.literal(false), at: z.number().int(), reason: z.enum(INTEL_QUOTE_REJECTIONS), message: z.string() }),
]);

/** Registers the route on a server from `createHttpServer`. `now` gives unix seconds (default the wall clock). */
export function registerQuoteRoutes(app: HttpServer, options: { now?: () => number } = {}): void {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  app.post(
    '/v1/multi-prover/quotes/verify',
    {
      schema: {
        summary: 'Check an Intel quote off-chain',
        description: "Verifies an Intel SGX/TDX DCAP quote against its collateral as the chain's verifiers do; a refused quote is a 200 naming the on-chain error.",
        tags: ['multi-prover'],
        body: quoteVerifyBody,
        response: { 200: quoteVerifyResponse, 400: errorResponse },
      },
    },
    async (request) => {
      const at = request.body.at === undefined ? now() : Number(request.body.at);
      let collateral;
      try {
        collateral = parseIntelCollateral(request.body.collateral);
      } catch (error) {
        if (error instanceof IntelCollateralError) throw new HttpError(400, `body/${error.message}`);
        throw error;
      }
      try {
        const v = verifyIntelQuote(Buffer.from(request.body.quote.slice(2), 'hex'), collateral, at);
        const verdict = {
          teeType: v.teeType,
          version: v.version,
          tcbStatus: v.tcbStatus,
          advisoryIds: v.advisoryIds,
          measurements: Object.fromEntries(Object.entries(v.measurements).filter((e): e is [string, `0x${string}`] => e[1] !== undefined)),
          reportData: v.reportData,
          debug: v.debug,
        };
        return { accepted: true as const, at, verdict };
      } catch (error) {
        if (error instanceof IntelQuoteError) return { accepted: false as const, at, reason: error.reason, message: error.message };
        throw error;
      }
    },
  );
}
