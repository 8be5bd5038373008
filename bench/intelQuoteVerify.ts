/**
 * Intel DCAP quotes verified per second off-chain (src/services/multi-prover/tee/intelQuote.ts: layout, PEM, CRLs, then
 * @phala/dcap-qvl), one core, for the real SGX v3 and TDX v4 quotes of test/fixtures/tee inside their windows; and,
 * for comparison, @phala/dcap-qvl's `verify` alone on the same inputs. Each figure is the best of several timed rounds
 * after a warm-up.
 *
 * Run alone: `node --import tsx bench/intelQuoteVerify.ts`.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { verify } from '@phala/dcap-qvl';
import { verifyIntelQuote } from '../src/services/multi-prover/tee/intelQuote.ts';
import { INTEL_QUOTE_WINDOWS, intelQuoteFixture } from '../test/helpers/intelQuoteVariants.ts';

/** Verified quotes per second, per quote kind, for the hardened wrapper and for dcap-qvl alone. */
export type IntelQuoteVerifyResult = Record<'sgx' | 'tdx', { wrapper: number; dcapQvl: number }>;

/** Measures both quotes. */
export function measureIntelQuoteVerify(options: { rounds?: number; roundMs?: number } = {}): IntelQuoteVerifyResult {
  const rounds = options.rounds ?? 5;
  const roundMs = options.roundMs ?? 1_000;
  const result = {} as IntelQuoteVerifyResult;
  for (const kind of ['sgx', 'tdx'] as const) {
    const { quote, collateral } = intelQuoteFixture(kind);
    const atSeconds = INTEL_QUOTE_WINDOWS[kind].from + 86_400;
    result[kind] = {
      wrapper: perSecond(() => verifyIntelQuote(quote, collateral, atSeconds), rounds, roundMs),
      dcapQvl: perSecond(() => verify(quote, collateral, atSeconds), rounds, roundMs),
    };
  }
  return result;
}

function perSecond(run: () => unknown, rounds: number, roundMs: number): number {
  for (let i = 0; i < 20; i++) run();
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < roundMs) {
      run();
      n++;
      elapsed = performance.now() - start;
    }
    best = Math.max(best, (n * 1000) / elapsed);
  }
  return Math.round(best);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = measureIntelQuoteVerify();
  console.log('Intel DCAP quotes verified per second, one core');
  console.log('  quote      verifyIntelQuote  dcap-qvl verify alone');
  for (const [kind, v] of Object.entries(r)) console.log(`  ${kind.padEnd(9)} ${String(v.wrapper).padStart(17)} ${String(v.dcapQvl).padStart(22)}`);
}
