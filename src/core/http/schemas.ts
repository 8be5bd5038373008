/** zod schemas shared by the services' HTTP APIs: how integers travel in requests and responses. */
import { z } from 'zod';

/**
 * An unsigned integer of `bits` bits in a request: a decimal string, or a JSON safe integer (below 2^53), parsed to a
 * bigint. Out-of-range values fail with "does not fit in uint<bits>".
 */
export function uintInput(bits: number) {
  const max = (1n << BigInt(bits)) - 1n;
  return z
    .union([z.string(), z.number()])
    .describe(`uint${bits} as a decimal string (or a JSON integer below 2^53)`)
    .transform((input, ctx) => {
      let value: bigint | undefined;
      if (typeof input === 'number') {
        if (Number.isSafeInteger(input) && input >= 0) value = BigInt(input);
      } else if (/^(0|[1-9][0-9]{0,77})$/.test(input)) {
        value = BigInt(input);
      }
      if (value === undefined) {
        ctx.issues.push({ code: 'custom', input, message: 'expected a non-negative decimal integer string' });
        return z.NEVER;
      }
      if (value > max) {
        ctx.issues.push({ code: 'custom', input, message: `does not fit in uint${bits}` });
        return z.NEVER;
      }
      return value;
    });
}

/** An unsigned integer in a response: a decimal string. */
export const decimalOutput = z.string().regex(/^[0-9]+$/).describe('unsigned integer as a decimal string');
