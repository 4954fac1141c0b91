// npx tsx scripts/bench/limiter-calibration.ts [--connections 10] [--duration 5] [--rounds 2]
//
// The rate limiter's persistence options side by side, in the calibration Worker only (no API, no
// seeding): a Durable Object call in memory, with a KV write the answer waits for (the output
// gate), with the write sent unconfirmed, and with the writes coalesced to one a second by a timer
// or by an alarm. Rounds alternate the scenarios so that the machine's load is shared fairly.
import { parseArgs } from "node:util";
import { startCalibrationWorker } from "./baseline.ts";
import { workerdCpuSeconds } from "./cpu.ts";
import { drive } from "./load.ts";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "10" },
    duration: { type: "string", default: "5" },
    rounds: { type: "string", default: "2" },
  },
});
const connections = Number(values.connections);
const seconds = Number(values.duration);
const rounds = Number(values.rounds);
const scenarios: [string, string][] = [
  ["/do", "DO call in memory"],
  ["/do-write", "DO call + KV write (answer waits)"],
  ["/do-write-unconfirmed", "DO call + put allowUnconfirmed"],
  ["/do-write-timer", "DO call + timer write ≤ 1/s"],
  ["/do-write-alarm", "DO call + alarm write ≤ 1/s"],
];

const calibration = await startCalibrationWorker();
const results = new Map<string, { rps: number[]; p50: number[]; p99: number[]; cpu: number[] }>();
try {
  for (let round = 1; round <= rounds; round++) {
    for (const [path, name] of scenarios) {
      const target = { url: calibration.url };
      const next = () => ({ method: "GET" as const, path });
      await drive(target, next, { connections, seconds: 1 });
      const cpuBefore = workerdCpuSeconds();
      const m = await drive(target, next, { connections, seconds });
      const cpu = ((workerdCpuSeconds() - cpuBefore) * 1e6) / m.requests;
      const r = results.get(name) ?? { rps: [], p50: [], p99: [], cpu: [] };
      r.rps.push(m.rps);
      r.p50.push(m.p50);
      r.p99.push(m.p99);
      r.cpu.push(cpu);
      results.set(name, r);
      console.log(
        `round ${round} ${name.padEnd(36)} ${m.rps.toFixed(0).padStart(6)} req/s  p50 ${m.p50.toFixed(2)} ms  p99 ${m.p99.toFixed(2)} ms  ${cpu.toFixed(0)} µs CPU  errors ${m.errors}`,
      );
    }
  }
} finally {
  await calibration.stop();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`\n| scenario (${connections} connections, ${seconds} s × ${rounds}) | req/s | p50 ms | p99 ms | workerd CPU µs/req |`);
console.log("|---|---:|---:|---:|---:|");
for (const [name, r] of results) {
  console.log(`| ${name} | ${median(r.rps).toFixed(0)} | ${median(r.p50).toFixed(2)} | ${median(r.p99).toFixed(2)} | ${median(r.cpu).toFixed(0)} |`);
}
