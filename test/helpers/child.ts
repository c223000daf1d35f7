// Runs a Node script (the built CLI, a driver) as a real child process and collects what it
// prints: the e2e world and the demo both drive dist/nmcddns.mjs this way.
import { spawn, type ChildProcess } from 'node:child_process';

export interface NodeRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `node script ...args`, stdin closed; resolves when it exits, rejects if it cannot start. */
export function runNode(script: string, args: readonly string[], onSpawn?: (child: ChildProcess) => void): Promise<NodeRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
    onSpawn?.(child);
  });
}

/** What a child printed, parsed as JSON; undefined when it is not JSON (a crash, a usage text). */
export function jsonOrUndefined(stdout: string): any {
  try {
    return JSON.parse(stdout);
  } catch {
    return undefined;
  }
}
