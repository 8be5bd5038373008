/**
 * Intel DCAP collateral on-chain: turns Intel's PCS/PCCS collateral JSON into the IntelCollateralStore's update calls
 * (CRLs as DER, TCB info and QE identity as their exact signed JSON text with Intel's 64-byte signature and the TCB
 * Signing certificate) and submits those that are newer than what the store holds. Anyone may submit: the contract
 * accepts an item only with Intel's signature chain, so a submitter is trusted with nothing.
 */
import { X509Certificate } from 'node:crypto';
import type { Collateral } from '@phala/dcap-qvl';
import { type Address, type Hex, type PublicClient, type WalletClient, bytesToHex, keccak256, stringToHex } from 'viem';
import { IntelCollateralStoreAbi } from '../../../core/chain/abis/generated/index.ts';
import { parseCrl } from './intelCrl.ts';
import { IntelCollateralError } from './intelQuote.ts';

/** IntelCollateralTypes.TcbInfoId. */
export const TcbInfoId = { SGX: 0, TDX: 1 } as const;
/** IntelCollateralTypes.QeIdentityId. */
export const QeIdentityId = { QE: 0, TD_QE: 1 } as const;

/**
 * The store's update calls for one collateral bundle, as bytes, in the order they must be made (the root CA CRL first:
 * the other items' certificates are checked against it). Only encodings change (hex to bytes, PEM to DER, JSON text to
 * its bytes): the contract judges the content.
 */
export type IntelCollateralCalls = {
  updateRootCaCrl: readonly [crl: Hex];
  updatePckCrl: readonly [crl: Hex, issuerCert: Hex];
  updateTcbInfo: readonly [json: Hex, signature: Hex, signingCert: Hex];
  updateQeIdentity: readonly [json: Hex, signature: Hex, signingCert: Hex];
};

/**
 * The update calls of `collateral` (as {@link parseIntelCollateral} returns it).
 * @throws {IntelCollateralError} naming the field when a hex field is not hex, or an issuer chain holds no PEM
 * certificate.
 */
export function intelCollateralCalls(collateral: Collateral): IntelCollateralCalls {
  const der = (pem: string, field: string) => bytesToHex(firstCertificate(pem, field).raw);
  return {
    updateRootCaCrl: [toHex(collateral.root_ca_crl, 'root_ca_crl')],
    updatePckCrl: [toHex(collateral.pck_crl, 'pck_crl'), der(collateral.pck_crl_issuer_chain, 'pck_crl_issuer_chain')],
    updateTcbInfo: [stringToHex(collateral.tcb_info), toHex(collateral.tcb_info_signature, 'tcb_info_signature'), der(collateral.tcb_info_issuer_chain, 'tcb_info_issuer_chain')],
    updateQeIdentity: [
      stringToHex(collateral.qe_identity),
      toHex(collateral.qe_identity_signature, 'qe_identity_signature'),
      der(collateral.qe_identity_issuer_chain, 'qe_identity_issuer_chain'),
    ],
  };
}

/** Where each item goes in the store and how new it is (to skip items the store already has, or newer). */
export type IntelCollateralKeys = {
  rootCaCrl: { thisUpdate: number };
  pckCrl: { issuerKeyHash: Hex; thisUpdate: number };
  tcbInfo: { id: number; fmspc: Hex; issueDate: number };
  qeIdentity: { id: number; issueDate: number };
};

/**
 * The store keys and dates of `collateral`'s items.
 * @throws {IntelCollateralError} naming the field that does not parse.
 */
export function intelCollateralKeys(collateral: Collateral): IntelCollateralKeys {
  const json = <T>(text: string, field: string): T => {
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new IntelCollateralError(`collateral.${field} is not JSON: ${(error as Error).message}`);
    }
  };
  const date = (text: unknown, field: string): number => {
    const ms = typeof text === 'string' ? Date.parse(text) : Number.NaN;
    if (Number.isNaN(ms)) throw new IntelCollateralError(`collateral.${field} has no valid date`);
    return ms / 1000;
  };
  const tcbInfo = json<{ id?: string; fmspc?: string; issueDate?: string }>(collateral.tcb_info, 'tcb_info');
  const qeIdentity = json<{ id?: string; issueDate?: string }>(collateral.qe_identity, 'qe_identity');
  if (!/^[0-9a-fA-F]{12}$/.test(tcbInfo.fmspc ?? '')) throw new IntelCollateralError('collateral.tcb_info.fmspc is not 6 bytes of hex');
  const pckKey = firstCertificate(collateral.pck_crl_issuer_chain, 'pck_crl_issuer_chain').publicKey.export({ format: 'jwk' });
  return {
    rootCaCrl: { thisUpdate: crlThisUpdate(toHex(collateral.root_ca_crl, 'root_ca_crl'), 'root_ca_crl') },
    pckCrl: {
      issuerKeyHash: keccak256(bytesToHex(Buffer.concat([Buffer.from(pckKey.x!, 'base64url'), Buffer.from(pckKey.y!, 'base64url')]))),
      thisUpdate: crlThisUpdate(toHex(collateral.pck_crl, 'pck_crl'), 'pck_crl'),
    },
    tcbInfo: { id: tcbInfo.id === 'TDX' ? TcbInfoId.TDX : TcbInfoId.SGX, fmspc: `0x${tcbInfo.fmspc!.toLowerCase()}`, issueDate: date(tcbInfo.issueDate, 'tcb_info.issueDate') },
    qeIdentity: { id: qeIdentity.id === 'TD_QE' ? QeIdentityId.TD_QE : QeIdentityId.QE, issueDate: date(qeIdentity.issueDate, 'qe_identity.issueDate') },
  };
}

/** What {@link submitIntelCollateral} did with each item. */
export type IntelCollateralSubmission = Record<keyof IntelCollateralKeys, { action: 'submitted'; tx: Hex } | { action: 'current' }>;

/**
 * Submits each item of `collateral` that is newer than the store's (by CRL thisUpdate / issue date), in dependency
 * order, waiting for each receipt.
 * @throws {IntelCollateralError} as {@link intelCollateralCalls} and {@link intelCollateralKeys}, or when a transaction
 * reverts; the contract's custom error (viem's ContractFunctionRevertedError) when the simulation refuses an item
 * (Intel's signature chain does not verify, a certificate expired or is revoked, ...).
 */
export async function submitIntelCollateral(options: {
  publicClient: PublicClient;
  walletClient: WalletClient;
  store: Address;
  collateral: Collateral;
}): Promise<IntelCollateralSubmission> {
  const { publicClient, walletClient, store } = options;
  const calls = intelCollateralCalls(options.collateral);
  const keys = intelCollateralKeys(options.collateral);
  const read = <T>(functionName: string, args: readonly unknown[]) =>
    publicClient.readContract({ address: store, abi: IntelCollateralStoreAbi, functionName: functionName as never, args: args as never }) as Promise<T>;
  const send = async (functionName: keyof IntelCollateralCalls) => {
    const account = walletClient.account!;
    const { request } = await publicClient.simulateContract({ account, address: store, abi: IntelCollateralStoreAbi, functionName, args: calls[functionName] as never });
    const tx = await walletClient.writeContract(request as never);
    const receipt = await publicClient.waitForTransactionReceipt({ hash: tx });
    if (receipt.status !== 'success') throw new IntelCollateralError(`IntelCollateralStore.${functionName} reverted in ${tx}`);
    return { action: 'submitted' as const, tx };
  };
  const current = { action: 'current' as const };
  const root = await read<{ thisUpdate: bigint }>('rootCaCrl', []);
  const rootCaCrl = Number(root.thisUpdate) < keys.rootCaCrl.thisUpdate ? await send('updateRootCaCrl') : current;
  const pck = await read<{ thisUpdate: bigint }>('pckCrl', [keys.pckCrl.issuerKeyHash]);
  const pckCrl = Number(pck.thisUpdate) < keys.pckCrl.thisUpdate ? await send('updatePckCrl') : current;
  const tcb = await read<{ issueDate: bigint }>('tcbInfoRecord', [keys.tcbInfo.id, keys.tcbInfo.fmspc]);
  const tcbInfo = Number(tcb.issueDate) < keys.tcbInfo.issueDate ? await send('updateTcbInfo') : current;
  const qe = await read<{ issueDate: bigint }>('qeIdentityRecord', [keys.qeIdentity.id]);
  const qeIdentity = Number(qe.issueDate) < keys.qeIdentity.issueDate ? await send('updateQeIdentity') : current;
  return { rootCaCrl, pckCrl, tcbInfo, qeIdentity };
}

/** A hex (or byte array) collateral field as 0x hex; the contract decides whether its content is acceptable. */
function toHex(value: string | number[] | Uint8Array, field: string): Hex {
  if (typeof value === 'string') {
    if (!/^(0x)?([0-9a-fA-F]{2})*$/.test(value)) throw new IntelCollateralError(`collateral.${field} is not hex`);
    return `0x${value.replace(/^0x/, '').toLowerCase()}`;
  }
  return bytesToHex(Uint8Array.from(value));
}

function firstCertificate(pemChain: string, field: string): X509Certificate {
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pemChain)?.[0];
  if (!pem) throw new IntelCollateralError(`collateral.${field} holds no PEM certificate`);
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new IntelCollateralError(`collateral.${field}: ${(error as Error).message}`);
  }
}

/** A CRL's thisUpdate (unix seconds). */
function crlThisUpdate(crl: Hex, field: string): number {
  try {
    return parseCrl(Buffer.from(crl.slice(2), 'hex'), `collateral.${field}`).thisUpdate;
  } catch (error) {
    throw new IntelCollateralError((error as Error).message);
  }
}
