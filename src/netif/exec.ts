// Run a child process with a deadline and an output cap. The child gets its own process group
// so that a hung shell script and the `sleep` it started die together: killing only the shell
// would leave the grandchild holding stdout open, and we would wait for it forever.
import { spawn } from 'node:child_process';

export interface RunResult {
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  timeoutMs: number;
  /** Bytes of stdout accepted before the child is killed; default 256 KiB (rpcd's exec cap). */
  maxOutput?: number;
  /** Names the command in errors, e.g. `ubus call network.interface.wan status`. */
  what: string;
}

export function runCapped(file: string, args: string[], o: RunOptions): Promise<RunResult> {
  const max = o.maxOutput ?? 256 * 1024;
  return new Promise((resolve, reject) => {
    let settled = false;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const finish = (e: Error | null, r?: RunResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (e) {
        killGroup();
        reject(e);
      } else resolve(r as RunResult);
    };
    const timer = setTimeout(() => finish(new Error(`${o.what}: no answer within ${o.timeoutMs} ms (killed)`)), o.timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      outLen += d.length;
      if (outLen > max) finish(new Error(`${o.what}: printed more than ${max} bytes (killed); expected a short list of addresses`));
      else out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      if (errLen < 4096) err.push(d);
      errLen += d.length;
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      finish(new Error(e.code === 'ENOENT' ? `${o.what}: ${file} not found` : e.code === 'EACCES' ? `${o.what}: ${file} is not executable` : `${o.what}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8').slice(0, 4096);
      if (code === 0) finish(null, { stdout, stderr });
      else {
        const detail = stderr.trim() || stdout.trim();
        finish(new Error(`${o.what}: exited with ${code ?? signal}${detail ? `: ${detail.split('\n')[0]?.slice(0, 200)}` : ''}`));
      }
    });
  });
}
