import { checkInvariants, formatSummary } from '../test/reliability/invariants';

const USAGE = `usage: npm run check:invariants -- --url mysql://user:pass@host:3306/db [--keys-schema name] [--json]

Reads the database and checks the ledger and idempotency-key invariants: entries sum to zero, every
posting balances, balances equal their entries, no negative customer balance, reversals within their
transfer, two entries per transfer, no orphan entry, no posting across clients, the in-transit balance
equals the pending payouts, every payout has the postings of its status, no committed in_progress key
(but multi-phase keys at a recovery point), every completed key has a response, every stored success
names an existing object, no key (tagged in a transfer's metadata.idempotency_key) executed twice.
Exit status: 0 all hold, 1 a violation, 2 bad usage or database unreachable. DATABASE_URL is the default --url.`;

/** `--name value` or `--name=value`. */
function option(args: string[], name: string): string | undefined {
  const at = args.findIndex((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
  if (at < 0) return undefined;
  return args[at].includes('=') ? args[at].slice(args[at].indexOf('=') + 1) : args[at + 1];
}

async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const url = option(args, 'url') ?? process.env.DATABASE_URL;
  if (!url || !/^(mysql|mariadb):\/\//.test(url)) {
    console.error(`check:invariants needs a MySQL/MariaDB database URL (--url mysql://…); got ${url ? `"${url.split(':')[0]}:…"` : 'none'}.\n\n${USAGE}`);
    return 2;
  }
  let report;
  try {
    report = await checkInvariants(url.replace(/^mariadb:/, 'mysql:'), { keysSchema: option(args, 'keys-schema') });
  } catch (error) {
    console.error(`check:invariants could not read the database: ${(error as Error).message}`);
    return 2;
  }
  console.log(args.includes('--json') ? JSON.stringify(report, null, 2) : formatSummary(report));
  return report.ok ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => process.exit(code));
