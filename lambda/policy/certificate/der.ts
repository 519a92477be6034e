/**
 * A minimal DER reader for the parts of X.509 certificates and CRLs that node:crypto does not
 * expose: raw issuer names, extensions and CRL entries. It reads definite lengths only, as
 * DER requires, and throws `DerError` on anything truncated or malformed.
 */

export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

/** One TLV element: `tag` is the identifier octet, `content` its value bytes. */
export interface DerElement {
  readonly tag: number;
  readonly content: Buffer;
  /** The whole element, header included, as it appears in the input. */
  readonly raw: Buffer;
}

export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Context-specific tag number `n`, constructed (`[n] EXPLICIT` or a constructed IMPLICIT). */
export function contextTag(n: number, constructed = true): number {
  return 0x80 | (constructed ? 0x20 : 0) | n;
}

/** Reads the element that starts at `offset` and returns it with the offset after it. */
export function readElement(input: Buffer, offset = 0): { element: DerElement; next: number } {
  if (offset + 2 > input.length) {
    throw new DerError(`truncated DER: header at byte ${offset} runs past the end`);
  }
  const tag = input[offset];
  if ((tag & 0x1f) === 0x1f) {
    throw new DerError(`unsupported DER: multi-byte tag at byte ${offset}`);
  }

  let length = input[offset + 1];
  let headerLength = 2;
  if (length & 0x80) {
    const lengthBytes = length & 0x7f;
    if (lengthBytes === 0 || lengthBytes > 4) {
      throw new DerError(`invalid DER: length of ${lengthBytes} bytes at byte ${offset}`);
    }
    if (offset + 2 + lengthBytes > input.length) {
      throw new DerError(`truncated DER: length at byte ${offset} runs past the end`);
    }
    length = input.readUIntBE(offset + 2, lengthBytes);
    headerLength += lengthBytes;
  }

  const end = offset + headerLength + length;
  if (end > input.length) {
    throw new DerError(`truncated DER: element at byte ${offset} needs ${length} bytes`);
  }
  const element = {
    tag,
    content: input.subarray(offset + headerLength, end),
    raw: input.subarray(offset, end),
  };
  return { element, next: end };
}

/** Reads `input` as exactly one element, with no bytes after it. */
export function readSingle(input: Buffer): DerElement {
  const { element, next } = readElement(input);
  if (next !== input.length) {
    throw new DerError(`invalid DER: ${input.length - next} bytes after the top element`);
  }
  return element;
}

/** Returns the elements inside a constructed element. */
export function children(element: DerElement): DerElement[] {
  const items: DerElement[] = [];
  let offset = 0;
  while (offset < element.content.length) {
    const { element: child, next } = readElement(element.content, offset);
    items.push(child);
    offset = next;
  }
  return items;
}

/** Returns the children of `element` after checking its tag. */
export function expectChildren(element: DerElement | undefined, tag: number, label: string) {
  return children(expectTag(element, tag, label));
}

export function expectTag(element: DerElement | undefined, tag: number, label: string): DerElement {
  if (!element) {
    throw new DerError(`invalid DER: ${label} is missing`);
  }
  if (element.tag !== tag) {
    const found = element.tag.toString(16);
    throw new DerError(`invalid DER: ${label} has tag 0x${found}, expected 0x${tag.toString(16)}`);
  }
  return element;
}

/** Decodes an OBJECT IDENTIFIER into dotted form. */
export function decodeOid(element: DerElement): string {
  const bytes = expectTag(element, Tag.OID, 'object identifier').content;
  if (bytes.length === 0) {
    throw new DerError('invalid DER: empty object identifier');
  }
  const arcs = [Math.floor(bytes[0] / 40), bytes[0] % 40];
  let value = 0;
  for (const byte of bytes.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  return arcs.join('.');
}

/** Decodes an INTEGER as upper-case hex without leading zero bytes, as serial numbers are shown. */
export function decodeIntegerHex(element: DerElement): string {
  const bytes = expectTag(element, Tag.INTEGER, 'integer').content;
  if (bytes.length === 0) {
    throw new DerError('invalid DER: empty integer');
  }
  return normalizeSerialHex(bytes.toString('hex'));
}

/** Upper-cases a hex serial number and strips colons and leading zeros, keeping at least one digit. */
export function normalizeSerialHex(hex: string): string {
  const digits = hex.replace(/:/g, '').toUpperCase().replace(/^0+/, '');
  return digits === '' ? '0' : digits;
}

/** Decodes a UTCTime or GeneralizedTime into seconds since the epoch. */
export function decodeTime(element: DerElement): number {
  const text = element.content.toString('latin1');
  const utc = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  const general = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  let parts: RegExpExecArray;
  let year: number;
  if (element.tag === Tag.UTC_TIME && utc) {
    parts = utc;
    // RFC 5280: two-digit years 50-99 are 19xx, 00-49 are 20xx.
    year = Number(utc[1]) >= 50 ? 1900 + Number(utc[1]) : 2000 + Number(utc[1]);
  } else if (element.tag === Tag.GENERALIZED_TIME && general) {
    parts = general;
    year = Number(general[1]);
  } else {
    throw new DerError(`invalid DER: time '${text}' is not a UTCTime or GeneralizedTime`);
  }
  const [, , month, day, hour, minute, second] = parts.map(Number);
  return Date.UTC(year, month - 1, day, hour, minute, second) / 1000;
}

/** Decodes the string types that appear in names. */
export function decodeString(element: DerElement): string {
  if (element.tag === 0x1e) {
    // BMPString: UTF-16 big endian.
    const swapped = Buffer.from(element.content);
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  return element.content.toString(element.tag === Tag.UTF8_STRING ? 'utf8' : 'latin1');
}
