/** Runs a command to completion with a deadline, capturing its output for error messages. */
import { spawn } from 'node:child_process';

export interface RunResult {
  readonly code: number | null;
  readonly output: string;
}

export function runCommand(
  command: string,
  args: readonly string[],
  options: { timeoutMs: number; cwd?: string; env?: Record<string, string> },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} timed out after ${options.timeoutMs} ms\n${output}`));
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${command}: ${error.message}`));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Like runCommand, but throws (with the output's tail) unless the exit code is 0. */
export async function runChecked(
  command: string,
  args: readonly string[],
  options: { timeoutMs: number; cwd?: string; env?: Record<string, string> },
): Promise<string> {
  const result = await runCommand(command, args, options);
  if (result.code !== 0) {
    const lastLines = result.output.trimEnd().split('\n').slice(-30).join('\n');
    throw new Error(`${command} ${args.join(' ')} exited with ${result.code}:\n${lastLines}`);
  }
  return result.output;
}
