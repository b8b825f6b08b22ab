// Started by `lab fault NODE sshd-drop --after S` inside the node's netns: after S seconds, kills the
// node's sshd session processes (every sshd in this netns but the listener), dropping connections.
// Usage: node sshd-drop.js SECONDS LISTENER_PID
import fs from 'node:fs';

const seconds = Number(process.argv[2]);
const listener = Number(process.argv[3]);
const myNet = fs.readlinkSync('/proc/self/ns/net');

setTimeout(
  () => {
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry) || Number(entry) === listener || Number(entry) === process.pid) continue;
      try {
        if (fs.readlinkSync(`/proc/${entry}/ns/net`) !== myNet) continue;
        if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'sshd') continue;
        process.kill(Number(entry), 'SIGKILL');
      } catch {
        /* exited meanwhile */
      }
    }
  },
  Math.max(0, seconds * 1000),
);
