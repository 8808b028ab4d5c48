import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

// What the server, the database and the rest of the machine used while a scenario ran, from /proc
// (Linux; elsewhere the numbers are NaN). CPU times are in clock ticks of 10 ms (USER_HZ = 100).

/** Resident memory (kB) and CPU time (ms) of one process, from /proc (Linux); undefined elsewhere. */
export function processStats(pid: number): { rssKb: number; hwmKb: number; cpuMs: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    // /proc/<pid>/stat: fields 14 and 15 (utime, stime) in clock ticks, after the parenthesised name.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM'), cpuMs: ticks * 10 };
  } catch {
    return undefined;
  }
}

/** Inodes of the TCP sockets listening on `port` (any local address), from /proc/net/tcp{,6}. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
        const fields = line.trim().split(/\s+/);
        // local_address is "<hex ip>:<hex port>"; state 0A is LISTEN.
        if (fields.length > 9 && parseInt(fields[1].split(':')[1], 16) === port && fields[3] === '0A') inodes.add(fields[9]);
      }
    } catch {
      // no /proc, or no IPv6
    }
  }
  return inodes;
}

/**
 * The pid of the local MariaDB/MySQL server listening on `port`, to report its CPU time too;
 * undefined when not found. Several may run on one machine: the one that owns the listening socket.
 */
export function findDatabasePid(port = 3306): number | undefined {
  const inodes = listeningInodes(port);
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
        if (comm !== 'mariadbd' && comm !== 'mysqld') continue;
        for (const fd of readdirSync(`/proc/${entry}/fd`)) {
          const target = readlinkSync(`/proc/${entry}/fd/${fd}`);
          if (inodes.has(/^socket:\[(\d+)\]$/.exec(target)?.[1] ?? '')) return Number(entry);
        }
      } catch {
        // gone meanwhile, or not ours to read
      }
    }
  } catch {
    // no /proc
  }
  return undefined;
}

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
function machineJiffies(): { busy: number; total: number } {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const values = fields.map(Number);
    const total = values.reduce((a, b) => a + b, 0);
    return { busy: total - values[3] - (values[4] ?? 0), total };
  } catch {
    return { busy: NaN, total: NaN };
  }
}

/** CPU ms of every process, by pid, with its command name: to tell who else used the machine. */
function allProcesses(): Map<number, { name: string; cpuMs: number }> {
  const all = new Map<number, { name: string; cpuMs: number }>();
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        all.set(Number(entry), { name, cpuMs: (Number(fields[11]) + Number(fields[12])) * 10 });
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    // no /proc
  }
  return all;
}

export interface Usage {
  peakRssMb: number;
  hwmMb: number;
  serverCpuMs: number;
  dbCpuMs: number;
  benchCpuMs: number;
  /** All cores, whoever used them: 100 means the machine was saturated. */
  machineBusyPct: number;
  othersBusyPct: number;
  /** The other processes that used the most CPU meanwhile ("name: ms"). */
  topOthers: string[];
}

/** Samples a server's RSS while a scenario runs: the peak VmRSS seen, and CPU time used meanwhile. */
export class ResourceSampler {
  private peakRssKb = 0;
  private timer?: NodeJS.Timeout;
  private startCpu = 0;
  private startDbCpu = 0;
  private startMachine = { busy: 0, total: 0 };
  private startBench = process.cpuUsage();
  private startProcesses = new Map<number, { name: string; cpuMs: number }>();

  constructor(readonly pid: number, private readonly dbPid?: number) {}

  start(): void {
    this.peakRssKb = 0;
    this.startCpu = processStats(this.pid)?.cpuMs ?? NaN;
    this.startDbCpu = this.dbPid ? (processStats(this.dbPid)?.cpuMs ?? NaN) : NaN;
    this.startMachine = machineJiffies();
    this.startBench = process.cpuUsage();
    this.startProcesses = allProcesses();
    this.sample();
    this.timer = setInterval(() => this.sample(), 200);
  }

  stop(): Usage {
    clearInterval(this.timer);
    this.sample();
    const now = processStats(this.pid);
    const db = this.dbPid ? processStats(this.dbPid) : undefined;
    const machine = machineJiffies();
    const bench = process.cpuUsage(this.startBench);
    const serverCpuMs = (now?.cpuMs ?? NaN) - this.startCpu;
    const dbCpuMs = (db?.cpuMs ?? NaN) - this.startDbCpu;
    // When the load runs in this process (the raw scenario's mysql2 client), its CPU is the "server" CPU.
    const benchCpuMs = this.pid === process.pid ? 0 : (bench.user + bench.system) / 1000;
    const busyMs = (machine.busy - this.startMachine.busy) * 10;
    const capacityMs = (machine.total - this.startMachine.total) * 10;
    const mine = new Set([this.pid, this.dbPid, process.pid]);
    const topOthers = [...allProcesses()]
      .filter(([pid]) => !mine.has(pid))
      .map(([pid, p]) => ({ name: `${p.name}[${pid}]`, ms: p.cpuMs - (this.startProcesses.get(pid)?.cpuMs ?? 0) }))
      .filter((p) => p.ms > 0)
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 3)
      .map((p) => `${p.name}: ${p.ms} ms`);
    return {
      peakRssMb: round(this.peakRssKb / 1024),
      hwmMb: round((now?.hwmKb ?? NaN) / 1024),
      serverCpuMs,
      dbCpuMs,
      benchCpuMs,
      machineBusyPct: Math.round((busyMs / capacityMs) * 100),
      // What neither the server, the database nor the load generator used: other work on the machine.
      othersBusyPct: Math.max(0, Math.round(((busyMs - serverCpuMs - (dbCpuMs || 0) - benchCpuMs) / capacityMs) * 100)),
      topOthers,
    };
  }

  private sample(): void {
    const stats = processStats(this.pid);
    if (stats && stats.rssKb > this.peakRssKb) this.peakRssKb = stats.rssKb;
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
