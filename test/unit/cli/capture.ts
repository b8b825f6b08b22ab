// A writable stream that keeps what the CLI writes (stdout or stderr in `runCli`'s io), not a TTY.
import { Writable } from 'node:stream';

export class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}
