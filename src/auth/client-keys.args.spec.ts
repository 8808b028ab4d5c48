import { MAX_KEEP_OLD_MS, parseClientKeysArgs, parseDuration, UsageError } from './client-keys.args';

const client = ['--client', 'cli_abc'];

describe('parseClientKeysArgs', () => {
  it.each([
    [[...client, 'list'], { command: 'list', clientId: 'cli_abc' }],
    [[...client, 'create'], { command: 'create', clientId: 'cli_abc', readOnly: false }],
    [[...client, 'create', '--read-only'], { command: 'create', clientId: 'cli_abc', readOnly: true }],
    [[...client, 'create', '--expires-in', '90d'], { command: 'create', clientId: 'cli_abc', readOnly: false, expiresInMs: 90 * 86_400_000 }],
    [[...client, 'rotate'], { command: 'rotate', clientId: 'cli_abc', keepOldMs: 0 }],
    [[...client, 'rotate', '--keep-old', '24h'], { command: 'rotate', clientId: 'cli_abc', keepOldMs: 86_400_000 }],
    [[...client, 'rotate', 'key_x1', '--keep-old', '30m'], { command: 'rotate', clientId: 'cli_abc', keyId: 'key_x1', keepOldMs: 1_800_000 }],
    [['revoke', 'key_x1', ...client], { command: 'revoke', clientId: 'cli_abc', keyId: 'key_x1' }],
  ])('%j', (argv, expected) => {
    expect(parseClientKeysArgs(argv)).toEqual(expected);
  });

  it.each([
    [['list'], /--client is required/],
    [['--client', 'acct_abc', 'list'], /--client must be a client id/],
    [client, /a command is required/],
    [[...client, 'delete'], /unknown command "delete"/],
    [[...client, 'list', 'extra'], /unexpected argument "extra"/],
    [[...client, 'list', '--read-only'], /--read-only does not apply to list/],
    [[...client, 'create', '--keep-old', '1h'], /--keep-old does not apply to create/],
    [[...client, 'rotate', '--read-only'], /--read-only does not apply to rotate/],
    [[...client, 'rotate', '--keep-old', 'tomorrow'], /--keep-old must be a duration/],
    [[...client, 'rotate', '--keep-old', '31d'], /--keep-old must be from 0s to 30d/],
    [[...client, 'rotate', 'cli_abc'], /rotate needs a key id/],
    [[...client, 'revoke'], /revoke needs the id of a key/],
    [[...client, 'revoke', 'key_a', 'key_b'], /unexpected argument "key_b"/],
    [[...client, 'create', '--expires-in', '0'], /--expires-in must be from 1s/],
    [[...client, 'list', '--verbose'], /--verbose/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseClientKeysArgs(argv)).toThrow(UsageError);
    expect(() => parseClientKeysArgs(argv)).toThrow(message);
  });

  it('keeps an old key at most 30 days', () => {
    expect(parseClientKeysArgs([...client, 'rotate', '--keep-old', '30d'])).toMatchObject({ keepOldMs: MAX_KEEP_OLD_MS });
  });
});

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['90s', 90_000],
    ['15m', 900_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['1.5h', undefined],
    ['-1h', undefined],
    ['24', undefined],
    ['h', undefined],
  ])('%s', (text, ms) => expect(parseDuration(text)).toBe(ms));
});
