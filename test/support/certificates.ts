/**
 * Makes real certificates for tests with the openssl command line: root and intermediate CAs,
 * leaf certificates with any validity window, with or without SANs and CRL distribution
 * points, revocations and CRLs. Everything lives in one temporary folder per `CertificateLab`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type KeyType = 'ec' | 'rsa';

export interface SubjectOptions {
  /**
   * Subject attributes, such as `[['CN', 'device-1'], ['O', 'Partner Ltd']]`. `openssl ca`
   * writes them in the order of its policy section, so the certificate may list them in
   * another order.
   */
  readonly subject: ReadonlyArray<readonly [string, string]>;
  readonly keyType?: KeyType;
  /** Validity start; defaults to one hour ago. */
  readonly notBefore?: Date;
  /** Validity end; defaults to 30 days from now. */
  readonly notAfter?: Date;
}

export interface LeafOptions extends SubjectOptions {
  readonly dnsNames?: readonly string[];
  /** URL put in the CRL distribution points extension. */
  readonly crlUrl?: string;
}

export interface IssuedCertificate {
  readonly pem: string;
  readonly der: Buffer;
  readonly keyPem: string;
  /** Path of the PEM file, for APIs that read files. */
  readonly path: string;
}

const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** A temporary folder that contains the CAs of one test file; call `dispose()` in `afterAll`. */
export class CertificateLab {
  readonly dir = mkdtempSync(join(tmpdir(), 'gatehouse-certs-'));
  private count = 0;

  /** Creates a self-signed root CA. */
  rootCa(options: SubjectOptions): TestCa {
    return TestCa.create(this, options, undefined);
  }

  /** Returns a fresh folder name inside the lab. */
  nextDir(label: string): string {
    this.count += 1;
    const dir = join(this.dir, `${this.count}-${label.replace(/[^a-z0-9]/gi, '_')}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A CA that can issue certificates, revoke them and sign CRLs. */
export class TestCa {
  private constructor(
    private readonly lab: CertificateLab,
    private readonly dir: string,
    readonly certificate: IssuedCertificate,
  ) {}

  /** Creates a CA signed by `parent`, or self-signed when `parent` is undefined. */
  static create(lab: CertificateLab, options: SubjectOptions, parent: TestCa | undefined): TestCa {
    const dir = lab.nextDir(options.subject.map(([, value]) => value).join('-'));
    mkdirSync(join(dir, 'issued'));
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'crlnumber'), '01\n');
    writeFileSync(join(dir, 'openssl.cnf'), caConfig(dir));
    const keyPath = join(dir, 'ca.key');
    generateKey(keyPath, options.keyType ?? 'ec');

    const signer = parent ?? { dir, selfSigned: true as const };
    const pem = signRequest(signer, keyPath, options, 'ca_ext', '');
    const path = join(dir, 'ca.pem');
    writeFileSync(path, pem);
    const certificate = { pem, der: pemToDer(pem), keyPem: readFileSync(keyPath, 'utf8'), path };
    return new TestCa(lab, dir, certificate);
  }

  get pem(): string {
    return this.certificate.pem;
  }

  /** Creates an intermediate CA signed by this CA. */
  intermediate(options: SubjectOptions): TestCa {
    return TestCa.create(this.lab, options, this);
  }

  /** Issues a leaf certificate for client authentication. */
  issue(options: LeafOptions): IssuedCertificate {
    const dir = this.lab.nextDir(`leaf-${options.subject.map(([, value]) => value).join('-')}`);
    const keyPath = join(dir, 'leaf.key');
    generateKey(keyPath, options.keyType ?? 'ec');

    const extraLines = [
      options.dnsNames?.length
        ? `subjectAltName = ${options.dnsNames.map((n) => `DNS:${n}`).join(',')}`
        : '',
      options.crlUrl ? `crlDistributionPoints = URI:${options.crlUrl}` : '',
    ];
    const pem = signRequest(this, keyPath, options, 'leaf_ext', extraLines.join('\n'));
    const path = join(dir, 'leaf.pem');
    writeFileSync(path, pem);
    return { pem, der: pemToDer(pem), keyPem: readFileSync(keyPath, 'utf8'), path };
  }

  /** Adds a certificate this CA issued to its revocation list. */
  revoke(certificate: IssuedCertificate): void {
    this.openssl(['ca', '-revoke', certificate.path, ...this.signerArgs()]);
  }

  /** Returns a CRL signed by this CA, listing every certificate revoked so far. */
  crl(validHours = 24): { pem: string; der: Buffer } {
    const out = join(this.dir, `crl-${Date.now()}-${Math.random()}.pem`);
    this.openssl([
      'ca',
      '-gencrl',
      '-crlhours',
      String(validHours),
      '-out',
      out,
      ...this.signerArgs(),
    ]);
    const pem = readFileSync(out, 'utf8');
    const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    return { pem, der: Buffer.from(body, 'base64') };
  }

  /** Arguments that make `openssl ca` sign with this CA. */
  signerArgs(): string[] {
    return [
      '-config',
      join(this.dir, 'openssl.cnf'),
      '-keyfile',
      join(this.dir, 'ca.key'),
      '-cert',
      join(this.dir, 'ca.pem'),
    ];
  }

  get folder(): string {
    return this.dir;
  }

  private openssl(args: string[]): string {
    return execFileSync('openssl', args, {
      cwd: this.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString();
  }
}

type Signer = TestCa | { dir: string; selfSigned: true };

function signRequest(
  signer: Signer,
  keyPath: string,
  options: SubjectOptions,
  extensionSection: 'ca_ext' | 'leaf_ext',
  extraExtensions: string,
): string {
  const now = Date.now();
  const notBefore = options.notBefore ?? new Date(now - HOUR_MS);
  const notAfter = options.notAfter ?? new Date(now + 30 * DAY_MS);
  const csrPath = `${keyPath}.csr`;
  const outPath = `${keyPath}.pem`;
  const extPath = `${keyPath}.ext`;
  const subject = options.subject.map(([type, value]) => `/${type}=${value}`).join('');
  writeFileSync(extPath, `[ext]\n${EXTENSIONS[extensionSection]}\n${extraExtensions}\n`);

  openssl(['req', '-new', '-key', keyPath, '-subj', subject, '-out', csrPath]);
  const signerArgs =
    'selfSigned' in signer
      ? ['-config', join(signer.dir, 'openssl.cnf'), '-keyfile', keyPath, '-selfsign']
      : signer.signerArgs();
  openssl([
    'ca',
    '-batch',
    '-notext',
    '-in',
    csrPath,
    '-out',
    outPath,
    '-startdate',
    opensslTime(notBefore),
    '-enddate',
    opensslTime(notAfter),
    '-extfile',
    extPath,
    '-extensions',
    'ext',
    ...signerArgs,
  ]);
  return readFileSync(outPath, 'utf8');
}

const EXTENSIONS = {
  ca_ext: [
    'basicConstraints = critical, CA:true',
    'keyUsage = critical, keyCertSign, cRLSign',
    'subjectKeyIdentifier = hash',
  ].join('\n'),
  leaf_ext: [
    'basicConstraints = critical, CA:false',
    'keyUsage = critical, digitalSignature',
    'extendedKeyUsage = clientAuth',
  ].join('\n'),
};

function caConfig(dir: string): string {
  return `[ ca ]
default_ca = this

[ this ]
dir = ${dir}
database = $dir/index.txt
new_certs_dir = $dir/issued
rand_serial = yes
crlnumber = $dir/crlnumber
default_md = sha256
default_days = 30
policy = anything
unique_subject = no
preserve = yes
copy_extensions = none

[ anything ]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = optional
serialNumber = optional
emailAddress = optional
`;
}

function generateKey(path: string, keyType: KeyType): void {
  const algorithm =
    keyType === 'ec'
      ? ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']
      : ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'];
  openssl(['genpkey', ...algorithm, '-out', path]);
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Formats a date as the `YYYYMMDDHHMMSSZ` that `openssl ca -startdate` accepts. */
function opensslTime(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

function pemToDer(pem: string): Buffer {
  const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return Buffer.from(body, 'base64');
}

/** Shifts a date by whole days, negative for the past. */
export function daysFromNow(days: number): Date {
  return new Date(Date.now() + days * DAY_MS);
}
