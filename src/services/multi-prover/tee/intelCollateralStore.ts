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

/** The store's update calls for one collateral bundle, in the order they must be made (the root CA CRL first: the
 *  other items' certificates are checked against it). */
export type IntelCollateralUpdates = {
  rootCaCrl: { crl: Hex; thisUpdate: number };
  pckCrl: { crl: Hex; issuerCert: Hex; issuerKeyHash: Hex; thisUpdate: number };
  tcbInfo: { json: Hex; signature: Hex; signingCert: Hex; id: number; fmspc: Hex; issueDate: number };
  qeIdentity: { json: Hex; signature: Hex; signingCert: Hex; id: number; issueDate: number };
};

/**
 * The update calls of `collateral` (as {@link parseIntelCollateral} returns it).
 * @throws {IntelCollateralError} when a chain has no certificate, a signature is not 64 bytes, a JSON document or CRL
 * cannot be read.
 */
export function intelCollateralUpdates(collateral: Collateral): IntelCollateralUpdates {
  const rootCaCrl = toHex(collateral.root_ca_crl, 'root_ca_crl');
  const pckCrl = toHex(collateral.pck_crl, 'pck_crl');
  const pckIssuer = firstCertificate(collateral.pck_crl_issuer_chain, 'pck_crl_issuer_chain');
  const tcbInfo = JSON.parse(collateral.tcb_info) as { id: string; fmspc: string; issueDate: string };
  const qeIdentity = JSON.parse(collateral.qe_identity) as { id: string; issueDate: string };
  const pckKey = pckIssuer.publicKey.export({ format: 'jwk' });
  return {
    rootCaCrl: { crl: rootCaCrl, thisUpdate: crlThisUpdate(rootCaCrl, 'root_ca_crl') },
    pckCrl: {
      crl: pckCrl,
      issuerCert: bytesToHex(pckIssuer.raw),
      issuerKeyHash: keccak256(bytesToHex(Buffer.concat([Buffer.from(pckKey.x!, 'base64url'), Buffer.from(pckKey.y!, 'base64url')]))),
      thisUpdate: crlThisUpdate(pckCrl, 'pck_crl'),
    },
    tcbInfo: {
      json: stringToHex(collateral.tcb_info),
      signature: signature(collateral.tcb_info_signature, 'tcb_info_signature'),
      signingCert: bytesToHex(firstCertificate(collateral.tcb_info_issuer_chain, 'tcb_info_issuer_chain').raw),
      id: tcbInfo.id === 'TDX' ? TcbInfoId.TDX : TcbInfoId.SGX,
      fmspc: `0x${tcbInfo.fmspc.toLowerCase()}`,
      issueDate: Date.parse(tcbInfo.issueDate) / 1000,
    },
    qeIdentity: {
      json: stringToHex(collateral.qe_identity),
      signature: signature(collateral.qe_identity_signature, 'qe_identity_signature'),
      signingCert: bytesToHex(firstCertificate(collateral.qe_identity_issuer_chain, 'qe_identity_issuer_chain').raw),
      id: qeIdentity.id === 'TD_QE' ? QeIdentityId.TD_QE : QeIdentityId.QE,
      issueDate: Date.parse(qeIdentity.issueDate) / 1000,
    },
  };
}

/** What {@link submitIntelCollateral} did with each item. */
export type IntelCollateralSubmission = Record<keyof IntelCollateralUpdates, { action: 'submitted'; tx: Hex } | { action: 'current' }>;

/**
 * Submits each item of `collateral` that is newer than the store's (by CRL thisUpdate / issue date), in dependency
 * order, waiting for each receipt.
 * @throws {IntelCollateralError} as {@link intelCollateralUpdates}; the contract's custom error (viem's
 * ContractFunctionRevertedError) when Intel's signature chain does not verify or an item is not yet valid.
 */
export async function submitIntelCollateral(options: {
  publicClient: PublicClient;
  walletClient: WalletClient;
  store: Address;
  collateral: Collateral;
}): Promise<IntelCollateralSubmission> {
  const { publicClient, walletClient, store } = options;
  const updates = intelCollateralUpdates(options.collateral);
  const read = <T>(functionName: string, args: readonly unknown[]) =>
    publicClient.readContract({ address: store, abi: IntelCollateralStoreAbi, functionName: functionName as never, args: args as never }) as Promise<T>;
  const send = async (functionName: string, args: readonly unknown[]) => {
    const account = walletClient.account!;
    const { request } = await publicClient.simulateContract({ account, address: store, abi: IntelCollateralStoreAbi, functionName: functionName as never, args: args as never });
    const tx = await walletClient.writeContract(request as never);
    const receipt = await publicClient.waitForTransactionReceipt({ hash: tx });
    if (receipt.status !== 'success') throw new IntelCollateralError(`IntelCollateralStore.${functionName} reverted in ${tx}`);
    return { action: 'submitted' as const, tx };
  };
  const current = { action: 'current' as const };

  const root = await read<{ thisUpdate: bigint }>('rootCaCrl', []);
  const rootCaCrl = Number(root.thisUpdate) < updates.rootCaCrl.thisUpdate ? await send('updateRootCaCrl', [updates.rootCaCrl.crl]) : current;
  const pck = await read<{ thisUpdate: bigint }>('pckCrl', [updates.pckCrl.issuerKeyHash]);
  const pckCrl =
    Number(pck.thisUpdate) < updates.pckCrl.thisUpdate ? await send('updatePckCrl', [updates.pckCrl.crl, updates.pckCrl.issuerCert]) : current;
  const tcb = await read<{ issueDate: bigint }>('tcbInfoRecord', [updates.tcbInfo.id, updates.tcbInfo.fmspc]);
  const tcbInfo =
    Number(tcb.issueDate) < updates.tcbInfo.issueDate
      ? await send('updateTcbInfo', [updates.tcbInfo.json, updates.tcbInfo.signature, updates.tcbInfo.signingCert])
      : current;
  const qe = await read<{ issueDate: bigint }>('qeIdentityRecord', [updates.qeIdentity.id]);
  const qeIdentity =
    Number(qe.issueDate) < updates.qeIdentity.issueDate
      ? await send('updateQeIdentity', [updates.qeIdentity.json, updates.qeIdentity.signature, updates.qeIdentity.signingCert])
      : current;
  return { rootCaCrl, pckCrl, tcbInfo, qeIdentity };
}

function toHex(value: string | number[] | Uint8Array, field: string): Hex {
  const bytes = typeof value === 'string' ? Buffer.from(value.replace(/^0x/, ''), 'hex') : Buffer.from(value);
  if (bytes.length === 0) throw new IntelCollateralError(`collateral.${field} is empty or not hex`);
  return bytesToHex(bytes);
}

function signature(value: string | number[] | Uint8Array, field: string): Hex {
  const hex = toHex(value, field);
  if (hex.length !== 2 + 128) throw new IntelCollateralError(`collateral.${field} must be 64 bytes (r || s), got ${(hex.length - 2) / 2}`);
  return hex;
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
