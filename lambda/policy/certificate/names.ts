import { DerElement, DerError, Tag, children, decodeOid, decodeString, expectTag } from './der';

/** One attribute of a distinguished name, such as `CN=partner-1`. */
export interface NameAttribute {
  /** Short name (`CN`, `O`) where one is known, else the dotted OID. */
  readonly type: string;
  readonly value: string;
}

const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'SERIALNUMBER',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'T',
  '2.5.4.42': 'GN',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'EMAILADDRESS',
};

/** Aliases a reader may write in a rule, mapped to the short names above. */
const ALIASES: Record<string, string> = {
  COMMONNAME: 'CN',
  ORGANIZATIONNAME: 'O',
  ORGANIZATIONALUNITNAME: 'OU',
  COUNTRYNAME: 'C',
  LOCALITYNAME: 'L',
  STATEORPROVINCENAME: 'ST',
  S: 'ST',
  E: 'EMAILADDRESS',
  EMAIL: 'EMAILADDRESS',
};

/** Decodes an X.501 Name (a SEQUENCE of SETs of type and value) into its attributes. */
export function decodeName(name: DerElement): NameAttribute[] {
  const attributes: NameAttribute[] = [];
  for (const rdn of children(expectTag(name, Tag.SEQUENCE, 'name'))) {
    for (const pair of children(expectTag(rdn, Tag.SET, 'relative distinguished name'))) {
      const [type, value] = children(expectTag(pair, Tag.SEQUENCE, 'name attribute'));
      if (!type || !value) {
        throw new DerError('invalid DER: name attribute needs a type and a value');
      }
      const oid = decodeOid(type);
      attributes.push({ type: SHORT_NAMES[oid] ?? oid, value: decodeString(value) });
    }
  }
  return attributes;
}

/**
 * Parses a distinguished name written as text, such as `CN=partner-1,O=Partner Ltd,C=GB`.
 * Commas and plus signs separate attributes, a backslash escapes the next character, and the
 * order does not matter. Throws on an attribute without `=`.
 */
export function parseDistinguishedName(text: string): NameAttribute[] {
  const attributes: NameAttribute[] = [];
  let current = '';
  let escaped = false;
  const finish = () => {
    const separator = current.indexOf('=');
    if (separator <= 0) {
      throw new Error(`distinguished name '${text}' has an attribute without 'type=value'`);
    }
    const type = current.slice(0, separator).trim().toUpperCase();
    attributes.push({ type: ALIASES[type] ?? type, value: current.slice(separator + 1).trim() });
    current = '';
  };

  for (const char of text) {
    if (escaped) {
      current += char;
      escaped = false;
    } else if (char === '\\') {
      escaped = true;
    } else if (char === ',' || char === '+' || char === '\n') {
      if (current.trim() !== '') finish();
    } else {
      current += char;
    }
  }
  if (current.trim() !== '') finish();
  if (attributes.length === 0) {
    throw new Error('distinguished name is empty');
  }
  return attributes;
}

/**
 * Returns a canonical key for a name: attributes sorted, types upper case, values trimmed
 * and lower case (X.520 names compare case-insensitively). Two names match when their keys
 * are equal, whatever order or case they were written in.
 */
export function canonicalName(attributes: readonly NameAttribute[]): string {
  return attributes
    .map((attribute) => `${attribute.type}=${attribute.value.trim().toLowerCase()}`)
    .sort()
    .join('\n');
}

/** Returns a name in RFC 4514 order (last RDN first) for log lines and errors. */
export function formatName(attributes: readonly NameAttribute[]): string {
  const escape = (value: string) => value.replace(/([,+\\])/g, '\\$1');
  return [...attributes]
    .reverse()
    .map((attribute) => `${attribute.type}=${escape(attribute.value)}`)
    .join(',');
}
