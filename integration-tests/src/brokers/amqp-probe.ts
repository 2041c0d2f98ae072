/**
 * AMQP 1.0 readiness probe (for the Event Hubs emulator): opens a TCP connection, sends the SASL
 * protocol header and expects the server's SASL header followed by a `sasl-mechanisms` frame that
 * offers ANONYMOUS (what the Event Hubs client uses with `UseDevelopmentEmulator=true`).
 * Resolves `true`, or a string saying what was missing; never takes longer than `timeoutMs`.
 */
import net from 'node:net';

const SASL_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0x03, 0x01, 0x00, 0x00]); // "AMQP" 3 1 0 0

export function probeAmqp(host: string, port: number, timeoutMs = 2000): Promise<true | string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let received = Buffer.alloc(0);
    const done = (result: true | string) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(`no AMQP answer from ${host}:${port} within ${timeoutMs} ms`));
    socket.once('connect', () => socket.write(SASL_HEADER));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 8) return;
      if (!received.subarray(0, 8).equals(SASL_HEADER))
        return done(`not an AMQP 1.0 SASL header: ${received.subarray(0, 8).toString('hex')}`);
      if (received.length < 12) return;
      const frameSize = received.readUInt32BE(8);
      if (received.length < 8 + frameSize) return;
      const frame = received.subarray(8, 8 + frameSize);
      done(frame.includes('ANONYMOUS') ? true : 'the SASL mechanisms do not include ANONYMOUS');
    });
    socket.once('error', (error) => done(`connect to ${host}:${port}: ${error.message}`));
    socket.once('end', () => done(`${host}:${port} closed the connection before answering`));
  });
}
