/**
 * Intel SGX (DCAP v3) and TDX (DCAP v4) quotes verified off-chain with `@phala/dcap-qvl` against Intel's root CA and
 * the quote's collateral (TCB info, QE identity, CRLs and their issuer chains) at a given time: the operator checks its
 * own prover's quote before it submits it, and `avs multi-prover quote verify` checks any quote. Returns what the
 * liveness verifier needs (TEE type, measurements, the 64 bytes of report data) and what a policy decides on (TCB
 * status, advisories, the DEBUG attribute).
 */
import { type Collateral, Quote, verify } from '@phala/dcap-qvl';
import { type Hex, bytesToHex } from 'viem';
import { sha256 } from '@noble/hashes/sha2.js';

/** A quote that does not verify (named by what failed, e.g. "TCBInfo expired", "ISV enclave report signature is invalid"). */
export class IntelQuoteError extends Error {
  override name = 'IntelQuoteError';
}

/** Collateral that is not in the expected JSON shape. */
export class IntelCollateralError extends Error {
  override name = 'IntelCollateralError';
}

/** What a verified quote says. Hex values are 0x-prefixed lowercase. */
export type VerifiedIntelQuote = {
  teeType: 'sgx' | 'tdx';
  /** DCAP quote version (3 for these SGX quotes, 4 for TDX). */
  version: number;
  /** Intel's verdict on the platform's TCB level, e.g. `UpToDate`, `SWHardeningNeeded`, `OutOfDate`. */
  tcbStatus: string;
  /** Intel security advisories that apply (e.g. `INTEL-SA-00615`). */
  advisoryIds: string[];
  /** SGX: MRENCLAVE and MRSIGNER (32 bytes each); TDX: MRTD (48 bytes) and `mrTdHash` = sha256(MRTD), the value the contracts allowlist. */
  measurements: { mrEnclave?: Hex; mrSigner?: Hex; mrTd?: Hex; mrTdHash?: Hex };
  /** The 64 bytes the enclave or trust domain bound into the quote. */
  reportData: Hex;
  /** SGX: the DEBUG attribute is set (such an enclave's memory is readable by the host; never trusted). */
  debug: boolean;
};

/**
 * Parses collateral as Intel's PCS/PCCS JSON (`tcb_info`, `qe_identity` as JSON text; CRLs and signatures as hex).
 * @throws {IntelCollateralError} naming the missing or malformed field.
 */
export function parseIntelCollateral(json: unknown): Collateral {
  if (typeof json !== 'object' || json === null) throw new IntelCollateralError('collateral must be a JSON object');
  const c = json as Record<string, unknown>;
  for (const field of ['pck_crl_issuer_chain', 'root_ca_crl', 'pck_crl', 'tcb_info_issuer_chain', 'tcb_info', 'tcb_info_signature', 'qe_identity_issuer_chain', 'qe_identity', 'qe_identity_signature']) {
    const value = c[field];
    if (!(typeof value === 'string' || (Array.isArray(value) && value.every((b) => Number.isInteger(b))))) {
      throw new IntelCollateralError(`collateral.${field} is missing or not a string`);
    }
  }
  return c as unknown as Collateral;
}

/**
 * Verifies `quote` against `collateral` at `atSeconds` (unix seconds; the collateral's validity window must contain it).
 * @throws {IntelQuoteError} when the quote, its certificate chain, signatures or TCB level do not verify.
 */
export function verifyIntelQuote(quote: Uint8Array, collateral: Collateral, atSeconds: number): VerifiedIntelQuote {
  let verdict;
  let parsed;
  try {
    parsed = Quote.parse(quote);
    verdict = verify(quote, collateral, atSeconds);
  } catch (error) {
    throw new IntelQuoteError(String((error as Error)?.message ?? error));
  }
  const hex = (bytes: Uint8Array) => bytesToHex(bytes).toLowerCase() as Hex;
  const sgx = verdict.report.asSgx();
  if (sgx) {
    return {
      teeType: 'sgx',
      version: parsed.header.version,
      tcbStatus: verdict.status,
      advisoryIds: [...verdict.advisory_ids],
      measurements: { mrEnclave: hex(sgx.mrEnclave), mrSigner: hex(sgx.mrSigner) },
      reportData: hex(sgx.reportData),
      // SGX ATTRIBUTES.FLAGS bit 1 is DEBUG.
      debug: (sgx.attributes[0] & 0x02) !== 0,
    };
  }
  const td = verdict.report.asTd10() ?? verdict.report.asTd15()?.base;
  if (!td) throw new IntelQuoteError(`unsupported report type ${verdict.report.type}`);
  return {
    teeType: 'tdx',
    version: parsed.header.version,
    tcbStatus: verdict.status,
    advisoryIds: [...verdict.advisory_ids],
    measurements: { mrTd: hex(td.mrTd), mrTdHash: hex(sha256(td.mrTd)) },
    reportData: hex(td.reportData),
    // A TD's DEBUG is bit 0 of TDATTRIBUTES.
    debug: (td.tdAttributes[0] & 0x01) !== 0,
  };
}
