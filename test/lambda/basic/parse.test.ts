import { AccessDenied } from '../../../lambda/policy/failure';
import { parseBasicAuthorization } from '../../../lambda/policy/basic/parse';

function header(userAndPassword: string, scheme = 'Basic'): string {
  return `${scheme} ${Buffer.from(userAndPassword, 'utf8').toString('base64')}`;
}

function denial(headers: string[]): AccessDenied {
  try {
    parseBasicAuthorization(headers);
  } catch (error) {
    return error as AccessDenied;
  }
  throw new Error('expected parseBasicAuthorization to throw');
}

describe('parseBasicAuthorization', () => {
  test('reads user id and password', () => {
    const credentials = parseBasicAuthorization([header('alice:s3cret')]);

    expect(credentials).toEqual({ username: 'alice', password: 's3cret' });
  });

  test.each(['basic', 'BASIC', 'bAsIc'])('matches the scheme %s case-insensitively', (scheme) => {
    const credentials = parseBasicAuthorization([header('alice:pw', scheme)]);

    expect(credentials.username).toBe('alice');
  });

  test('allows spaces around the header and after the scheme', () => {
    const encoded = Buffer.from('alice:pw').toString('base64');

    const credentials = parseBasicAuthorization([`  Basic    ${encoded}  `]);

    expect(credentials.password).toBe('pw');
  });

  test('keeps colons after the first inside the password', () => {
    const credentials = parseBasicAuthorization([header('alice:a:b::c:')]);

    expect(credentials.password).toBe('a:b::c:');
  });

  test('decodes non-ASCII user ids and passwords as UTF-8', () => {
    const credentials = parseBasicAuthorization([header('José:пароль€🔑')]);

    expect(credentials).toEqual({ username: 'José', password: 'пароль€🔑' });
  });

  test('accepts an empty password', () => {
    const credentials = parseBasicAuthorization([header('alice:')]);

    expect(credentials.password).toBe('');
  });

  test('picks the Basic header among other schemes', () => {
    const credentials = parseBasicAuthorization(['Bearer abc.def.ghi', header('bob:pw')]);

    expect(credentials.username).toBe('bob');
  });

  test.each([
    ['no header', []],
    ['a Bearer header', ['Bearer abc.def.ghi']],
    [
      'a scheme that only starts with basic',
      [`Basically ${Buffer.from('a:b').toString('base64')}`],
    ],
  ])('denies %s with BASIC_MISSING', (_name, headers) => {
    const error = denial(headers as string[]);

    expect(error).toBeInstanceOf(AccessDenied);
    expect(error.code).toBe('BASIC_MISSING');
    expect(error.status).toBe(401);
  });

  test.each([
    ['no credentials after the scheme', ['Basic'], 'not valid Base64'],
    ['spaces only after the scheme', ['Basic    '], 'not valid Base64'],
    ['characters outside Base64', ['Basic YWxp*2U6cHc='], 'not valid Base64'],
    ['URL-safe Base64', ['Basic _-_-'], 'not valid Base64'],
    ['missing padding', ['Basic YWxpY2U6cHc'], 'not valid Base64'],
    ['a space inside the credentials', ['Basic YWxp Y2U6cHc='], 'not valid Base64'],
    ['no colon', [header('alicepw')], 'contain no colon'],
    ['an empty user id', [header(':pw')], 'user id is empty'],
    [
      'invalid UTF-8',
      [`Basic ${Buffer.from([0x61, 0x3a, 0xff, 0xfe]).toString('base64')}`],
      'not valid UTF-8',
    ],
    ['a control character in the password', [header('alice:p\nw')], 'control character'],
    ['a control character in the user id', [header('al\u0000ice:pw')], 'control character'],
    ['two Basic headers', [header('alice:pw'), header('bob:pw')], '2 Authorization headers'],
    ['an oversized header', [header(`alice:${'x'.repeat(5000)}`)], 'at most 4096'],
  ])('denies %s with BASIC_MALFORMED', (_name, headers, message) => {
    const error = denial(headers);

    expect(error.code).toBe('BASIC_MALFORMED');
    expect(error.status).toBe(401);
    expect(error.message).toContain(message);
  });

  test('never puts the password in a denial message', () => {
    const error = denial([header('alice:p\u0001secret-word')]);

    expect(error.message).not.toContain('secret-word');
  });
});
