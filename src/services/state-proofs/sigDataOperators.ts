/**
 * The operators of a `sigData`, read straight from its hex: what every read of a proof needs (GET of a task, the proof
 * feed, its events, the rewards' epoch records name the proof's signers), without decoding the signatures and the
 * Merkle path. viem's `decodeAbiParameters` of a whole batched `sigData` costs about 20 µs warm (more in the server);
 * this reads one offset, one length and the address words, in about 2 µs.
 *
 * The layout is the one `decodeSigData` reads (docs/attestation-batches.md): the first parameter word is the offset
 * of `address[] operators` in the single form, the second in the batched form (after `BATCH_SIGDATA_TAG`). Checked
 * against `decodeSigData` on random proofs of both forms in the tests.
 */
import type { Address, Hex } from 'viem';
import { BATCH_SIGDATA_TAG } from '../../core/crypto/attestation-batch.ts';
import { MalformedSigDataError } from './attestation.ts';

const HEX = /^0x(?:[0-9a-fA-F]{2})*$/;
/** Hex characters of one 32-byte word. */
const WORD = 64;
/** The 12 zero bytes above an ABI-encoded address. */
const ADDRESS_PAD = '0'.repeat(24);
/** The 28 zero bytes above an offset or length that indexes the input (below 2^32). */
const INDEX_PAD = '0'.repeat(WORD - 8);

/**
 * The `operators` of a single or batched `sigData` (the forms `decodeSigData` reads), lowercase, in their encoded order
 * (strictly ascending in any proof the stake registries accept). Reads only the operators: a `sigData` whose signatures,
 * epoch or proof are malformed is not refused here; `decodeSigData` checks a whole one.
 * @throws {MalformedSigDataError} for input that is not hex of at least one word, an operators offset or length that
 * points outside the input, or an address word whose 12 high bytes are not zero (Solidity's `abi.decode` refuses it).
 */
export function sigDataOperators(sigData: Hex): Address[] {
  if (typeof sigData !== 'string' || sigData.length < 2 + WORD || !HEX.test(sigData)) {
    throw new MalformedSigDataError('sigData must be hex of at least one 32-byte word');
  }
  const body = sigData.slice(2).toLowerCase();
  const words = body.length / WORD;
  const batched = `0x${body.slice(0, WORD)}` === BATCH_SIGDATA_TAG;
  const offset = wordAsIndex(body, batched ? 1 : 0, words, 'operators offset');
  if (offset % 32 !== 0) throw new MalformedSigDataError(`sigData operators offset ${offset} is not a whole number of words`);
  const lengthWord = offset / 32;
  const length = wordAsIndex(body, lengthWord, words, 'operators length');
  if (lengthWord + 1 + length > words) {
    throw new MalformedSigDataError(`sigData holds ${words} words, too few for ${length} operators at word ${lengthWord + 1}`);
  }
  const operators = new Array<Address>(length);
  for (let i = 0; i < length; i++) {
    const at = (lengthWord + 1 + i) * WORD;
    if (body.slice(at, at + 24) !== ADDRESS_PAD) throw new MalformedSigDataError(`sigData operator ${i} is not an address: its 12 high bytes are not zero`);
    operators[i] = `0x${body.slice(at + 24, at + WORD)}`;
  }
  return operators;
}

/** Word `index` of `body` as a number that indexes it (below 2^32), else a {@link MalformedSigDataError} naming `what`. */
function wordAsIndex(body: string, index: number, words: number, what: string): number {
  if (index >= words) throw new MalformedSigDataError(`sigData has no ${what}: it holds ${words} words`);
  const word = body.slice(index * WORD, (index + 1) * WORD);
  if (word.slice(0, WORD - 8) !== INDEX_PAD) throw new MalformedSigDataError(`sigData ${what} 0x${word} points outside it`);
  return Number.parseInt(word.slice(WORD - 8), 16);
}
