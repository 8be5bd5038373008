/**
 * The Intel SGX report body (REPORTBODY, 384 bytes): what an enclave's EREPORT says about it, and the part of a quote
 * the attestation verifiers read. Integers are little-endian, as in SGX. The devnet TEE signs exactly this layout
 * (contracts/src/services/multi-prover/attestation/DevnetAttestationVerifier.sol reads the same offsets).
 */
import { type Hex, bytesToHex, hexToBytes } from 'viem';

/** Length of a report body, bytes. */
export const REPORT_BODY_LENGTH = 384;
/** Length of the report data an enclave puts in its report, bytes. */
export const REPORT_DATA_LENGTH = 64;

/** Byte offsets of the report body's fields (Intel SGX REPORTBODY). */
export const REPORT_BODY_OFFSETS = {
  cpuSvn: 0, // 16 bytes
  miscSelect: 16, // uint32 LE
  isvExtProdId: 32, // 16 bytes (after 12 reserved)
  attributes: 48, // flags uint64 LE, then xfrm uint64 LE
  mrEnclave: 64, // 32 bytes
  mrSigner: 128, // 32 bytes (after 32 reserved)
  configId: 192, // 64 bytes (after 32 reserved)
  isvProdId: 256, // uint16 LE
  isvSvn: 258, // uint16 LE
  configSvn: 260, // uint16 LE
  isvFamilyId: 304, // 16 bytes (after 42 reserved)
  reportData: 320, // 64 bytes
} as const;

/** SGX attribute flags (the low uint64 of ATTRIBUTES). */
export const SGX_FLAGS = {
  /** The enclave was initialised (EINIT). */
  INITTED: 1n << 0n,
  /** DEBUG enclave: the host can read and write its memory, so nothing it holds is secret. */
  DEBUG: 1n << 1n,
  /** 64-bit enclave. */
  MODE64BIT: 1n << 2n,
} as const;

/** An enclave's attributes: the flags (see {@link SGX_FLAGS}) and the XSAVE feature mask, both uint64. */
export type SgxAttributes = { flags: bigint; xfrm: bigint };

/** The fields of a report body. Hex fields have the exact byte lengths noted; the reserved bytes are always zero. */
export type ReportBody = {
  /** CPU security version, 16 bytes. */
  cpuSvn: Hex;
  /** MISCSELECT, uint32. */
  miscSelect: number;
  /** Extended product id, 16 bytes. */
  isvExtProdId: Hex;
  /** Enclave attributes. */
  attributes: SgxAttributes;
  /** MRENCLAVE: the hash of the enclave's code and initial data, 32 bytes. */
  mrEnclave: Hex;
  /** MRSIGNER: the hash of the enclave signer's public key, 32 bytes. */
  mrSigner: Hex;
  /** CONFIGID, 64 bytes. */
  configId: Hex;
  /** Product id, uint16. */
  isvProdId: number;
  /** Security version, uint16. */
  isvSvn: number;
  /** CONFIGSVN, uint16. */
  configSvn: number;
  /** Family id, 16 bytes. */
  isvFamilyId: Hex;
  /** The 64 bytes the enclave chose to bind into its report. */
  reportData: Hex;
};

/** Thrown for a report body, or a field of one, of the wrong length or range. */
export class InvalidReportBodyError extends Error {
  override name = 'InvalidReportBodyError';
}

/** The fields {@link buildReportBody} needs; the others default to zero. */
export type ReportBodyInput = Pick<ReportBody, 'attributes' | 'mrEnclave' | 'mrSigner' | 'reportData'> &
  Partial<Omit<ReportBody, 'attributes' | 'mrEnclave' | 'mrSigner' | 'reportData'>>;

/**
 * Lays out a report body.
 * @returns 384 bytes as 0x hex.
 * @throws {InvalidReportBodyError} when a field has the wrong length or is out of range.
 */
export function buildReportBody(input: ReportBodyInput): Hex {
  const out = new Uint8Array(REPORT_BODY_LENGTH);
  const o = REPORT_BODY_OFFSETS;
  putBytes(out, o.cpuSvn, input.cpuSvn ?? zeros(16), 16, 'cpuSvn');
  putUint(out, o.miscSelect, BigInt(input.miscSelect ?? 0), 4, 'miscSelect');
  putBytes(out, o.isvExtProdId, input.isvExtProdId ?? zeros(16), 16, 'isvExtProdId');
  putUint(out, o.attributes, input.attributes.flags, 8, 'attributes.flags');
  putUint(out, o.attributes + 8, input.attributes.xfrm, 8, 'attributes.xfrm');
  putBytes(out, o.mrEnclave, input.mrEnclave, 32, 'mrEnclave');
  putBytes(out, o.mrSigner, input.mrSigner, 32, 'mrSigner');
  putBytes(out, o.configId, input.configId ?? zeros(64), 64, 'configId');
  putUint(out, o.isvProdId, BigInt(input.isvProdId ?? 0), 2, 'isvProdId');
  putUint(out, o.isvSvn, BigInt(input.isvSvn ?? 0), 2, 'isvSvn');
  putUint(out, o.configSvn, BigInt(input.configSvn ?? 0), 2, 'configSvn');
  putBytes(out, o.isvFamilyId, input.isvFamilyId ?? zeros(16), 16, 'isvFamilyId');
  putBytes(out, o.reportData, input.reportData, REPORT_DATA_LENGTH, 'reportData');
  return bytesToHex(out);
}

/**
 * Reads a report body (reserved bytes are not checked).
 * @param body Exactly 384 bytes (hex or bytes).
 * @throws {InvalidReportBodyError} when it is not 384 bytes.
 */
export function parseReportBody(body: Hex | Uint8Array): ReportBody {
  const bytes = typeof body === 'string' ? hexToBytes(body) : body;
  if (bytes.length !== REPORT_BODY_LENGTH) {
    throw new InvalidReportBodyError(`a report body is ${REPORT_BODY_LENGTH} bytes, got ${bytes.length}`);
  }
  const o = REPORT_BODY_OFFSETS;
  const slice = (at: number, length: number) => bytesToHex(bytes.subarray(at, at + length));
  return {
    cpuSvn: slice(o.cpuSvn, 16),
    miscSelect: Number(readUint(bytes, o.miscSelect, 4)),
    isvExtProdId: slice(o.isvExtProdId, 16),
    attributes: { flags: readUint(bytes, o.attributes, 8), xfrm: readUint(bytes, o.attributes + 8, 8) },
    mrEnclave: slice(o.mrEnclave, 32),
    mrSigner: slice(o.mrSigner, 32),
    configId: slice(o.configId, 64),
    isvProdId: Number(readUint(bytes, o.isvProdId, 2)),
    isvSvn: Number(readUint(bytes, o.isvSvn, 2)),
    configSvn: Number(readUint(bytes, o.configSvn, 2)),
    isvFamilyId: slice(o.isvFamilyId, 16),
    reportData: slice(o.reportData, REPORT_DATA_LENGTH),
  };
}

/** Whether `attributes` mark a DEBUG enclave (whose secrets the host can read). */
export function isDebugEnclave(attributes: SgxAttributes): boolean {
  return (attributes.flags & SGX_FLAGS.DEBUG) !== 0n;
}

function zeros(length: number): Hex {
  return `0x${'00'.repeat(length)}`;
}

function putBytes(out: Uint8Array, at: number, value: Hex, length: number, field: string): void {
  let bytes: Uint8Array;
  try {
    bytes = hexToBytes(value);
  } catch {
    throw new InvalidReportBodyError(`${field} must be hex`);
  }
  if (bytes.length !== length) throw new InvalidReportBodyError(`${field} is ${length} bytes, got ${bytes.length}`);
  out.set(bytes, at);
}

function putUint(out: Uint8Array, at: number, value: bigint, length: number, field: string): void {
  if (value < 0n || value >= 1n << BigInt(8 * length)) {
    throw new InvalidReportBodyError(`${field} must be an unsigned ${8 * length}-bit integer, got ${value}`);
  }
  for (let i = 0; i < length; i++) out[at + i] = Number((value >> BigInt(8 * i)) & 0xffn);
}

function readUint(bytes: Uint8Array, at: number, length: number): bigint {
  let value = 0n;
  for (let i = length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[at + i]);
  return value;
}
